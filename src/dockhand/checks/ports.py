"""Doctor's check of each host port the stack publishes: free, or who holds
it (a container, found through the engine, or a process, found in /proc or
by ss). The probes of the host (a bind, a process table) are passed in, so
the check is tested with the real thing and a stand-in."""

from __future__ import annotations

import errno
import itertools
import os
import re
import shutil
import socket
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from dockhand.checks import host
from dockhand.checks.facts import Facts
from dockhand.checks.result import Check, Problem, failed, passed, skipped, warned
from dockhand.docker import router, states
from dockhand.docker.jsondoc import items, mapping, strings, text
from dockhand.docker.model import ComposeModel
from dockhand.docker.process import Runner
from dockhand.docker.router import RouterConfig
from dockhand.errors import DockhandError

if TYPE_CHECKING:
    from docker import DockerClient

# --- host ports -------------------------------------------------------------


@dataclass(frozen=True)
class Published:
    """A host port the stack publishes."""

    service: str
    host_ip: str
    port: int
    variable: str = ""  # the env variable that sets it, when one does


def published_ports(
    model: ComposeModel | None, variables: Mapping[str, str | None] | None = None
) -> list[Published]:
    """Every published host port in Compose's normalised model, with the
    *PORT variable holding that number, when one does."""
    variables = variables or {}
    found: dict[tuple[str, int], Published] = {}
    for service, spec in sorted(model.services.items() if model else ()):
        for port in spec.ports:
            published = port.published
            if not published or port.protocol != "tcp":
                continue
            first, _, last = published.partition("-")
            for number in range(int(first), int(last or first) + 1):
                host_ip = port.host_ip
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
    result = Runner().capture(host.listener_argv(ss, port), timeout=10)
    match = re.search(r'users:\(\("([^"]+)",pid=(\d+)', result.stdout)
    return f"{match.group(1)} (pid {match.group(2)})" if match else ""


@dataclass(frozen=True)
class ContainerPort:
    container: str
    project: str
    service: str


def container_ports(
    client: DockerClient | None, project: str = ""
) -> dict[int, ContainerPort]:
    """Host port -> the running container publishing it (one API call); of
    one Compose project's containers only, when `project` is given."""
    if client is None:
        return {}
    found = {}
    only = {"label": f"{states.PROJECT}={project}"} if project else None
    for summary in client.api.containers(filters=only):
        labels = summary.get("Labels") or {}
        holder = ContainerPort(
            (summary.get("Names") or ["?"])[0].lstrip("/"),
            labels.get(states.PROJECT, ""),
            labels.get(states.SERVICE, ""),
        )
        for port in summary.get("Ports") or ():
            if port.get("PublicPort"):
                found[int(port["PublicPort"])] = holder
    return found


def proxied_container_ip(holder: str, proc: Path = Path("/proc")) -> str | None:
    """The container address a `docker-proxy (pid N)` forwards to, from its
    command line (-container-ip); None for any other process."""
    match = re.fullmatch(r"docker-proxy \(pid (\d+)\)", holder)
    if match is None:
        return None
    try:
        words = (proc / match.group(1) / "cmdline").read_bytes().split(b"\0")
    except OSError:
        return None
    for flag, value in itertools.pairwise(words):
        if flag == b"-container-ip":
            return value.decode()
    return None


def containers_by_ip(client: DockerClient | None) -> dict[str, ContainerPort]:
    """Each running container's network addresses -> the container."""
    found: dict[str, ContainerPort] = {}
    for summary in map(mapping, client.api.containers() if client is not None else ()):
        labels = strings(summary.get("Labels"))
        names = items(summary.get("Names")) or ["?"]
        holder = ContainerPort(
            text(names[0]).lstrip("/"),
            labels.get(states.PROJECT, ""),
            labels.get(states.SERVICE, ""),
        )
        networks = mapping(mapping(summary.get("NetworkSettings")).get("Networks"))
        for network in networks.values():
            if address := text(mapping(network).get("IPAddress")):
                found[address] = holder
    return found


