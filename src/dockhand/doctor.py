"""The checks behind `inv doctor` (and the first step of `inv setup`).

Each check returns a Check: a name, whether it passed, what it found, and for
a failure the fix. Checks only look: nothing here starts, writes or pulls,
and none needs the stack to be running. The probes they need (the engine, a
port, a process table) are passed in or kept small, so each check is tested
with the real thing and with a stand-in.
"""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import socket
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from dockhand import compose, engine, envfile
from dockhand.compose import ComposeCli, Project
from dockhand.errors import DockhandError
from dockhand.process import Runner
from dockhand.session import detect_compose

if TYPE_CHECKING:
    from docker import DockerClient

    from dockhand.session import Session

BASE_IMAGE_VAR = "BASE_IMAGE"
DEFAULT_BASE_IMAGE = "debian:bookworm-slim"
ENGINE_TIMEOUT = 10  # seconds; doctor should answer fast

OK, FAIL, WARN, SKIP = "ok", "fail", "warn", "skip"


@dataclass(frozen=True)
class Check:
    name: str
    status: str  # ok, fail, warn (works, but look) or skip (could not check)
    detail: str
    fix: str = ""

    @property
    def ok(self) -> bool:
        return self.status != FAIL

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "ok": self.ok}


def passed(name: str, detail: str) -> Check:
    return Check(name, OK, detail)


def failed(name: str, detail: str, fix: str) -> Check:
    return Check(name, FAIL, detail, fix)


def warned(name: str, detail: str, fix: str = "") -> Check:
    return Check(name, WARN, detail, fix)


def skipped(name: str, detail: str) -> Check:
    return Check(name, SKIP, detail)


def as_json(checks: Sequence[Check]) -> str:
    return json.dumps(
        {"ok": all(c.ok for c in checks), "checks": [c.as_dict() for c in checks]},
        indent=2,
    )


# --- docker, the engine, Compose -------------------------------------------

INSTALL_DOCKER = (
    "install Docker: run scripts/engine (Linux, as root), or install Docker Desktop"
)


def docker_cli(
    runner: Runner, which: Callable[[str], str | None] = shutil.which
) -> Check:
    path = which("docker")
    if path is None:
        return failed("docker CLI", "`docker` is not on PATH", INSTALL_DOCKER)
    result = runner.capture([path, "--version"], timeout=20)
    if not result.ok:
        return failed(
            "docker CLI",
            f"{path} --version failed: {result.stderr.strip()[:200]}",
            INSTALL_DOCKER,
        )
    return passed("docker CLI", f"{result.stdout.strip()} ({path})")


def socket_path(environ: Mapping[str, str], context: str = "") -> str | None:
    """The unix socket the SDK will use, or None for tcp/ssh/other contexts."""
    host = environ.get("DOCKER_HOST", "")
    if not host:
        named = environ.get("DOCKER_CONTEXT") or context
        return None if named not in ("", "default") else "/var/run/docker.sock"
    if host.startswith("unix://"):
        return urlsplit(host).path or host[len("unix://") :]
    return None


def engine_check(
    environ: Mapping[str, str],
    connect: Callable[[], DockerClient],
    context: str = "",
) -> tuple[Check, DockerClient | None]:
    """Reachable, or why not: no socket, no permission, nobody answering."""
    name = "engine"
    where = engine.endpoint()
    path = socket_path(environ, context)
    if path is not None:
        if not os.path.exists(path):
            return failed(
                name,
                f"no socket at {path} ({where}): the engine is not running",
                "start it: scripts/engine (Linux, as root), `sudo systemctl start "
                "docker`, or Docker Desktop; or point DOCKER_HOST at a running engine",
            ), None
        if not os.access(path, os.R_OK | os.W_OK):
            return failed(
                name,
                f"permission denied on {path} ({where})",
                "add yourself to the docker group (`sudo usermod -aG docker $USER`, "
                "then log in again), or run as root",
            ), None
    try:
        client = connect()
        version = client.version()
    except DockhandError as exc:
        return failed(name, exc.message, exc.hint), None
    except Exception as exc:  # the SDK raises requests' errors too
        return failed(
            name, f"not reachable at {where}: {exc}", engine.unreachable(exc).hint
        ), None
    detail = (
        f"Docker Engine {version.get('Version', '?')} (API {version.get('ApiVersion', '?')})"
        f" at {where}"
    )
    return passed(name, detail), client


