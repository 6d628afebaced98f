"""Pure: the argv of every Compose command dockhand runs, for v2+ and v1.

Nothing here runs anything, so each builder is tested by comparing lists.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from dockhand.errors import DockhandError

Version = tuple[int, ...]

# Debian's docker-compose 1.29 is the oldest we drive: it has --env-file,
# `config --services` and the labels we read.
MINIMUM_VERSION: Version = (1, 29)


def parse_version(text: str) -> Version:
    """'v5.6.1', '2.24.6-desktop.1', 'docker-compose version 1.29.2, build' -> ints."""
    match = re.search(r"(\d+)\.(\d+)(?:\.(\d+))?", text)
    if not match:
        raise DockhandError(
            f"could not read a Compose version from {text.strip()!r}",
            hint="check that `docker compose version` works",
        )
    return tuple(int(part) for part in match.groups() if part is not None)


def format_version(version: Version) -> str:
    return ".".join(map(str, version))


@dataclass(frozen=True)
class ComposeCli:
    """How Compose is called here: the plugin (`docker compose`) or a
    standalone binary, and its version."""

    argv: tuple[str, ...]
    version: Version
    # The plugin binary `docker compose` starts, where it is started
    # directly (docker.compose_plugin); argv stays what is shown.
    plugin: str | None = None

    @property
    def is_v1(self) -> bool:
        return self.version < (2,)

    def __str__(self) -> str:
        return f"{' '.join(self.argv)} {format_version(self.version)}"


def version_probes(override: str | None) -> list[list[str]]:
    """Commands that print the Compose version, in order of preference."""
    if override:
        return [[*override.split(), "version", "--short"]]
    return [
        ["docker", "compose", "version", "--short"],
        ["docker-compose", "version", "--short"],
    ]


@dataclass(frozen=True)
class Project:
    """One Compose project: name, files in merge order, env files (in the
    order passed: the last wins), profiles."""

    name: str
    files: tuple[Path, ...]
    env_files: tuple[Path, ...] = ()
    profiles: tuple[str, ...] = ()


def base(cli: ComposeCli, project: Project) -> list[str]:
    """`-p` and every `-f` always explicit, so neither the directory name nor
    an implicit override file changes what runs. Relative paths inside the
    files resolve against the first file's folder, as Compose does by default."""
    # No name only while asking Compose which one it would choose (discovery).
    argv = [*cli.argv, *(("-p", project.name) if project.name else ())]
    for file in project.files:
        argv += ["-f", str(file)]
    for path in _env_files(cli, project.env_files):
        argv += ["--env-file", str(path)]
    for profile in project.profiles:
        argv += ["--profile", profile]
    return argv


def _env_files(cli: ComposeCli, env_files: Sequence[Path]) -> Sequence[Path]:
    """v1 reads one --env-file only: the last, the one that wins."""
    return env_files[-1:] if cli.is_v1 else env_files


def config_shown(cli: ComposeCli, project: Project) -> str:
    """The `config` command a person can paste to see what Compose says of
    the files (for a hint: names only, run from the project's folder)."""

    files = [arg for f in project.files for arg in ("-f", f.name)]
    return shlex.join([*cli.argv, *files, "config"])


def config_services(cli: ComposeCli, project: Project) -> list[str]:
    return [*base(cli, project), "config", "--services"]


def _config(
    cli: ComposeCli, project: Project, env_files: Sequence[Path] | None
) -> list[str]:
    """`base`, with `env_files` (each read in turn, later ones winning) in
    place of the project's env files when they are given."""
    if env_files is not None:
        project = replace(project, env_files=tuple(env_files))
    return [*base(cli, project), "config"]


def config_quiet(
    cli: ComposeCli, project: Project, env_files: Sequence[Path] | None = None
) -> list[str]:
    return [*_config(cli, project, env_files), "--quiet"]


def _needs_v2(cli: ComposeCli, what: str) -> None:
    if cli.is_v1:
        raise DockhandError(
            f"{what} needs Compose v2 or newer",
            hint=f"this machine runs {cli}; install the Compose v2 plugin",
        )


def config_json(
    cli: ComposeCli,
    project: Project,
    *,
    interpolate: bool = True,
    env_files: Sequence[Path] | None = None,
) -> list[str]:
    """The merged, normalised model as JSON (v2+; v1 prints only YAML).
    Without interpolation, each `${VAR}` is left as written."""
    _needs_v2(cli, "`config --format json`")
    argv = [*_config(cli, project, env_files), "--format", "json"]
    return argv if interpolate else [*argv, "--no-interpolate"]


def config_variables(
    cli: ComposeCli, project: Project, env_files: Sequence[Path] | None = None
) -> list[str]:
    """Every variable the files interpolate, as JSON (Compose 2.24+)."""
    _needs_v2(cli, "`config --variables`")
    return [*_config(cli, project, env_files), "--variables", "--format", "json"]


