"""`inv cluster shell [SERVICE] [-c CMD]`: a shell or a command in a running
task of the cluster's stack, where the endpoint can reach it: a task on the
manager (the engine the endpoint is). A task on another node is one line
saying where it runs."""

from __future__ import annotations

from dockhand.docker import process
from dockhand.errors import DockhandError
from dockhand.session import Session
from dockhand.swarm import argv, converge, inspected
from dockhand.swarm.endpoint import manager_of


def shell(s: Session, names: list[str], command: str | None, user: str | None) -> None:
    manager = manager_of(s)
    client = manager.client(s.runner)
    stack = s.settings.project
    name = s.pick_service(names)
    known = [st.name for st in converge.read(client, stack, {})]
    if name not in known:
        raise DockhandError(
            f"no service {name!r} in the stack {stack}",
            hint=f"services: {', '.join(known) or 'none (inv deploy first)'}",
        )
    service = client.services.get(f"{stack}_{name}")
    nodes = {n.id: inspected.node(n.attrs).hostname for n in client.nodes.list()}
    tasks = service.tasks(filters={"desired-state": "running"})
    running = [t for t in map(inspected.task, tasks) if t.state == "running"]
    here = [t for t in running if nodes.get(t.node) == manager.node]
    if not here:
        where = ", ".join(sorted({nodes.get(t.node, "?") for t in running}))
        raise DockhandError(
            f"{name} has no running task on the manager ({manager.node}): "
            f"{'it runs on ' + where if where else 'none is running'}",
            hint=f"{manager.host} reaches the manager's engine only; open a shell with "
            "that node's own endpoint (docker -H ssh://NODE exec ...)",
        )
    container = here[0].container
    interactive = command is None and process.interactive()
    exec_argv = argv.exec_in(
        manager.host,
        container,
        s.settings.service(name).shell,
        command,
        user,
        interactive,
    )
    if command is None:
        s.runner.handover(exec_argv)
    s.runner.pass_on(exec_argv)