def compose_check(
    runner: Runner, override: str = ""
) -> tuple[Check, ComposeCli | None]:
    try:
        cli = detect_compose(runner, override)
    except DockhandError as exc:
        return failed("compose", exc.message, exc.hint), None
    note = " (v1: works, v2 or newer recommended)" if cli.is_v1 else ""
    minimum = compose.format_version(compose.MINIMUM_VERSION)
    return passed("compose", f"{cli}{note}; dockhand needs {minimum} or newer"), cli


def model_argv(
    cli: ComposeCli, project: Project, env_files: Sequence[Path]
) -> list[str]:
    """`config --format json` reading each env file in turn, later ones
    winning: with the example first, a key `.env` lacks has the value
    `inv setup` would add, so an incomplete `.env` still gives a model."""
    argv = compose.base(cli, replace(project, env_file=None))
    for path in env_files:
        argv += ["--env-file", str(path)]
    return [*argv, "config", "--format", "json"]


def compose_model(
    runner: Runner, cli: ComposeCli, project: Project, env_files: Sequence[Path] = ()
) -> tuple[Check, dict[str, Any] | None]:
    """The files as Compose reads them with the env files given."""
    name = "compose files"
    files = ", ".join(f.name for f in project.files)
    if cli.is_v1:
        return skipped(
            name, f"{cli} cannot print JSON; ports and images not checked"
        ), None
    result = runner.capture(model_argv(cli, project, env_files), timeout=60)
    if not result.ok:
        lines = (result.stderr.strip() or result.stdout.strip()).splitlines()
        return failed(
            name,
            f"Compose rejected {files}: {lines[-1] if lines else 'no output'}",
            "fix what it names; `docker compose config` shows the same error",
        ), None
    try:
        model = json.loads(result.stdout)
    except json.JSONDecodeError:
        return failed(
            name, "Compose printed no JSON", "check `docker compose config`"
        ), None
    services = sorted((model.get("services") or {}).keys())
    return passed(
        name, f"{files}: {len(services)} services ({', '.join(services)})"
    ), model


# --- images -----------------------------------------------------------------


@dataclass(frozen=True)
class NeededImage:
    image: str
    why: str
    base: bool  # the base images scripts/base-image provides


def needed_images(
    model: Mapping[str, Any] | None, base_image: str
) -> list[NeededImage]:
    """What the stack needs from a registry or the local store: each build's
    BASE_IMAGE (or the configured one), and the images of services it does
    not build."""
    services = (model or {}).get("services") or {}
    found: dict[str, NeededImage] = {}
    builds = [n for n, s in services.items() if s.get("build")]
    for name in builds:
        args = (services[name].get("build") or {}).get("args") or {}
        image = args.get(BASE_IMAGE_VAR) or base_image
        found.setdefault(image, NeededImage(image, f"base of {name}", True))
    if not services:
        found[base_image] = NeededImage(base_image, "the base image", True)
    for name, service in services.items():
        if not service.get("build") and service.get("image"):
            image = service["image"]
            found.setdefault(image, NeededImage(image, f"image of {name}", False))
    return list(found.values())


def _image_present(client: DockerClient, image: str) -> bool:
    from docker.errors import ImageNotFound

    try:
        client.images.get(image)
    except ImageNotFound:
        return False
    return True


def _registry_answers(client: DockerClient, image: str) -> tuple[bool, str]:
    """Ask the engine to look the image up in its registry (no pull)."""
    from docker.errors import APIError

    try:
        client.api.inspect_distribution(image)  # type: ignore[no-untyped-call]
    except APIError as exc:
        text = str(exc.explanation or exc)
        # A registry that answers "denied"/"unauthorized" is still reachable.
        if re.search(r"unauthorized|denied|authentication required", text, re.I):
            return True, "the registry wants a login"
        return False, text.rsplit(": ", 1)[-1][:160]
    except Exception as exc:  # timeouts come from requests
        return False, str(exc)[:160]
    return True, ""


def images_check(
    needed: Sequence[NeededImage],
    present: Callable[[str], bool],
    registry: Callable[[str], tuple[bool, str]],
) -> Check:
    name = "images"
    missing = [n for n in needed if not present(n.image)]
    if not missing:
        return passed(name, ", ".join(f"{n.image} present" for n in needed))
    answers, reason = registry(missing[0].image)
    listed = ", ".join(f"{n.image} ({n.why})" for n in missing)
    if answers:
        extra = f" ({reason})" if reason else ""
        return passed(name, f"not present yet, a registry answers{extra}: {listed}")
    bases = [n.image for n in missing if n.base]
    others = [n.image for n in missing if not n.base]
    fixes = []
    if bases:
        fixes.append(
            f"run scripts/base-image (builds {', '.join(bases)} from Debian packages, "
            "no registry needed)"
        )
    if others:
        fixes.append(
            f"`docker pull {others[0]}` where a registry answers, or `docker load` it"
        )
    return failed(
        name, f"missing and no registry answers ({reason}): {listed}", "; ".join(fixes)
    )