def build(
    cli: ComposeCli,
    project: Project,
    services: Sequence[str],
    *,
    no_cache: bool = False,
    pull: bool = False,
) -> list[str]:
    argv = [*base(cli, project), "build"]
    if no_cache:
        argv.append("--no-cache")
    if pull:
        argv.append("--pull")
    return [*argv, *services]


def up(
    cli: ComposeCli,
    project: Project,
    services: Sequence[str],
    *,
    build: bool = False,
    no_deps: bool = False,
) -> list[str]:
    # No --wait: dockhand confirms health itself through the engine's events.
    argv = [*base(cli, project), "up", "--detach"]
    if build:
        argv.append("--build")
    if no_deps:  # only the services named are recreated (inv debug)
        argv.append("--no-deps")
    return [*argv, *services]


def watch(cli: ComposeCli, project: Project, services: Sequence[str]) -> list[str]:
    """Compose's own `develop.watch` for running services (v2.22+: --no-up;
    dockhand starts them itself). --verbose: each batch of changes ends with
    a `batch complete` line, and a sync names its files (Compose reads
    them in dockhand.docker.compose_watch)."""
    _needs_v2(cli, "`compose watch`")
    return [*base(cli, project), "--verbose", "watch", "--no-up", *services]


def down(
    cli: ComposeCli, project: Project, *, volumes: bool = False, images: bool = False
) -> list[str]:
    argv = [*base(cli, project), "down", "--remove-orphans"]
    if volumes:
        argv.append("--volumes")
    if images:  # v1 only: "local" is the images it built without a custom tag
        argv += ["--rmi", "local"]
    return argv


def stop(
    cli: ComposeCli, project: Project, services: Sequence[str], *, timeout: int = 10
) -> list[str]:
    return [*base(cli, project), "stop", "--timeout", str(timeout), *services]


def restart(
    cli: ComposeCli,
    project: Project,
    services: Sequence[str],
    *,
    timeout: int | None = None,
) -> list[str]:
    wait = ["--timeout", str(timeout)] if timeout is not None else []
    return [*base(cli, project), "restart", *wait, *services]


def logs(
    cli: ComposeCli,
    project: Project,
    services: Sequence[str],
    *,
    follow: bool = False,
    tail: str | None = None,
    since: str | None = None,
    timestamps: bool = False,
    color: bool = True,
) -> list[str]:
    argv = [*base(cli, project), "logs"]
    if not color:  # v1 colours even into a pipe
        argv.append("--no-color")
    if follow:
        argv.append("--follow")
    if tail is not None:
        argv += ["--tail", tail]
    if since is not None:
        if cli.is_v1:
            raise DockhandError(
                "--since needs Compose v2 or newer",
                hint=f"this machine runs {cli}; use --tail instead",
            )
        argv += ["--since", since]
    if timestamps:
        argv.append("--timestamps")
    return [*argv, *services]


def _in_container(
    cli: ComposeCli,
    project: Project,
    verb: Sequence[str],
    service: str,
    command: Sequence[str],
    tty: bool,
    user: str | None,
    volumes: Sequence[str] = (),
) -> list[str]:
    # -T whenever no terminal is handed over: v1 fails without it, and a TTY
    # corrupts binary output such as a dump.
    argv = [*base(cli, project), *verb]
    if not tty:
        argv.append("-T")
    if user is not None:
        argv += ["--user", user]
    for volume in volumes:
        argv += ["--volume", volume]
    return [*argv, service, *command]


def exec_(
    cli: ComposeCli,
    project: Project,
    service: str,
    command: Sequence[str],
    *,
    tty: bool,
    user: str | None = None,
) -> list[str]:
    """`exec` in the running container."""
    return _in_container(cli, project, ["exec"], service, command, tty, user)


def run(
    cli: ComposeCli,
    project: Project,
    service: str,
    command: Sequence[str],
    *,
    tty: bool,
    user: str | None = None,
    volumes: Sequence[str] = (),
) -> list[str]:
    """A one-off container, removed afterwards, for a service not running;
    `volumes` bind-mounted (HOST:CONTAINER[:ro])."""
    return _in_container(
        cli, project, ["run", "--rm"], service, command, tty, user, volumes
    )


def shell_command(program: str, command: str | None = None) -> list[str]:
    """The shell run in the container: alone (interactive), or with `-c` and
    the command as the user typed it, one string for that shell to parse."""
    return [program] if command is None else [program, "-c", command]


def exec_or_run(
    cli: ComposeCli,
    project: Project,
    service: str,
    command: Sequence[str],
    *,
    running: bool,
    tty: bool,
    user: str | None = None,
) -> list[str]:
    """`exec` when the service is running, else a one-off `run --rm`."""
    build = exec_ if running else run
    return build(cli, project, service, command, tty=tty, user=user)


COMPOSE_SAID = "see Compose's output above"
