"""Building, starting, stopping and watching the stack."""

from __future__ import annotations

import sys
import time

from dockhand.commands.logs import COMPOSE_SAID
from dockhand.docker import compose
from dockhand.docker.process import TimedOut
from dockhand.errors import CommandFailed, DockhandError
from dockhand.session import Session
from dockhand.steps import readiness, status
from dockhand.steps import wait as waits
from dockhand.ui import console


def wait_scope(s: Session, names: list[str]) -> readiness.Scope:
    """What a wait for `names` covers: from the Compose model, those services
    and what they depend on (every service without names)."""
    model = s.ask_model()
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
                s.connect(),
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
        model = pool.submit(s.ask_model)
        pool.shutdown(wait=False)
    limit = seconds(s, timeout)
    try:
        s.runner.check(
            argv,
            failure=failure,
            hint=COMPOSE_SAID,
            until=began + limit if wait else None,
        )
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
    """Build the services named (all when none), each image labelled with
    the digest of its sources (ops.stale)."""
    from dockhand.steps import stale

    try:
        stale.build_labelled(s, names, no_cache=no_cache, pull=pull)
    except CommandFailed:
        s.check_services(names)  # a wrong name: the line that lists the real ones
        raise


def up(
    s: Session,
    names: list[str],
    *,
    build: bool = False,
    no_build: bool = False,
    wait: bool = True,
    timeout: float | None = None,
    show_urls: bool = True,
) -> None:
    """Start detached, then wait until ready. Images are built first, with
    their digest labels: all of them with `build`, else those that are stale
    (unless `no_build` or the stale_images setting says otherwise)."""
    from dockhand.steps import stale

    if build and no_build:
        raise DockhandError(
            "--build and --no-build contradict each other", hint="give one of them"
        )
    s.require_engine()
    if (names or build) and not s.runner.dry:
        s.ask_model()  # one Compose call checks the names and gives the model
    # The model is needed first only to build or to check (Compose v1 has
    # none: it builds unlabelled); else it loads while Compose starts.
    checks = build or s.settings.stale_images != "off"
    labelled = checks and not s.runner.dry and not s.find_compose().is_v1
    if labelled:
        stale.before_up(s, names, every=build, no_build=no_build)
    argv = compose.up(
        s.find_compose(),
        s.project,
        s.check_services(names),
        build=build and not labelled,
    )
    from dockhand.steps import preflight  # only `up` needs its checks' modules

    preflight.before_up(s, names)
    run_then_wait(
        s, argv, "Compose could not start the stack", names, wait, timeout, show_urls
    )


def down(s: Session, *, volumes: bool = False, yes: bool = False) -> None:
    from dockhand.steps.confirm import confirm_volume_removal

    if volumes and not confirm_volume_removal(s, yes=yes, action="inv down --volumes"):
        return
    argv = compose.down(s.find_compose(), s.project, volumes=volumes)
    s.runner.check(argv, "Compose could not stop the stack", hint=COMPOSE_SAID)


def restart(s: Session, names: list[str], *, wait: bool, timeout: float | None) -> None:
    """Restart the services named (all when none), then wait for them. One
    look at the project's containers serves both the names (a name with a
    container is a service: only one without is asked of Compose) and the
    stale-image warning; the model the wait needs loads during the restart."""
    from dockhand.steps import stale

    seen = None
    if names and not s.runner.dry:
        seen = s.states([])
        # Compose restarts what exists and says nothing of the rest.
        have = {state.service for state in seen}
        missing = [name for name in names if name not in have]
        if missing:
            s.check_services(names)  # an unknown name is its own error
            raise DockhandError(
                f"{', '.join(missing)} has no container to restart",
                hint=f"start it with `inv up {' '.join(missing)}`",
            )
    elif names:
        names = s.check_services(names)
    argv = compose.restart(s.find_compose(), s.project, names)
    stale.warn(s, names, "a restart keeps its image; `inv up` rebuilds it", seen)
    run_then_wait(s, argv, "Compose could not restart", names, wait, timeout)


def ps(s: Session, names: list[str], *, as_json: bool) -> None:
    """`inv ps`: a table (or JSON) of the project's containers."""
    states = s.states(names)
    if as_json:
        console.print_data(status.as_json(states))
    elif not states:
        console.status(
            f"no containers for project {s.settings.project!r}; start them with `inv up`"
        )
    else:
        text = status.table_text(states) if console.plain(sys.stdout) else None
        if text is not None:
            console.print_data(text)
        else:
            console.out().print(status.table(states, with_details=True))
    if states:
        from dockhand.steps import stale

        # Without names, `states` is every container: no second look.
        stale.warn(s, names, "`inv up` rebuilds it", None if names else states)