# --- disk -------------------------------------------------------------------


def _gb(size: float) -> str:
    return f"{size / 1e9:.1f} GB"


def disk_check(
    path: Path,
    min_free_gb: float,
    usage: Callable[[Path], Any] = shutil.disk_usage,
    where: str = "",
) -> Check:
    try:
        free = usage(path).free
    except OSError as exc:
        return skipped("disk", f"cannot measure {path}: {exc.strerror}")
    detail = f"{_gb(free)} free on {path}{where} (needs {min_free_gb:g} GB)"
    if free < min_free_gb * 1e9:
        return failed(
            "disk",
            detail,
            "free space: `docker system prune` (unused images and build cache), "
            "`inv clean` in projects you no longer need, or lower "
            "dockhand.min_free_disk_gb",
        )
    return passed("disk", detail)


def docker_data_dir(client: DockerClient | None, fallback: Path) -> tuple[Path, str]:
    """Where the engine keeps images, when it is on this machine."""
    if client is not None:
        try:
            root = Path(client.info().get("DockerRootDir", ""))
        except Exception:
            root = Path()
        if str(root) not in ("", ".") and root.exists():
            return root, " (the engine's data)"
        return fallback, " (the engine's data is not on this machine)"
    return fallback, ""


# --- host ports -------------------------------------------------------------


@dataclass(frozen=True)
class Published:
    """A host port the stack publishes."""

    service: str
    host_ip: str
    port: int
    variable: str = ""  # the env variable that sets it, when one does


def published_ports(
    model: Mapping[str, Any] | None, variables: Mapping[str, str | None] | None = None
) -> list[Published]:
    """Every published host port in Compose's normalised model, with the
    *PORT variable holding that number, when one does."""
    variables = variables or {}
    found: dict[tuple[str, int], Published] = {}
    for service, spec in sorted(((model or {}).get("services") or {}).items()):
        for port in spec.get("ports") or ():
            published = str(port.get("published") or "")
            if not published or port.get("protocol", "tcp") != "tcp":
                continue
            first, _, last = published.partition("-")
            for number in range(int(first), int(last or first) + 1):
                host_ip = port.get("host_ip") or ""
                variable = next(
                    (
                        k
                        for k, v in variables.items()
                        if k.endswith("PORT") and v == str(number)
                    ),
                    "",
                )
                found.setdefault(
                    (host_ip, number), Published(service, host_ip, number, variable)
                )
    return list(found.values())


def port_in_use(host_ip: str, port: int) -> bool:
    """Whether binding the port would fail the way Docker's would."""
    addresses = [host_ip] if host_ip else ["0.0.0.0", "::"]  # noqa: S104 - probing, not serving
    for address in addresses:
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        try:
            probe = socket.socket(family, socket.SOCK_STREAM)
        except OSError:
            continue  # no IPv6 here
        with probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6:
                probe.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            try:
                probe.bind((address, port))
            except OSError as exc:
                if exc.errno == errno.EADDRINUSE:
                    return True
    return False


