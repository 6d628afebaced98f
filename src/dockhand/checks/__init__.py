"""The one check system behind `inv doctor` and `inv check`.

Both commands run a selection of checks over the same `Facts`: `DOCTOR`
asks whether this machine and its env file are ready to run the stack,
`CHECK` whether the Docker configuration follows the rules of the seed's
test-docker.sh. A check is a function of the facts returning one `Check`
(or a list, one per port); the report and the JSON are the same for both
(`report`). `registry` lists every check and the selections; import it
(the package itself imports nothing, so a daily command that needs one
part, ports for `inv up`, loads only that part).

The parts, one module each:

- `result`: `Check` (name, status, detail, fix), the statuses OK, WARN,
  FAIL and SKIP, the JSON form, and `Problem`, why a fact could not be had;
- `facts`: `Facts`, everything the checks look at, each probed once on
  first use (the docker CLI, the engine, Compose, the Compose model through
  `config --format json`, the env files, the images, the processes) and
  the probes of docker, Compose and the engine;
- the checks, grouped by subject: `tools` (docker CLI, engine, Compose, the
  compose files), `env` (the example, the env file), `machine` (images,
  disk, ports), `compose` (prod hardening), `image_build` (the
  Dockerfiles), `build_context` (.dockerignore, entrypoint scripts) and
  `runtime` (built images, running containers);
- `compose_model`: the Dockerfile each service builds, parsed, and the
  variables the compose files use. The Compose model itself, the Dockerfile
  parser and the .dockerignore matcher are in dockhand.docker (model,
  dockerfile, dockerignore): daily commands read them too.

A new check: write it as a function of `Facts` in the module of its subject
(or a new one, as the Swarm compatibility check is `swarm.py`, reading
`facts.prod`), add any fact it needs to `Facts` as a cached property, and
list it in `registry.py`'s `DOCTOR`, `CHECK` or both. A check whose input could not be had
(no image built, nothing running, no Compose v2) is a skip, never a pass.
"""
