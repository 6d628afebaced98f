"""dockhand on a Docker Swarm: the stack file (pure), the endpoint, the wait.

- `stackfile`: Compose's merged model -> a stack file `docker stack deploy`
  takes, with a note for each thing translated or dropped (pure);
- `services`: the per-service part of that translation (pure);
- `argv`: the docker CLI commands against a Swarm manager (pure);
- `endpoint`: which manager a deploy talks to (context, DOCKER_HOST, the lab);
- `converge`: the verdict over the services and their tasks (pure), and the
  wait on the manager's events that feeds it.
"""
