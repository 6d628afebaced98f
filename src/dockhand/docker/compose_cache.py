"""Which Compose runs here, remembered between commands.

Asking (`docker compose version --short`, and the plugin alone for its own,
docker.compose_plugin) costs a docker and three plugin starts, about 150 ms
of CPU, before every command. The answer only changes when a file it
comes from changes, so it is kept with a fingerprint of those files: the
`docker` and `docker-compose` found on PATH, every CLI plugin directory's
`docker-compose`, the docker CLI's config.json, PATH and DOCKER_CONFIG. Any
change to one of them (an upgrade replaces the file) asks again.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from collections.abc import Mapping, Sequence
from contextlib import suppress
from pathlib import Path

from dockhand.docker import compose, compose_plugin
from dockhand.docker.compose import ComposeCli, Project, Version


def location(environ: Mapping[str, str] = os.environ) -> Path:
    base = environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(environ.get("DOCKHAND_CACHE_DIR") or Path(base) / "dockhand")


def file_stat(path: str | None) -> list[float] | None:
    if not path:
        return None
    try:
        found = os.stat(path)
    except OSError:
        return None
    return [found.st_ino, found.st_size, found.st_mtime]


def fingerprint(override: str, environ: Mapping[str, str] = os.environ) -> str:
    """What the detection's answer depends on, as one string."""
    config = compose_plugin.config_dir(environ)
    files = [
        shutil.which("docker"),
        shutil.which("docker-compose"),
        shutil.which(override.split()[0]) if override else None,
        str(config / "config.json"),
        str(config / "cli-plugins" / "docker-compose"),
        *(f"{d}/{compose_plugin.NAME}" for d in compose_plugin.SYSTEM_DIRS),
    ]
    return json.dumps(
        [
            override,
            environ.get("PATH", ""),
            str(config),
            [[f, file_stat(f)] for f in files],
            # Under a docker CLI, the plugin is not started directly.
            "DOCKER_CLI_PLUGIN_ORIGINAL_CLI_COMMAND" in environ,
        ]
    )


def answer_file(key: str) -> str:
    """One file per fingerprint: a terminal, an IDE and a test run with
    different PATHs each keep their answer instead of replacing each other's."""
    return f"compose-{hashlib.sha256(key.encode()).hexdigest()[:16]}.json"


def recall(key: str, folder: Path) -> ComposeCli | None:
    try:
        data = json.loads((folder / answer_file(key)).read_text())
        if data["key"] != key:
            return None
        version: Version = tuple(int(part) for part in data["version"])
        plugin = data.get("plugin")
        if plugin is not None and data.get("plugin_stat") != file_stat(plugin):
            return None  # the plugin found was replaced (one in an extra folder)
        argv = tuple(str(word) for word in data["argv"])
        return ComposeCli(argv, version, None if plugin is None else str(plugin))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def remember(key: str, cli: ComposeCli, folder: Path) -> None:
    _write(
        folder,
        answer_file(key),
        {
            "key": key,
            "argv": cli.argv,
            "version": cli.version,
            "plugin": cli.plugin,
            "plugin_stat": file_stat(cli.plugin),
        },
    )


def recall_text(key: str, folder: Path, name: str) -> str | None:
    """A remembered answer of Compose's (e.g. a project's name), or None."""
    try:
        data = json.loads((folder / name).read_text())
        return str(data["value"]) if data["key"] == key else None
    except (OSError, ValueError, KeyError, TypeError):
        return None


def remember_text(
    key: str, value: str, folder: Path, name: str, *, private: bool = False
) -> None:
    """`private`: readable by this user alone (0600), as the env file is."""
    _write(folder, name, {"key": key, "value": value}, private=private)


def _write(
    folder: Path, name: str, data: dict[str, object], *, private: bool = False
) -> None:
    """Best effort: a cache that cannot be written only costs the next call."""
    partial = folder / f"{name}.{os.getpid()}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        partial.touch(mode=0o600 if private else 0o666)
        partial.write_text(json.dumps(data))
        partial.replace(folder / name)
    except OSError:  # a full disk leaves an empty partial behind: not ours to keep
        with suppress(OSError):
            partial.unlink()


_INDIRECT = re.compile(r"^\s*(include|extends)\s*:", re.MULTILINE)
# The shell's own bookkeeping, which changes between two commands typed in
# the same terminal (`_` is the last command's path, OLDPWD moves with every
# cd, SHLVL in a sub-shell) while Compose never reads it unless a file names
# it: left out of the fingerprint then, so a cd does not make the next `inv
# up` check everything again.
SHELL_OWN = ("_", "OLDPWD", "PWD", "SHLVL")


def model_fingerprint(
    argv: Sequence[str], files: Sequence[Path], environ: Mapping[str, str] = os.environ
) -> str | None:
    """What a project's Compose model depends on, as one string: the Compose
    command (its binary's fingerprint and every -f, -p, --env-file), each
    file's stat (the compose files, the env file, the .env beside the first
    file) and every variable of the environment but the shell's own
    (SHELL_OWN) that no file names. None when a compose file pulls in others
    (`include`, `extends`): those are not followed here, so the model is not
    remembered."""
    stats, texts = [], []
    for path in files:
        try:
            text = path.read_text(errors="replace")
        except OSError:
            return None
        if _INDIRECT.search(text):
            return None
        stats.append([str(path), file_stat(str(path))])
        texts.append(text)
    named = "\n".join(texts)
    unread = {
        name
        for name in SHELL_OWN
        if not re.search(rf"\$\{{?{re.escape(name)}\b", named)
    }
    kept = sorted((k, v) for k, v in environ.items() if k not in unread)
    variables = hashlib.sha256(json.dumps(kept).encode())
    return json.dumps([list(argv), stats, variables.hexdigest()])


def project_fingerprint(
    cli: ComposeCli, project: Project, environ: Mapping[str, str] = os.environ
) -> tuple[str | None, str]:
    """`model_fingerprint` of a project's Compose model (its compose files,
    its env files, the .env beside the first file, the environment and the
    Compose that reads them), and a short tag naming the project's files in
    the cache."""

    files = [*project.files, *project.env_files]
    if project.files:
        files.append(project.files[0].parent / ".env")
    argv = [*compose.base(cli, project), *map(str, cli.version)]
    key = model_fingerprint(argv, [f for f in files if f.exists()], environ)
    return key, hashlib.sha256("".join(argv).encode()).hexdigest()[:16]
