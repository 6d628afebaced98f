"""Pure: `inv debug`'s command and override. The command a service runs
with a debugger listening, found in the command it runs now; the Compose
override that runs it (the command and one port published on 127.0.0.1
only); the host folders the container's code comes from.

The command to wrap is the service's own: `entrypoint` and `command` from
the model, where the compose files set them, else the image's (Compose's
rule: an `entrypoint` set in a compose file drops the image's CMD). The
first word that is an interpreter is wrapped: `python`, `python3`,
`python3.11` (debugpy, `python3 -m debugpy --listen ...`), `uvicorn` (run
as `python3 -m debugpy ... -m uvicorn`), `node` or `nodejs` (the inspector,
`node --inspect=...`); a per-service setting (`services.NAME.debug`) names
the command to wrap where none of those is in it. A command in the
command part is replaced there (the entrypoint stays, e.g. tini and a
wait-for-the-database script); one in the entrypoint replaces the
entrypoint and the command both.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from dockhand.docker.model import Service
from dockhand.errors import DockhandError

PYTHON, NODE = "python", "node"
# What each debugger listens on in the container, and the host port tried first.
PORTS = {PYTHON: 5678, NODE: 9229}
LISTEN = "0.0.0.0"  # noqa: S104 - inside the container; the host side is 127.0.0.1
_PYTHON = re.compile(r"python(\d+(\.\d+)*)?")
# Python's own options that take a value (python3 -X dev -m app).
_VALUED = frozenset({"-X", "-W", "-Q"})
# Console scripts that are modules of the same name.
_MODULES = frozenset({"uvicorn"})

Words = tuple[str, ...]


def words(value: Sequence[str] | str | None) -> Words | None:
    """A command as the model or the image holds it (None: not set)."""
    if value is None:
        return None
    if isinstance(value, str):
        return tuple(shlex.split(value))
    return tuple(value)


def effective(
    service: Service, image_entrypoint: Words | None, image_command: Words | None
) -> tuple[Words, Words]:
    """The entrypoint and command a container of `service` runs."""
    if service.entrypoint is not None:
        return words(service.entrypoint) or (), words(service.command) or ()
    command = words(service.command)
    return image_entrypoint or (), (image_command or ()) if command is None else command


def runtime(command: Words) -> tuple[str, int] | None:
    """The debugger for `command` and the index of its interpreter word."""
    for index, word in enumerate(command):
        name = Path(word).name
        if _PYTHON.fullmatch(name) or name in _MODULES:
            return PYTHON, index
        if name in ("node", "nodejs"):
            return NODE, index
    return None


def wrap(command: Words, *, wait: bool) -> tuple[str, Words] | None:
    """`command` with the debugger listening (on PORTS[kind]) in the container;
    None when it runs no interpreter dockhand knows."""
    found = runtime(command)
    if found is None:
        return None
    kind, at = found
    port = PORTS[kind]
    head, word, rest = command[:at], command[at], command[at + 1 :]
    if kind == NODE:
        flag = "--inspect-brk" if wait else "--inspect"
        return kind, (*head, word, f"{flag}={LISTEN}:{port}", *rest)
    listen = ("--listen", f"{LISTEN}:{port}", *(("--wait-for-client",) if wait else ()))
    if Path(word).name in _MODULES:  # uvicorn app:app -> python3 -m ... -m uvicorn
        return kind, (*head, "python3", "-m", "debugpy", *listen, "-m", word, *rest)
    options: list[str] = []
    rest_list = list(rest)
    while (
        rest_list and rest_list[0].startswith("-") and rest_list[0] not in ("-m", "-c")
    ):
        option = rest_list.pop(0)
        options.append(option)
        if option in _VALUED and rest_list:
            options.append(rest_list.pop(0))
    return kind, (*head, word, *options, "-m", "debugpy", *listen, *rest_list)


@dataclass(frozen=True)
class Plan:
    """What `inv debug SERVICE` changes: the override's service section."""

    service: str
    kind: str  # PYTHON or NODE
    port: int  # on the host, 127.0.0.1 only
    entrypoint: Words | None  # None: the service's own stays
    command: Words
    interpreter: str  # the word that runs the interpreter (python3, node)

    @property
    def inside(self) -> int:
        """The port the debugger listens on in the container."""
        return PORTS[self.kind]