def port_checks(
    ports: Sequence[Published],
    project: str,
    env_name: str,
    in_use: Callable[[str, int], bool] = port_in_use,
    holders: Mapping[int, ContainerPort] | None = None,
    process: Callable[[int], str] = process_holding,
    by_address: Callable[[], Mapping[str, ContainerPort]] = dict,
) -> list[Check]:
    checks = []
    for p in ports:
        name = f"port {p.port}"
        what = f"{p.service}" + (f", {p.variable}" if p.variable else "")
        holder = holders.get(p.port) if holders else None
        if holder is not None and holder.project == project:
            checks.append(passed(name, f"published by this stack ({holder.container})"))
            continue
        if not in_use(p.host_ip, p.port):
            checks.append(passed(name, f"free ({what})"))
            continue
        found = "" if holder is not None else process(p.port)
        if holder is None and (address := proxied_container_ip(found)):
            # Docker's own proxy holds it: name the container it serves.
            holder = by_address().get(address)
        if holder is not None:
            by = f"container {holder.container}" + (
                f" (Compose project {holder.project!r})" if holder.project else ""
            )
            stop = (
                f"stop it (`docker compose -p {holder.project} down`)"
                if holder.project
                else f"stop it (`docker stop {holder.container}`)"
            )
        elif found.startswith("docker-proxy"):
            by = f"a Docker container ({found})"
            stop = f"find it with `docker ps --filter publish={p.port}` and stop it"
        else:
            by = found or "another process (run as root to see which)"
            stop = "stop it"
        move = (
            "move this checkout with `inv setup --new-ports` (free ports into "
            f"{env_name}), or set {p.variable} in {env_name} to a free port"
            if p.variable
            else "publish the service on another port"
        )
        checks.append(
            failed(
                name, f"in use by {by}; {what} cannot publish it", f"{stop}, or {move}"
            )
        )
    return checks


# --- the check, over the facts ------------------------------------------------


def check_ports(facts: Facts) -> list[Check]:
    if isinstance(facts.dev, Problem):
        return [skipped("ports", "needs the Compose model (see compose files)")]
    return port_checks(
        published_ports(facts.dev, facts.values),
        facts.project,
        facts.env_file.name,
        holders=container_ports(facts.client),
        by_address=lambda: containers_by_ip(facts.client),
    )


# --- the router's port ----------------------------------------------------------


def router_port_check(
    wanted: RouterConfig,
    in_use: Callable[[str, int], bool] = port_in_use,
    holders: Mapping[int, ContainerPort] | None = None,
    process: Callable[[int], str] = process_holding,
    by_address: Callable[[], Mapping[str, ContainerPort]] = dict,
) -> Check:
    """The first port the router asks for (80): free, the router's, or who
    holds it (the router then listens on another, and its names carry it)."""
    name = "router port"
    if not wanted.on:
        return skipped(name, f"the router is off ({router.NAME_VAR}=off)")
    port = wanted.ports[0]
    holder = holders.get(port) if holders else None
    if holder is None and in_use("127.0.0.1", port):
        found = process(port)
        address = proxied_container_ip(found)
        holder = by_address().get(address) if address else None
        if holder is None:
            by = found or "another process (run as root to see which)"
            return warned(
                name,
                f"{port} is held by {by}: the router listens on another port, "
                "which its names carry (`inv urls` shows them)",
                f"stop {by} for names without a port",
            )
    if holder is None:
        return passed(name, f"{port} is free: `inv up` starts the router there")
    if holder.container == wanted.name:
        return passed(name, f"{port}: the router {wanted.name} listens there")
    return warned(
        name,
        f"{port} is held by container {holder.container}: the router listens on "
        "another port, which its names carry (`inv urls` shows them)",
        f"stop it (`docker stop {holder.container}`) for names without a port",
    )


def check_router_port(facts: Facts) -> Check:
    try:
        wanted = router.config(facts.environ)
    except DockhandError as exc:
        return failed("router port", exc.message, exc.hint)
    return router_port_check(
        wanted,
        holders=container_ports(facts.client),
        by_address=lambda: containers_by_ip(facts.client),
    )
