"""Doctor's check of the host ports: free, or who holds each (a real listener, a real process table)."""

from __future__ import annotations

import os
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from checked_project import MODEL

from dockhand.checks import ports as port_checks
from dockhand.docker import model, states
from dockhand.docker.router import RouterConfig
from helpers import free_port


def test_published_ports_with_the_variable_that_sets_them() -> None:
    ports = port_checks.published_ports(
        model.parse(MODEL), {"BACKEND_PORT": "8078", "OTHER": "5432"}
    )
    assert [(p.service, p.host_ip, p.port, p.variable) for p in ports] == [
        ("backend", "", 8078, "BACKEND_PORT"),
        ("cache", "", 7000, ""),
        ("cache", "", 7001, ""),
        ("db", "127.0.0.1", 5432, ""),
    ]


def test_port_in_use_by_a_real_listener(listener: int) -> None:
    assert port_checks.port_in_use("127.0.0.1", listener)
    assert port_checks.port_in_use("", listener)  # Docker binds 0.0.0.0 and fails too


def test_port_free() -> None:
    assert not port_checks.port_in_use("", free_port())


def test_process_holding_finds_this_process(listener: int) -> None:
    holder = port_checks.process_holding(listener)
    assert f"(pid {os.getpid()})" in holder


def test_listening_inodes_from_a_proc_table(tmp_path: Path) -> None:
    (tmp_path / "net").mkdir()
    header = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
    rows = [
        # 0x1F90 = 8080, LISTEN
        "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 111 1",
        # 8080 but ESTABLISHED
        "   1: 0100007F:1F90 0100007F:D431 01 00000000:00000000 00:00000000 00000000     0        0 222 1",
        # 8081, LISTEN
        "   2: 00000000:1F91 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 333 1",
    ]
    (tmp_path / "net" / "tcp").write_text(header + "\n".join(rows) + "\n")
    assert port_checks._listening_inodes(8080, tmp_path) == {"111"}


def test_port_checks(listener: int) -> None:
    free = free_port()
    ports = [
        port_checks.Published("backend", "", listener, "BACKEND_PORT"),
        port_checks.Published("db", "127.0.0.1", free, "POSTGRES_PORT"),
    ]
    checks = port_checks.port_checks(ports, "mine", ".env")
    assert not checks[0].ok
    assert f"pid {os.getpid()}" in checks[0].detail
    assert "set BACKEND_PORT in .env to a free port" in checks[0].fix
    assert "`inv setup --new-ports`" in checks[0].fix
    assert checks[1].ok and "free (db, POSTGRES_PORT)" in checks[1].detail


def test_ports_held_by_this_stack_are_fine_and_others_are_named(listener: int) -> None:
    ports = [port_checks.Published("backend", "", listener, "BACKEND_PORT")]
    own = {listener: port_checks.ContainerPort("mine-backend-1", "mine", "backend")}
    assert port_checks.port_checks(ports, "mine", ".env", holders=own)[0].ok
    other = {listener: port_checks.ContainerPort("theirs-web-1", "theirs", "web")}
    check = port_checks.port_checks(ports, "mine", ".env", holders=other)[0]
    assert not check.ok
    assert "container theirs-web-1 (Compose project 'theirs')" in check.detail
    assert "docker compose -p theirs down" in check.fix


def test_a_port_held_by_docker_s_proxy_names_the_container_behind_it(
    listener: int, tmp_path: Path
) -> None:
    import shutil
    import subprocess

    # A real process that looks like Docker's: named docker-proxy, with its flags.
    proxy = tmp_path / "docker-proxy"
    shutil.copy("/bin/sh", proxy)
    # `; true`: sh would exec a lone last command, and its name with it.
    child = subprocess.Popen(
        [str(proxy), "-c", "sleep 30; true", "-container-ip", "172.18.0.9"]
    )
    cmdline = Path(f"/proc/{child.pid}/cmdline")
    deadline = time.monotonic() + 10
    while b"-container-ip" not in cmdline.read_bytes():  # until it has exec'd
        assert time.monotonic() < deadline, "the stand-in never started"
        time.sleep(0.01)
    try:
        ports = [port_checks.Published("backend", "", listener, "BACKEND_PORT")]
        held = f"docker-proxy (pid {child.pid})"
        assert port_checks.proxied_container_ip(held) == "172.18.0.9"
        theirs = {
            "172.18.0.9": port_checks.ContainerPort("theirs-web-1", "theirs", "web")
        }
        check = port_checks.port_checks(
            ports, "mine", ".env", process=lambda _: held, by_address=lambda: theirs
        )[0]
        assert "container theirs-web-1 (Compose project 'theirs')" in check.detail
        unknown = port_checks.port_checks(
            ports, "mine", ".env", process=lambda _: held
        )[0]
        assert f"a Docker container ({held})" in unknown.detail
        assert f"docker ps --filter publish={listener}" in unknown.fix
    finally:
        child.kill()
        child.wait()
    assert port_checks.proxied_container_ip("python3 (pid 1)") is None


def test_the_holders_can_be_one_projects_containers_only() -> None:
    asked: list[object] = []

    def listed(filters: object = None) -> list[dict[str, object]]:
        asked.append(filters)
        labels = {states.PROJECT: "shop", states.SERVICE: "web"}
        ports = [{"PublicPort": 8080}]
        return [{"Names": ["/shop-web-1"], "Labels": labels, "Ports": ports}]

    client: Any = SimpleNamespace(api=SimpleNamespace(containers=listed))
    held = port_checks.container_ports(client, "shop")
    assert held == {8080: port_checks.ContainerPort("shop-web-1", "shop", "web")}
    port_checks.container_ports(client)
    assert asked == [{"label": f"{states.PROJECT}=shop"}, None]


def test_the_router_port_free_held_by_the_router_or_by_another(listener: int) -> None:
    wanted = RouterConfig("dockhand-router", (listener, 8080))
    free = RouterConfig("dockhand-router", (free_port(),))
    check = port_checks.router_port_check(free)
    assert (check.status, check.detail) == (
        "ok",
        f"{free.ports[0]} is free: `inv up` starts the router there",
    )
    # A real process holds it: named, from the real process table.
    held = port_checks.router_port_check(wanted)
    assert held.status == "warn"
    # This process's own name (a pytest-xdist worker renames itself).
    me = Path("/proc/self/comm").read_text().strip()
    assert held.detail.startswith(f"{listener} is held by {me} (pid {os.getpid()})")
    assert "the router listens on another port" in held.detail
    # A container publishing it: the router itself, or another one.
    mine = {listener: port_checks.ContainerPort("dockhand-router", "", "")}
    own = port_checks.router_port_check(wanted, holders=mine)
    assert (own.status, own.detail) == (
        "ok",
        f"{listener}: the router dockhand-router listens there",
    )
    other = {listener: port_checks.ContainerPort("web-1", "shop", "web")}
    theirs = port_checks.router_port_check(wanted, holders=other)
    assert theirs.status == "warn"
    assert theirs.detail.startswith(f"{listener} is held by container web-1")
    assert theirs.fix == "stop it (`docker stop web-1`) for names without a port"
    # Docker's proxy holds it: the container it forwards to is named.
    proxied = port_checks.router_port_check(
        wanted,
        in_use=lambda host, port: True,
        process=lambda port: "docker-proxy (pid 1)",
        by_address=lambda: {},
    )
    assert proxied.detail.startswith(f"{listener} is held by docker-proxy (pid 1)")
    off = port_checks.router_port_check(RouterConfig("off"))
    assert (off.status, off.detail) == (
        "skip",
        "the router is off (DOCKHAND_ROUTER=off)",
    )
