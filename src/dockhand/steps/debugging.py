"""`inv debug`'s files: the override it writes for a service, under the
project's `.dockhand/` folder (which ignores itself in git), removed by
`inv debug SERVICE --off` and by `inv up` (shared with `inv setup`); and
VS Code's launch.json, merged (dockhand.docker.launch)."""

from __future__ import annotations

from pathlib import Path

from dockhand.config.settings import Settings
from dockhand.docker import debug, launch
from dockhand.docker.jsondoc import JSON
from dockhand.ui import console

FOLDER = ".dockhand"


def override_path(settings: Settings, service: str) -> Path:
    return settings.root / FOLDER / f"debug-{service}.yml"


def written_port(settings: Settings, service: str) -> int | None:
    path = override_path(settings, service)
    return debug.port_of(path.read_text(), service) if path.is_file() else None


def write(path: Path, text: str) -> None:
    path.parent.mkdir(exist_ok=True)
    ignore = path.parent / ".gitignore"
    if not ignore.exists():
        ignore.write_text("# dockhand's own files (inv debug): never committed\n*\n")
    path.write_text(text)


def remove(path: Path) -> None:
    path.unlink(missing_ok=True)


def forget(settings: Settings, names: list[str]) -> None:
    """`inv up`: the overrides of the services it starts (all: every one)
    removed, so that Compose recreates them as the compose files say."""
    folder = settings.root / FOLDER
    if not folder.is_dir():
        return
    for path in sorted(folder.glob("debug-*.yml")):
        service = path.stem.removeprefix("debug-")
        if not names or service in names:
            path.unlink(missing_ok=True)
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
