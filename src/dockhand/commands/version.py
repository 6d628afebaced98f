"""`inv version`: dockhand's version and where it runs from (and the one the
project pins, when it pins one: dockhand.config.pinned), with the
Python, Invoke, Compose and engine beside it, the lines a bug report needs.
Each part that cannot be asked says why, instead of failing the whole
report."""

from __future__ import annotations

import json
import platform
import sys
from pathlib import Path

import invoke

from dockhand._version import DISTRIBUTION, __version__
from dockhand.config import pinned
from dockhand.docker import engine
from dockhand.errors import DockhandError
from dockhand.session import Session, detect_compose
from dockhand.ui import console

# The dockhand package this code belongs to (commands/ is one folder down).
PACKAGE = Path(__file__).resolve().parents[1]


def _compose(s: Session) -> str:
    try:
        return str(detect_compose(s.runner, s.settings.compose_command))
    except DockhandError as exc:
        return f"not available: {exc.message}"


def _engine() -> str:
    try:
        found = engine.connect(timeout=5).version()
    except DockhandError as exc:
        return f"not reachable: {exc.message}"
    except Exception as exc:  # the SDK raises requests' errors too
        return f"not reachable at {engine.endpoint()}: {exc}"
    return (
        f"Docker Engine {found.get('Version', '?')} "
        f"(API {found.get('ApiVersion', '?')}) at {engine.endpoint()}"
    )


def _pinned(root: Path) -> dict[str, str]:
    """The row of the version the project pins, when it pins one."""
    pin = pinned.find(root)
    if pin is None:
        return {}
    other = "" if pinned.same_version(pin.version, __version__) else ", not this one"
    return {"pinned": f"{DISTRIBUTION} {pin.version} ({pin.file}{other})"}


def version(s: Session, *, as_json: bool = False) -> None:
    rows = {
        "dockhand": f"{DISTRIBUTION} {__version__}",
        # Which dockhand this is: a system one can shadow a project's own.
        "from": f"{PACKAGE} (run by {sys.executable})",
        **_pinned(s.settings.root),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "invoke": invoke.__version__,
        "compose": _compose(s),
        "engine": _engine(),
    }
    if as_json:
        console.print_data(json.dumps(rows, indent=2))
        return
    width = max(map(len, rows))
    console.print_data("\n".join(f"{k:<{width}}  {v}" for k, v in rows.items()))