def plan(
    service: str,
    entrypoint: Words,
    command: Words,
    *,
    port: int,
    wait: bool,
    setting: Words | None = None,
) -> Plan:
    """The override for `service` (`setting`: the per-service command to
    wrap, in place of the command it runs)."""
    if setting is not None:
        command = setting  # run after the service's entrypoint, which stays
    in_command = setting is not None or runtime(command) is not None
    part = command if in_command else entrypoint
    wrapped = wrap(part, wait=wait)
    if wrapped is None:
        shown = command if setting is not None else (*entrypoint, *command)
        raise _unknown(service, shown, setting=setting is not None)
    kind, new = wrapped
    interpreter = _interpreter(part)
    if in_command:
        return Plan(service, kind, port, None, new, interpreter)
    return Plan(service, kind, port, new, command, interpreter)


def _interpreter(command: Words) -> str:
    found = runtime(command)
    if found is None:
        return ""
    word = command[found[1]]
    return "python3" if Path(word).name in _MODULES else word


def _unknown(service: str, command: Words, *, setting: bool) -> DockhandError:
    shown = shlex.join(command) or "nothing"
    where = f"services.{service}.debug" if setting else "its command"
    return DockhandError(
        f"{service}: no python, uvicorn or node in {where} ({shown}), so dockhand "
        "cannot tell which debugger to start",
        hint=f"name the command to wrap in invoke.yaml: dockhand.services.{service}."
        "debug, e.g. `python3 -m app` or `node server.js`",
    )


def override(p: Plan) -> str:
    """The override file's text: YAML (as JSON, which YAML reads), with the
    note of who wrote it."""
    spec: dict[str, object] = {"command": list(p.command)}
    if p.entrypoint is not None:
        spec["entrypoint"] = list(p.entrypoint)
    spec["ports"] = [f"127.0.0.1:{p.port}:{p.inside}"]
    body = json.dumps({"services": {p.service: spec}}, indent=2)
    return (
        f"# Written by `inv debug {p.service}`: {p.service} with its debugger "
        f"listening. Removed by `inv debug {p.service} --off` and `inv up`.\n"
        f"{body}\n"
    )


def port_of(text: str, service: str) -> int | None:
    """The host port an override written by `override` publishes."""
    found = re.search(r'"127\.0\.0\.1:(\d+):\d+"', text)
    return int(found.group(1)) if found and f'"{service}"' in text else None


def check_argv(image: str, interpreter: str) -> list[str]:
    """A throwaway container of `image` that fails when it has no debugpy."""
    return [
        "docker", "run", "--rm", "--entrypoint", interpreter, image,
        "-c", "import debugpy",
    ]  # fmt: skip


@dataclass(frozen=True)
class PathMap:
    """A host folder and where its files are in the container."""

    local: Path
    remote: str


def mappings(service: Service) -> list[PathMap]:
    """Pure: the service's bind mounts and develop.watch sync rules, the
    most specific container folder first (a debugger takes the first that
    matches)."""
    found = [
        PathMap(Path(m.source), m.target.rstrip("/") or "/")
        for m in service.volumes
        if m.type == "bind" and m.source and m.target
    ]
    found += [
        PathMap(Path(r.path), r.target.rstrip("/") or "/")
        for r in service.watch
        if r.action.startswith("sync") and r.path and r.target
    ]
    unique = list(dict.fromkeys(found))
    return sorted(unique, key=lambda m: -len(m.remote))


def host_path(local: Path, root: Path) -> str:
    """`local` for the editor: below `root` as ${workspaceFolder}/..."""
    try:
        rel = local.relative_to(root)
    except ValueError:
        return str(local)
    return "${workspaceFolder}" + ("" if str(rel) == "." else f"/{rel.as_posix()}")


def attach_lines(p: Plan) -> list[str]:
    """How to attach, for a person."""
    if p.kind == NODE:
        return [
            f"Node inspector on 127.0.0.1:{p.port}: VS Code's launch configuration "
            f"'dockhand: {p.service}', or chrome://inspect (Configure: "
            f"127.0.0.1:{p.port})",
        ]
    return [
        f"debugpy on 127.0.0.1:{p.port}: VS Code's launch configuration "
        f"'dockhand: {p.service}', or any DAP client: attach, "
        f'connect {{"host": "127.0.0.1", "port": {p.port}}}',
    ]


# What `listening` reads: the container's sockets, from its own /proc (any image has cat).
SOCKETS = ["cat", "/proc/net/tcp", "/proc/net/tcp6"]


def listening(sockets: str, port: int) -> bool:
    """Pure: whether /proc/net/tcp{,6} show a socket listening on `port`.
    Read in the container, not asked over the port: debugpy's adapter
    takes a connection, even one that says nothing, as its client
    session, and the next client then gets no answer (debugpy 1.6.3)."""
    for line in sockets.splitlines()[1:]:
        fields = line.split()
        if len(fields) > 3 and fields[3] == "0A":  # TCP_LISTEN
            local = fields[1].rsplit(":", 1)
            if len(local) == 2 and int(local[1], 16) == port:
                return True
    return False
