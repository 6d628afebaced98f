"""`inv debug`'s files: the override it writes for a service, in dockhand's
cache folder (`~/.cache/dockhand/debug/PROJECT/SERVICE.yml`), removed by
`inv debug SERVICE --off` and by `inv up` (shared with `inv setup`); and
VS Code's launch.json, merged (dockhand.docker.launch).

Not in the project's folder: a build context of `.` would send it to the
engine, and the image would look stale (steps.sources) each time it came
and went."""

from __future__ import annotations

from contextlib import suppress
from pathlib import Path

from dockhand.config import checkout
from dockhand.config.settings import Settings
from dockhand.docker import compose_cache, debug, launch
from dockhand.docker.jsondoc import JSON
from dockhand.ui import console


def folder(settings: Settings) -> Path:
    """The project's overrides (a checkout's project name is its own)."""
    name = settings.project or checkout.own_name(settings.root)
    return compose_cache.location() / "debug" / name


def override_path(settings: Settings, service: str) -> Path:
    return folder(settings) / f"{service}.yml"


def written_port(settings: Settings, service: str) -> int | None:
    path = override_path(settings, service)
    return debug.port_of(path.read_text(), service) if path.is_file() else None


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def remove(path: Path) -> None:
    """The override gone, and the project's folder when it was the last."""
    path.unlink(missing_ok=True)
    with suppress(OSError):  # another service's override is there, or no folder
        path.parent.rmdir()


def forget(settings: Settings, names: list[str]) -> None:
    """`inv up`: the overrides of the services it starts (all: every one)
    removed, so that Compose recreates them as the compose files say."""
    for path in sorted(folder(settings).glob("*.yml")):
        service = path.stem
        if not names or service in names:
            remove(path)
            console.step(
                f"{service}: started without its debugger (inv debug's override removed)"
            )


def write_launch(root: Path, entry: JSON) -> Path:
    """.vscode/launch.json with `entry` merged in; a file that had comments
    is kept beside it first (launch.json.bak), as JSON writes none."""
    path = root / ".vscode" / "launch.json"
    text = path.read_text() if path.is_file() else ""
    content = launch.merged(launch.read(text, str(path)), entry)
    if text and launch.has_comments(text):
        backup = path.with_name("launch.json.bak")
        backup.write_text(text)
        console.warn(
            f"{path} had comments, which JSON cannot keep: the old file is {backup}"
        )
    path.parent.mkdir(exist_ok=True)
    path.write_text(launch.render(content))
    return path
