"""`inv test`: each service's configured test command, run in its container
(exec when it runs, a one-off `run --rm` when not), its exit code passed on."""

from __future__ import annotations

import shlex
from collections.abc import Sequence

from dockhand.config.schema import ServiceSettings
from dockhand.docker import compose, containers
from dockhand.errors import DockhandError
from dockhand.session import Session
from dockhand.ui import console


def tested(s: Session, names: Sequence[str]) -> list[tuple[str, ServiceSettings]]:
    """The service named, or every service with a test command, in order."""
    if len(names) > 1:
        raise DockhandError(
            f"one service at a time, got {len(names)}: {' '.join(names)}",
            hint="name one, or none to run every configured test command",
        )
    configured = [(n, c) for n, c in s.settings.services.items() if c.test]
    if not names:
        if not configured:
            raise DockhandError(
                "no service has a test command",
                hint="add one to invoke.yaml: "
                "services: {backend: {test: 'python3 -m unittest'}}",
            )
        return configured
    (name,) = names
    s.check_services([name])
    settings = s.settings.service(name)
    if not settings.test:
        with_tests = ", ".join(n for n, _ in configured) or "none"
        raise DockhandError(
            f"service {name!r} has no test command",
            hint=f"set dockhand.services.{name}.test in invoke.yaml "
            f"(services with one: {with_tests})",
        )
    return [(name, settings)]


def test(s: Session, names: Sequence[str], args: Sequence[str]) -> None:
    """Run the tests; the first failure's exit code is the command's."""
    chosen = tested(s, names)
    if args and len(chosen) > 1:
        raise DockhandError(
            "arguments after -- go to one service's tests",
            hint="name the service: `inv test backend -- ARGS`",
        )
    found = {state.service: state for state in s.states([n for n, _ in chosen])}
    failed: list[tuple[str, int]] = []
    for name, settings in chosen:
        assert settings.test is not None
        state = found.get(name)
        running = s.runner.dry or (state is not None and state.state == "running")
        command = [*settings.test, *args]
        volumes: list[str] = []
        if settings.test_files is not None:
            host, inside = settings.test_files
            if not host.is_dir():
                raise DockhandError(
                    f"{name}: test_files folder {host} does not exist",
                    hint=f"fix dockhand.services.{name}.test_files in invoke.yaml",
                )
            if running and state is not None:
                copy_in(s, name, state.container, host, inside)
            else:
                volumes = [f"{host}:{inside}:ro"]
        how = "in its container" if running else "in a one-off container"
        console.step(f"{name}: {shlex.join(command)} ({how})")
        argv = (
            compose.exec_(s.find_compose(), s.project, name, command, tty=False)
            if running
            else compose.run(
                s.find_compose(), s.project, name, command, tty=False, volumes=volumes
            )
        )
        code = s.runner.run(argv).code
        if code != 0:
            failed.append((name, code))
    if failed:
        names_ = ", ".join(f"{n} (exit {c})" for n, c in failed)
        raise DockhandError(
            f"tests failed: {names_}",
            hint="their output is above",
            code=failed[0][1],
        )
    console.ok("tests passed")


def copy_in(
    s: Session, service: str, container: str, host: object, inside: str
) -> None:
    """Replace `inside` in the running container with the host folder's
    files (readable by the service's user: docker cp gives them to root,
    with their modes)."""
    clear = compose.exec_(
        s.find_compose(), s.project, service, ["rm", "-rf", inside], tty=False, user="0"
    )
    for argv, what in (
        (clear, f"could not clear {inside} in {service}"),
        (
            containers.cp_in_argv(f"{host}/.", container, inside),
            f"could not copy the test files into {service}",
        ),
    ):
        if not s.runner.run(argv).ok:
            raise DockhandError(what, hint="see the docker output above")
