"""`inv logs`: Compose's logs streamed straight to our stdout."""

from __future__ import annotations

import sys

from dockhand.docker import compose
from dockhand.docker.compose import COMPOSE_SAID
from dockhand.errors import CommandFailed
from dockhand.session import Session
from dockhand.ui import console


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
        s.find_compose(),
        s.project,
        names,
        follow=follow,
        tail=tail,
        since=since,
        timestamps=timestamps,
        color=console.colour_wanted(sys.stdout),
    )
    try:
        s.runner.check(
            argv, failure="Compose could not show the logs", hint=COMPOSE_SAID
        )
    except CommandFailed:
        # Only now is it worth asking the engine and Compose: an engine that
        # does not answer, or a wrong name, gets the same line as `inv up`
        # gives; a command that succeeds pays no extra call.
        s.require_engine()
        s.check_services(names)
        raise
