"""`inv shell`: a shell in a service, the terminal handed over, or one command run."""

from __future__ import annotations

from dockhand.docker import compose
from dockhand.docker.process import interactive
from dockhand.errors import DockhandError
from dockhand.session import Session


def shell(s: Session, names: list[str], command: str | None, user: str | None) -> None:
    """A shell in a service: the terminal handed over, or one command run."""
    name = s.pick_service(names)
    program = s.settings.service(name).shell
    running = s.runner.dry or s.is_running(name)  # also: the engine answers
    if command is None:
        if not interactive():
            raise DockhandError(
                "an interactive shell needs a terminal",
                hint="run one command with -c 'CMD'",
            )
        s.runner.handover(
            compose.exec_or_run(
                s.find_compose(),
                s.project,
                name,
                compose.shell_command(program),
                running=running,
                tty=True,
                user=user,
            )
        )
    argv = compose.exec_or_run(
        s.find_compose(),
        s.project,
        name,
        compose.shell_command(program, command),
        running=running,
        tty=interactive(),
        user=user,
    )
    s.runner.pass_on(argv)
