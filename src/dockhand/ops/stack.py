"""Building, starting, stopping and watching the stack."""

from __future__ import annotations

import sys
import time

from dockhand import (
    compose,
    compose_errors,
    console,
    networks,
    readiness,
    status,
    waits,
)
from dockhand.errors import DockhandError
from dockhand.process import TimedOut
from dockhand.session import Session


def run_compose(
    s: Session, argv: list[str], failure: str, until: float | None = None
) -> None:
    """Stream a Compose command; a failure ends with Compose's exit code and
    its reason, read from what it wrote (still shown above). `until`: the
    command's deadline (process.TimedOut once it passes)."""
    said: list[str] = []
    code = s.runner.stream(argv, errors=said, until=until)
    if code != 0:
        raise compose_errors.failure(failure, "".join(said), code)


def wait_scope(s: Session, names: list[str]) -> readiness.Scope:
    """What a wait for `names` covers: from the Compose model, those services
    and what they depend on (every service without names)."""
    model = s.model()
    if model is None:
        return readiness.scope_without_model(names)
    return readiness.scope(model, names)


def rules(s: Session) -> readiness.Rules:
    return readiness.Rules(s.settings.wait_stable_seconds, s.settings.wait_max_restarts)


def wait_ready(
    s: Session,
    names: list[str],
    timeout: float | None,
    *,
    since: float,
    show_urls: bool = True,
) -> None:
    """Wait until the services named (all when none) and what they depend on
    are ready, showing progress; print the URLs. `since`: when the command
    that started them began; the deadline counts from then."""
    if s.runner.dry:
        return
    scope = wait_scope(s, names)
    what = ", ".join(sorted(scope.services)) if names and scope.services else ""
    console.step(f"waiting for {what or 'every service'} to be ready")
    try:
        with status.watching() as watcher:
            ready = waits.wait_ready(
                s.client,
                s.settings.project,
                since + seconds(s, timeout),
                watcher,
                scope,
                rules(s),
                since=since,
            )
    except waits.HealthFailure as failure:
        status.show_failure(failure)
        raise
    for warning in ready.warnings:
        console.warn(warning)
    console.ok("all services are ready")
    for service, url in status.urls(s.settings, ready.states) if show_urls else ():
        console.status(f"  {service:<12} {url}")


def seconds(s: Session, timeout: float | None) -> float:
    return timeout if timeout is not None else s.settings.wait_timeout


def still_waited_for(s: Session, names: list[str]) -> str:
    """What Compose was still waiting for when the deadline passed: the
    covered services up but not yet healthy (or restarting), and those it
    holds back until they are (created, not started); from the engine."""
    scope = wait_scope(s, names)
    covered = [state for state in s.states([]) if scope.covers(state.service)]
    late = sorted(
        f"{state.service} ({state.summary})"
        for state in covered
        if state.state not in ("created", "running")
        or (state.state == "running" and state.health not in ("", "healthy"))
    )
    held = sorted(state.service for state in covered if state.state == "created")
    if late and held:
        return f"{', '.join(late)} before it starts {', '.join(held)}"
    return ", ".join(late or held)


def run_then_wait(
    s: Session,
    argv: list[str],
    failure: str,
    names: list[str],
    wait: bool,
    timeout: float | None,
    show_urls: bool = True,
) -> None:
    """Run the Compose command that starts `names`, then wait for them. The
    model the wait needs is asked of Compose while that command runs (a
    failed command, e.g. an invalid file, is reported by Compose itself)."""
    began = time.time()
    model = None
    if wait and not s.runner.dry:
        from concurrent.futures import ThreadPoolExecutor

        pool = ThreadPoolExecutor(max_workers=1)
        model = pool.submit(s.model)
        pool.shutdown(wait=False)
    limit = seconds(s, timeout)
    try:
        run_compose(s, argv, failure, until=began + limit if wait else None)
    except TimedOut:
        if model is not None:
            model.result()
        late = still_waited_for(s, names)
        raise DockhandError(
            f"{failure}: the deadline ({limit:g} s) passed while Compose was "
            + (f"still waiting for {late}" if late else "still running"),
            hint=f"see why with `inv logs {late.split(' ', 1)[0]}`, or raise --timeout"
            if late
            else "raise --timeout, or start without waiting: --no-wait",
        ) from None
    if wait:
        if model is not None:
            model.result()  # loaded, or the error of loading it
        wait_ready(s, names, timeout, since=began, show_urls=show_urls)


