"""Starting services and waiting until they are ready: `inv up` and
`inv build` (shared with `inv setup`), and the wait after `inv restart`."""

from __future__ import annotations

import time

from dockhand.docker import compose
from dockhand.docker.compose import COMPOSE_SAID
from dockhand.docker.process import TimedOut
from dockhand.errors import CommandFailed, DockhandError
from dockhand.session import Session
from dockhand.steps import debugging, router, status
from dockhand.steps import wait as waits
from dockhand.steps.wait import rules_of, seconds, still_waited_for, wait_scope
from dockhand.ui import console


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
                rules_of(s),
                since=since,
            )
    except waits.HealthFailure as failure:
        status.show_failure(failure)
        raise
    for warning in ready.warnings:
        console.warn(warning)
    console.ok("all services are ready")
    router.publish_and_show(s, ready.states, show_urls=show_urls)


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
            failure,
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
    elif not s.runner.dry:  # routed all the same: names wait for no health
        router.publish_and_show(s, s.states([]), show_urls=show_urls)


def build(
    s: Session, names: list[str], *, no_cache: bool = False, pull: bool = False
) -> None:
    """Build the services named (all when none), each image labelled with
    the digest of its sources (steps.stale)."""
    from dockhand.steps import stale, trust  # see LAZY_PAIRS

    trust.prepare(s)
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

    if build and no_build:
        raise DockhandError(
            "--build and --no-build contradict each other", hint="give one of them"
        )
    router.config()  # a bad DOCKHAND_ROUTER* is an error before anything starts
    s.require_engine()
    if s.settings.trust:
        from dockhand.steps import trust  # see LAZY_PAIRS

        trust.prepare(s)
    if (names or build) and not s.runner.dry:
        s.ask_model()  # one Compose call checks the names and gives the model
    from dockhand.steps import preflight  # only `up` needs its checks' modules

    if not s.runner.dry:
        preflight.engine_lacks(s, names)  # before a build, as before a start
    # The model is needed first only to build or to check (Compose v1 has
    # none: it builds unlabelled); else it loads while Compose starts.
    checks = build or s.settings.stale_images != "off"
    labelled = checks and not s.runner.dry and not s.find_compose().is_v1
    if labelled:
        from dockhand.steps import stale  # see LAZY_PAIRS

        stale.before_up(s, names, every=build, no_build=no_build)
    argv = compose.up(
        s.find_compose(),
        s.project,
        s.check_services(names),
        build=build and not labelled,
    )
    preflight.before_up(s, names)
    if not s.runner.dry:
        debugging.forget(s.settings, s.check_services(names))
    run_then_wait(
        s, argv, "Compose could not start the stack", names, wait, timeout, show_urls
    )