def _listening_inodes(port: int, proc: Path) -> set[str]:
    inodes = set()
    for table in ("tcp", "tcp6"):
        try:
            lines = (proc / "net" / table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            # local_address is HEXIP:HEXPORT; state 0A is LISTEN.
            if (
                len(fields) > 9
                and fields[3] == "0A"
                and int(fields[1].rsplit(":", 1)[1], 16) == port
            ):
                inodes.add(fields[9])
    return inodes


def process_holding(port: int, proc: Path = Path("/proc")) -> str:
    """'name (pid N)' of the process listening on `port`, from /proc (Linux),
    else from `ss -ltnp`; '' when it cannot be found (another user's process)."""
    inodes = _listening_inodes(port, proc)
    if inodes:
        targets = {f"socket:[{inode}]" for inode in inodes}
        for pid_dir in proc.iterdir():
            if not pid_dir.name.isdigit():
                continue
            try:
                fds = list((pid_dir / "fd").iterdir())
            except OSError:
                continue
            for fd in fds:
                try:
                    if os.readlink(fd) in targets:
                        name = (pid_dir / "comm").read_text().strip()
                        return f"{name} (pid {pid_dir.name})"
                except OSError:
                    continue
        return ""
    return _ss_holder(port)


def _ss_holder(port: int) -> str:
    ss = shutil.which("ss")
    if ss is None:
        return ""
    result = Runner().capture([ss, "-Hltnp", f"sport = :{port}"], timeout=10)
    match = re.search(r'users:\(\("([^"]+)",pid=(\d+)', result.stdout)
    return f"{match.group(1)} (pid {match.group(2)})" if match else ""


@dataclass(frozen=True)
class ContainerPort:
    container: str
    project: str
    service: str


def container_ports(client: DockerClient | None) -> dict[int, ContainerPort]:
    """Host port -> the running container publishing it (one API call)."""
    if client is None:
        return {}
    found = {}
    for summary in client.api.containers():
        labels = summary.get("Labels") or {}
        holder = ContainerPort(
            (summary.get("Names") or ["?"])[0].lstrip("/"),
            labels.get(engine.PROJECT, ""),
            labels.get(engine.SERVICE, ""),
        )
        for port in summary.get("Ports") or ():
            if port.get("PublicPort"):
                found[int(port["PublicPort"])] = holder
    return found


def port_checks(
    ports: Sequence[Published],
    project: str,
    env_name: str,
    in_use: Callable[[str, int], bool] = port_in_use,
    holders: Mapping[int, ContainerPort] | None = None,
    process: Callable[[int], str] = process_holding,
) -> list[Check]:
    checks = []
    for p in ports:
        name = f"port {p.port}"
        what = f"{p.service}" + (f", {p.variable}" if p.variable else "")
        holder = (holders or {}).get(p.port)
        if holder is not None and holder.project == project:
            checks.append(passed(name, f"published by this stack ({holder.container})"))
            continue
        if not in_use(p.host_ip, p.port):
            checks.append(passed(name, f"free ({what})"))
            continue
        if holder is not None:
            by = f"container {holder.container}" + (
                f" (Compose project {holder.project!r})" if holder.project else ""
            )
            stop = (
                f"stop it (`docker compose -p {holder.project} down`)"
                if holder.project
                else f"stop it (`docker stop {holder.container}`)"
            )
        else:
            found = process(p.port)
            by = found or "another process (run as root to see which)"
            stop = "stop it"
        move = (
            f"set {p.variable} in {env_name} to a free port"
            if p.variable
            else "publish the service on another port"
        )
        checks.append(
            failed(
                name, f"in use by {by}; {what} cannot publish it", f"{stop}, or {move}"
            )
        )
    return checks


# --- the env file -----------------------------------------------------------


def env_checks(env_path: Path, example_path: Path) -> list[Check]:
    """Present, parseable, complete, no placeholder secret, private."""
    checks: list[Check] = []
    if not example_path.exists():
        if not env_path.exists():
            return [
                skipped(
                    "env file",
                    f"neither {env_path.name} nor {example_path.name} exists "
                    "(a project without env files)",
                )
            ]
        checks.append(
            warned(
                "env example",
                f"{example_path} does not exist: {env_path.name} cannot be checked "
                "for missing keys or placeholder secrets",
                "commit an example listing every variable (dockhand.env_example)",
            )
        )
    try:
        example = (
            envfile.read(example_path)
            if example_path.exists()
            else envfile.EnvFile(example_path, "", {}, ())
        )
    except DockhandError as exc:
        return [failed("env example", exc.message, "restore it from git")]
    if example.errors:
        first = example.errors[0]
        checks.append(
            failed("env example", str(first), "fix that line (git diff shows it)")
        )
    if not env_path.exists():
        checks.append(
            failed(
                "env file",
                f"{env_path} does not exist",
                f"run `inv setup` (creates it from {example_path.name} with generated secrets)",
            )
        )
        return checks
    try:
        env = envfile.read(env_path)
    except DockhandError as exc:
        return [*checks, failed("env file", exc.message, exc.hint)]
    checks.append(passed("env file", f"{env_path}"))

    if env.errors:
        first = env.errors[0]
        more = f" (and {len(env.errors) - 1} more)" if len(env.errors) > 1 else ""
        checks.append(
            failed(
                "env syntax",
                f"{env_path}, line {first.line}: {first.message}{more}",
                envfile.fix_for(first),
            )
        )
    else:
        notes = envfile.differences(env)
        if notes:
            more = f" (and {len(notes) - 1} more)" if len(notes) > 1 else ""
            checks.append(
                warned(
                    "env syntax",
                    f"{notes[0]}{more}",
                    "`inv env` lists every line Compose reads differently",
                )
            )
        else:
            checks.append(passed("env syntax", "every line is KEY=value"))

    missing = [k for k in example.keys if k not in env.values]
    unknown = [k for k in env.keys if k not in example.values]
    if not example_path.exists():
        checks.append(skipped("env complete", f"no {example_path.name} to compare"))
    elif missing:
        checks.append(
            failed(
                "env complete",
                f"missing from {env_path.name}: {', '.join(missing)}",
                "run `inv setup` (adds them, generating secrets), or copy them "
                f"from {example_path.name}",
            )
        )
    elif unknown:
        checks.append(
            warned(
                "env complete",
                f"not in {example_path.name}: {', '.join(unknown)}",
                "a typo? otherwise add them to the example for the next developer",
            )
        )
    else:
        checks.append(
            passed("env complete", f"every key of {example_path.name} is set")
        )

    left = envfile.placeholders(env, example.secret_keys)
    if left:
        checks.append(
            failed(
                "env secrets",
                f"placeholder or empty secret: {', '.join(left)}",
                f"delete those lines from {env_path.name} and run `inv setup` to "
                "generate them (a database created with the old password needs "
                "`inv down --volumes` first)",
            )
        )
    else:
        secret = sorted(example.secret_keys)
        checks.append(
            passed(
                "env secrets", f"set: {', '.join(secret)}" if secret else "none marked"
            )
        )

    mode = env_path.stat().st_mode & 0o777
    if envfile.readable_by_others(env_path):
        checks.append(
            failed(
                "env permissions",
                f"{env_path.name} is mode {mode:04o}: other users can read its secrets",
                f"chmod 600 {env_path}",
            )
        )
    else:
        checks.append(passed("env permissions", f"mode {mode:04o}"))
    return checks


# --- everything -------------------------------------------------------------


def _variables(
    env_path: Path, example_path: Path, environ: Mapping[str, str]
) -> dict[str, str | None]:
    """The values Compose will interpolate: the shell, else the env file,
    else the example (what `inv setup` would write)."""
    files: list[envfile.EnvFile] = []
    for path in (example_path, env_path):
        try:
            files.append(envfile.read(path))
        except DockhandError:
            continue
    values: dict[str, str | None] = {}
    for f in files:
        values.update(f.values)
    values.update({k: v for k, v in environ.items() if k in values})
    return values


def machine_checks(s: Session, environ: Mapping[str, str] | None = None) -> list[Check]:
    """Everything but the env file: docker, engine, Compose, the files,
    images, disk and ports. Later checks that need an earlier one are
    skipped when it failed."""
    environ = os.environ if environ is None else environ
    settings = s.settings
    runner = s.runner
    checks = [docker_cli(runner)]
    context = ""
    if checks[0].ok and not environ.get("DOCKER_HOST"):
        shown = runner.capture(["docker", "context", "show"], timeout=10)
        context = shown.stdout.strip() if shown.ok else ""

    engine_result, client = engine_check(
        environ, lambda: engine.connect(timeout=ENGINE_TIMEOUT), context
    )
    checks.append(engine_result)
    compose_result, cli = compose_check(runner, settings.compose_command)
    checks.append(compose_result)

    model = None
    if cli is not None:
        env_files = [
            f for f in (settings.env_example, settings.env_file) if f.is_file()
        ]
        model_result, model = compose_model(
            runner, cli, settings.compose_project(), env_files
        )
        checks.append(model_result)

    variables = _variables(settings.env_file, settings.env_example, environ)
    base = variables.get(BASE_IMAGE_VAR) or DEFAULT_BASE_IMAGE
    if client is None:
        checks.append(skipped("images", "the engine is not reachable"))
    else:
        checks.append(
            images_check(
                needed_images(model, base),
                lambda image: _image_present(client, image),
                lambda image: _registry_answers(client, image),
            )
        )

    folder, where = docker_data_dir(client, settings.root)
    checks.append(disk_check(folder, settings.min_free_disk_gb, where=where))

    if model is None:
        checks.append(skipped("ports", "needs the Compose model (see above)"))
    else:
        checks += port_checks(
            published_ports(model, variables),
            settings.project,
            settings.env_file.name,
            holders=container_ports(client),
        )
    return checks


def all_checks(s: Session, environ: Mapping[str, str] | None = None) -> list[Check]:
    return [
        *machine_checks(s, environ),
        *env_checks(s.settings.env_file, s.settings.env_example),
    ]


def secret_values(s: Session) -> list[str]:
    """Every secret-like value of the env file, to keep out of any output."""
    return envfile.secret_values(s.settings.env_file, s.settings.env_example)