def build(
    s: Session, names: list[str], *, no_cache: bool = False, pull: bool = False
) -> None:
    """Build the services named (all when none)."""
    argv = compose.build(s.cli, s.project, names, no_cache=no_cache, pull=pull)
    try:
        run_compose(s, argv, "the build failed")
    except DockhandError:
        s.check_services(names)  # a wrong name: the line that lists the real ones
        raise


def start(
    s: Session,
    names: list[str],
    *,
    build: bool = False,
    wait: bool = True,
    timeout: float | None = None,
    show_urls: bool = True,
) -> None:
    """Start detached, then wait until ready."""
    s.require_engine()
    refuse_placeholder_secrets(s)
    if names and wait and not s.runner.dry:
        s.model()  # one Compose call checks the names and gives the model
    networks.repair(s.runner, s.settings.project)
    argv = compose.up(s.cli, s.project, s.check_services(names), build=build)
    run_then_wait(
        s, argv, "Compose could not start the stack", names, wait, timeout, show_urls
    )


def refuse_placeholder_secrets(s: Session) -> None:
    """A secret the env example marks, left at its placeholder (or empty),
    is refused here as `inv setup` and `inv doctor` refuse it: a stack
    started with `change-me` as its password keeps it in its volumes."""
    from dockhand import envfile

    settings = s.settings
    if not settings.env_file.is_file() or not settings.env_example.is_file():
        return
    marked = envfile.read(settings.env_example).secret_keys
    left = (
        envfile.placeholders(envfile.read(settings.env_file), marked) if marked else []
    )
    if left:
        raise DockhandError(
            f"{settings.env_file.name} still has a placeholder or empty secret: "
            f"{', '.join(left)}",
            hint=f"delete those lines from {settings.env_file.name} and run `inv setup` "
            "to generate them",
        )


def stop(s: Session, *, volumes: bool = False, yes: bool = False) -> None:
    from dockhand.ops.cleanup import confirm_volume_removal

    if volumes and not confirm_volume_removal(s, yes=yes, action="inv down --volumes"):
        return
    argv = compose.down(s.cli, s.project, volumes=volumes)
    run_compose(s, argv, "Compose could not stop the stack")


def restart(s: Session, names: list[str], *, wait: bool, timeout: float | None) -> None:
    if names and wait and not s.runner.dry:
        s.model()  # one Compose call checks the names and gives the model
    names = s.check_services(names)
    if names and not s.runner.dry:
        # Compose restarts what exists and says nothing of the rest.
        have = {state.service for state in s.states(names)}
        missing = [name for name in names if name not in have]
        if missing:
            raise DockhandError(
                f"{', '.join(missing)} has no container to restart",
                hint=f"start it with `inv up {' '.join(missing)}`",
            )
    argv = compose.restart(s.cli, s.project, names)
    run_then_wait(s, argv, "Compose could not restart", names, wait, timeout)


def show(s: Session, names: list[str], *, as_json: bool) -> None:
    """`inv ps`: a table (or JSON) of the project's containers."""
    states = s.states(names)
    if as_json:
        console.print_data(status.as_json(states))
    elif not states:
        console.status(
            f"no containers for project {s.settings.project!r}; start them with `inv up`"
        )
    else:
        console.out().print(status.table(states, with_details=True))


def logs(
    s: Session,
    names: list[str],
    *,
    follow: bool,
    tail: str | None,
    since: str | None,
    timestamps: bool,
) -> None:
    """Stream the logs straight from Compose to our stdout, never held here
    (`tail` already checked by the task: a number or `all`)."""
    argv = compose.logs(
        s.cli,
        s.project,
        names,
        follow=follow,
        tail=tail,
        since=since,
        timestamps=timestamps,
        color=console.colour_wanted(sys.stdout),
    )
    said: list[str] = []
    code = s.runner.stream(argv, errors=said)
    if code != 0:
        # Only now is it worth asking Compose for the services: a wrong name
        # gets the same line as before, the right one pays no extra call.
        s.check_services(names)
        raise compose_errors.failure(
            "Compose could not show the logs", "".join(said), code
        )
