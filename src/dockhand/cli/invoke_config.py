"""From Invoke's config to a Session: the `dockhand` section and the
INVOKE_DOCKHAND_* variables read with Invoke's precedence (each key named
with the file or variable it came from when it is wrong), then the project
Compose would see where invoke.yaml does not say (discovery)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from invoke.config import Config
from invoke.context import Context

from dockhand.config import settings
from dockhand.config.defaults import OWN
from dockhand.docker import engine_socket
from dockhand.docker.process import Runner
from dockhand.errors import DockhandError
from dockhand.session import Session

# Invoke's config levels that are files, lowest precedence first; the
# INVOKE_DOCKHAND_* variables rank between project and runtime, as Invoke's own.
_FILE_LEVELS = ("system", "user", "project")
_ABOVE_ENV = ("runtime",)


def _loaded_file(
    config: Config, level: str
) -> tuple[Path, Mapping[str, object]] | None:
    """The file Invoke loaded at a config level, and what it holds.

    Not public in Invoke: its API gives the merged config only, and keeps
    each level's path and data in Config._<level>_path and Config._<level>
    (private, but so since Invoke 1.0). Without them every key would be said
    to come from invoke.yaml, and the variables would beat every file."""
    path = getattr(config, f"_{level}_path", None)
    data = getattr(config, f"_{level}", None)
    return (Path(path), data) if path and isinstance(data, Mapping) else None


def _file_sections(
    config: Config, levels: Sequence[str], root: Path
) -> list[tuple[str, object]]:
    """(file name, its dockhand section) of each config file Invoke loaded."""
    found = []
    for level in levels:
        loaded = _loaded_file(config, level)
        if loaded and "dockhand" in loaded[1]:
            path, data = loaded
            found.append((_relative(path, root), data["dockhand"]))
    return found


def _relative(path: Path, root: Path) -> str:
    try:
        return str(path.resolve().relative_to(root))
    except ValueError:
        return str(path)


def load_settings(config: Config) -> settings.Settings:
    """Settings from Invoke's merged `dockhand` section and the INVOKE_DOCKHAND_*
    variables namespace() took from the environment, each key checked and,
    when wrong, named with the file or the variable it came from."""
    own = config.get(OWN) or {}
    root = Path(own.get("root") or ".").resolve()
    section = config.get("dockhand")
    origins: dict[str, str] = {}
    for name, data in _file_sections(config, _FILE_LEVELS, root):
        origins.update(dict.fromkeys(data, name) if isinstance(data, Mapping) else {})
        origins[""] = name
    above = _file_sections(config, _ABOVE_ENV, root)
    if section is None:
        section = {}
    if isinstance(section, Mapping):
        section = dict(section)
        overridden = {k for _, data in above if isinstance(data, Mapping) for k in data}
        for key, raw in settings.environment_settings(own.get("environ") or {}).items():
            if key not in overridden:
                section[key], origins[key] = raw, settings.env_var(key)
        section["root"] = str(root)
    for name, data in above:
        origins.update(dict.fromkeys(data, name) if isinstance(data, Mapping) else {})
        origins[""] = name
    loaded = settings.load(section, origins)
    return replace(loaded, prod=True) if own.get("prod") else loaded


def session(c: Context, *, copied_ok: bool = False) -> Session:
    """The Session of one command. An env file copied from another checkout
    stops every command but those that mend or report it (setup, doctor)."""
    config = c.config
    run = config.get("run", {})
    s = Session(
        settings=load_settings(config),
        runner=Runner(dry=bool(run.get("dry")), echo=bool(run.get("echo"))),
        read_engine=engine_socket.ask,
    )
    if not (s.settings.project_given and s.settings.files_given):
        from dockhand import discovery

        s.reload(discovery.resolve(s))
    if s.settings.copied_from and not copied_ok:
        from dockhand.config import checkout

        found = checkout.Identity("copied", s.settings.project, s.settings.copied_from)
        raise DockhandError(
            checkout.copied_message(found, s.settings.env_file.name),
            hint="run `inv setup` to give this checkout a name and ports of its own",
        )
    return s
