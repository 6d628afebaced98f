"""Compose's plugin binary, started without the docker CLI in front of it.

`docker compose X` starts the docker CLI, which runs the plugin once to read
its metadata (`docker-compose docker-cli-plugin-metadata`) and then again to
do X: about 65 ms of CPU more than the plugin alone, on every Compose command
(docs/performance.md). Started by itself, the plugin is Compose's standalone
binary: the same flags, the same environment, docker config and context. So
where the docker CLI would start a plugin found here, and that plugin gives
the version `docker compose version` gave, dockhand starts it directly.

Commands are still built, shown (--dry, --echo, errors) and remembered as
`docker compose ...`, what a person pastes: only the Runner swaps the
prefix as it starts one (process.Runner.shortcuts). A saving of milliseconds,
kept in this module and that one method.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Mapping
from pathlib import Path

# Where the docker CLI looks for plugins after the config's own folder
# (docker/cli, cli-plugins/manager: defaultSystemPluginDirs on Linux).
SYSTEM_DIRS = (
    "/usr/local/lib/docker/cli-plugins",
    "/usr/local/libexec/docker/cli-plugins",
    "/usr/lib/docker/cli-plugins",
    "/usr/libexec/docker/cli-plugins",
)
NAME = "docker-compose"


def config_dir(environ: Mapping[str, str] = os.environ) -> Path:
    """The docker CLI's config folder: $DOCKER_CONFIG, else ~/.docker."""
    return Path(environ.get("DOCKER_CONFIG") or Path.home() / ".docker")


def search_dirs(environ: Mapping[str, str] = os.environ) -> list[Path]:
    """The folders the docker CLI searches, in its order: config.json's
    `cliPluginsExtraDirs`, the config folder's `cli-plugins`, the system's."""
    config = config_dir(environ)
    try:
        extra = json.loads((config / "config.json").read_text()).get(
            "cliPluginsExtraDirs", []
        )
    except (OSError, ValueError, AttributeError):
        extra = []
    extra = [str(d) for d in extra] if isinstance(extra, list) else []
    return [Path(d) for d in (*extra, str(config / "cli-plugins"), *SYSTEM_DIRS)]


def is_docker_cli(path: str | None) -> bool:
    """`docker` on PATH is the docker CLI itself, not a script or another
    program under its name (Podman's `docker`, which runs Compose its own
    way, with its own DOCKER_HOST)."""
    if not path:
        return False
    real = os.path.realpath(path)
    if Path(real).name not in ("docker", "docker.exe"):
        return False
    try:
        with open(real, "rb") as binary:
            return binary.read(2) != b"#!"
    except OSError:
        return False


def candidate(environ: Mapping[str, str] = os.environ) -> str | None:
    """The plugin the docker CLI would start for `docker compose`, or None
    when `docker` is not the docker CLI or no plugin is found (then
    `docker compose` runs as written). The caller checks its version."""
    if "DOCKER_CLI_PLUGIN_ORIGINAL_CLI_COMMAND" in environ:
        return None  # set by a docker CLI: the plugin would think it was called as one
    if not is_docker_cli(shutil.which("docker", path=environ.get("PATH"))):
        return None
    for folder in search_dirs(environ):
        path = folder / NAME
        if path.is_file() and os.access(path, os.X_OK):
            return str(path)
    return None
