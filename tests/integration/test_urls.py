"""Names without ports: `http://SERVICE.CHECKOUT.localhost` through the
router (dockhand.steps.router) on the real engine. Two checkouts of the
reference stack up at once each answer under their own names, with their
own data; one goes down and its names stop answering while the other's
still do; `inv ps` (table and JSON) and `inv dash` show the names; a
taken port moves the router, which says so once; `inv up --no-wait`
routes too; a router of an older recipe is made again, once, by two `inv
up` at once, its data kept.

The router is one per engine on the host's port 80, shared with the
developer's stacks: each test here runs a router of its own
(DOCKHAND_ROUTER, a name of the test's) on free ports of its own
(DOCKHAND_ROUTER_PORTS), and removes it, and its network, at the end;
the router's image, when the module built it, goes after the module.
Every other test runs with the router off (tests/conftest.py).
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import subprocess
import sys
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from harness import SET_UP, Stack, Stacks, Tmux, networks_of, output, wait_for

from dockhand.config.checkout import host_name
from dockhand.docker import router as docker_router
from dockhand.docker import router_recipe, router_tls
from helpers import free_port


def request(
    port: int, host: str, path: str, body: dict[str, str] | None = None
) -> tuple[int, Any]:
    """An HTTP request to 127.0.0.1:`port` as `host` (what a browser sends
    for http://HOST:PORT/PATH): (status, parsed JSON or text)."""
    data = json.dumps(body).encode() if body is not None else None
    call = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        data=data,
        headers={"Host": host, "Content-Type": "application/json"},
        method="POST" if body is not None else "GET",
    )
    try:
        with urllib.request.urlopen(call, timeout=20) as answer:  # noqa: S310
            status, text = answer.status, answer.read().decode()
    except urllib.error.HTTPError as failed:
        status, text = failed.code, failed.read().decode()
    try:
        return status, json.loads(text)
    except ValueError:
        return status, text


def router_of(name: str) -> dict[str, Any]:
    found = subprocess.run(
        ["docker", "container", "inspect", name],
        capture_output=True,
        text=True,
        check=False,
    )
    return json.loads(found.stdout)[0] if found.returncode == 0 else {}


def router_images() -> set[str]:
    listed = subprocess.run(
        ["docker", "image", "ls", "--quiet", "--filter", "label=dockhand.router=image"],
        capture_output=True,
        text=True,
        check=True,
    )
    return set(listed.stdout.split())


@pytest.fixture(scope="module", autouse=True)
def _router_image() -> Iterator[None]:
    """The router's image, when this module built it, removed after it (a
    user's stays: `inv gc` keeps it; one another run uses is refused, kept)."""
    before = router_images()
    yield
    for image in router_images() - before:
        subprocess.run(
            ["docker", "image", "rm", image], capture_output=True, check=False
        )


@pytest.fixture
def router() -> Iterator[dict[str, str]]:
    """A router of this test's own: its variables; removed at the end."""
    name = f"dhtest-router-{uuid.uuid4().hex[:8]}"
    yield {"DOCKHAND_ROUTER": name, "DOCKHAND_ROUTER_TLS_PORTS": str(free_port())}
    subprocess.run(["docker", "rm", "--force", name], capture_output=True, check=False)
    subprocess.run(["docker", "network", "rm", name], capture_output=True, check=False)
    subprocess.run(  # Caddy's data, its CA: kept by dockhand, not by a test
        ["docker", "volume", "rm", f"{name}-data"], capture_output=True, check=False
    )
    assert router_of(name) == {}


def names(stack: Stack) -> dict[str, list[str]]:
    result = stack.inv("urls", "--json")
    assert result.returncode == 0, output(result)
    found: dict[str, list[str]] = json.loads(result.stdout)
    return found


def url_cell(screen: str) -> str:
    """The backend's URL on `inv dash`'s screen (cut where the terminal ends)."""
    for line in screen.splitlines():
        cells = line.split()
        if cells and cells[0] == "backend":
            return cells[-1]
    return ""


def port_url(cell: str, prefix: str) -> bool:
    """Whether `cell` is the port URL starting with `prefix`, even cut short."""
    return len(cell) > len("http://x") and (
        cell.startswith(prefix) or prefix.startswith(cell)
    )


def on_screen(
    term: Tmux, check: Callable[[str], bool], timeout: float, what: str
) -> None:
    try:
        wait_for(lambda: check(term.screen()), timeout, what)
    except AssertionError as failed:
        raise AssertionError(f"{failed} on\n{term.screen()}") from None


def test_two_checkouts_answer_by_name_each_its_own_until_one_goes_down(
    stacks: Stacks, router: dict[str, str], terminals: list[Tmux]
) -> None:
    port = free_port()
    env = {**router, "DOCKHAND_ROUTER_PORTS": str(port)}
    one = stacks.reference(*SET_UP, env_name="one.env", **env)
    two = stacks.reference(*SET_UP, env_name="two.env", **env)
    hosts = {
        stack.project: f"backend.{host_name(stack.project)}" for stack in (one, two)
    }
    assert len(set(hosts.values())) == 2

    for stack in (one, two):
        host = hosts[stack.project]
        urls = names(stack)
        assert urls["backend"][0] == f"http://{host}:{port}/healthz"
        assert (
            urls["backend"][2]
            == f"http://{host_name(stack.project)}:{stack.port('BACKEND_PORT')}/healthz"
        )
        assert (
            urls["backend-ts"][0]
            == f"http://backend-ts.{host_name(stack.project)}:{port}/api/healthz"
        )
        # db and redis publish a port: routed too (their first, TCP), not HTTP.
        assert set(urls) == {"backend", "backend-ts", "db", "redis"}
        assert request(port, host, "/healthz") == (
            200,
            {"status": "ok", "db": "ok", "redis": "ok"},
        )
        # Each its own data: an item made through one checkout's name is
        # listed by that checkout alone.
        status, made = request(
            port, host, "/items", {"name": f"made-in-{stack.project}"}
        )
        assert status == 201, made
    for stack in (one, two):
        status, listed = request(port, hosts[stack.project], "/items")
        assert status == 200
        assert [item["name"] for item in listed] == [f"made-in-{stack.project}"]
    # curl resolves *.localhost to the loopback address itself: the URL as printed.
    printed = names(one)["backend"][0]
    curl = subprocess.run(
        ["curl", "--silent", "--max-time", "20", printed],
        capture_output=True,
        text=True,
        check=False,
    )
    assert json.loads(curl.stdout)["status"] == "ok", curl.stderr
    # HTTPS: a certificate of the router's own CA, its root copied out.
    tls_port = router["DOCKHAND_ROUTER_TLS_PORTS"]
    assert (
        names(one)["backend"][1] == f"https://{hosts[one.project]}:{tls_port}/healthz"
    )
    root_ca = subprocess.run(
        ["docker", "exec", router["DOCKHAND_ROUTER"], "cat",
         "/var/lib/caddy/caddy/pki/authorities/local/root.crt"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert root_ca.startswith("-----BEGIN CERTIFICATE-----")
    ca_file = one.root / "router-root.crt"
    ca_file.write_text(root_ca)
    for stack in (one, two):
        curl = subprocess.run(
            ["curl", "--silent", "--show-error", "--max-time", "20", "--cacert",
             str(ca_file), f"https://{hosts[stack.project]}:{tls_port}/items"],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        assert curl.returncode == 0, curl.stderr
        assert [item["name"] for item in json.loads(curl.stdout)] == [
            f"made-in-{stack.project}"
        ]

    # `inv ps` and `inv up` print the names too; `inv ps --json` has both.
    ps = two.inv("ps")
    both = [
        f"http://{hosts[two.project]}:{port}/healthz",
        f"https://{hosts[two.project]}:{tls_port}/healthz",
    ]
    assert f"  backend      {'  '.join(both)}" in ps.stderr.splitlines(), output(ps)
    rows = json.loads(two.inv("ps", "--json").stdout)
    assert {row["service"]: row["names"] for row in rows}["backend"] == both
    assert {row["service"]: row["names"] for row in rows}["db"][0].startswith(
        f"http://db.{host_name(two.project)}:{port}/"
    )
    # `inv dash`'s URL column: the name, read at start; the router leaving
    # the checkout's network (an event) gives the port URL back, and `inv up`
    # joining it again the name.
    exports = [f"{key}={value}" for key, value in env.items()]
    term = Tmux(
        f"{two.project}-dash",
        ["env", *exports, sys.executable, "-m", "invoke", "dash"],
        two,
    )
    terminals.append(term)
    named, by_port = "http://backend.", f"http://{host_name(two.project)}:"
    on_screen(term, lambda s: url_cell(s).startswith(named), 60, "the name in dash")
    subprocess.run(
        ["docker", "network", "disconnect", "--force", f"{two.project}_default",
         router["DOCKHAND_ROUTER"]],
        capture_output=True, check=True,
    )  # fmt: skip
    on_screen(
        term,
        lambda s: port_url(url_cell(s), by_port),
        10,
        "the port URL in inv dash once the router left",
    )
    again = two.inv("up")
    assert again.returncode == 0, output(again)
    assert f"http://{hosts[two.project]}:{port}/healthz" in again.stderr, output(again)
    assert "the router listens" not in again.stderr  # its port is the one asked for
    on_screen(
        term, lambda s: url_cell(s).startswith(named), 10, "the name in dash again"
    )
    term.close()

    down = one.inv("down")
    assert down.returncode == 0, output(down)
    status, said = request(port, hosts[one.project], "/healthz")
    assert status == 404
    assert f"no checkout serves {hosts[one.project]}" in said
    assert request(port, hosts[two.project], "/healthz")[0] == 200
    # The router left one's networks, so Compose could remove them.
    assert networks_of(one.project) == []
    joined = router_of(router["DOCKHAND_ROUTER"])["NetworkSettings"]["Networks"]
    assert sorted(joined) == sorted(
        [router["DOCKHAND_ROUTER"], f"{two.project}_default"]
    )
    urls = one.inv("urls")
    assert urls.returncode == 0, output(urls)

    # gc leaves a router that still routes a checkout, removes an unused one
    # (after `inv clean`, which takes the routes away too).
    gc = two.inv("gc", "--yes")
    assert gc.returncode == 0, output(gc)
    assert router_of(router["DOCKHAND_ROUTER"]) != {}
    clean = two.inv("clean", "--yes")  # as `inv down`: the router leaves first
    assert clean.returncode == 0, output(clean)
    assert networks_of(two.project) == []
    gc = two.inv("gc", "--yes")
    assert gc.returncode == 0, output(gc)
    assert f"removed the router {router['DOCKHAND_ROUTER']}" in gc.stderr, output(gc)
    assert router_of(router["DOCKHAND_ROUTER"]) == {}


def test_a_taken_port_moves_the_router_which_says_so_once(
    stacks: Stacks, router: dict[str, str]
) -> None:
    wanted, other = free_port(), free_port()
    name = router["DOCKHAND_ROUTER"]
    with socket.socket() as holder, socket.socket() as second:
        # Another process's listener on the port asked for (this test's own).
        holder.bind(("127.0.0.1", wanted))
        holder.listen()
        stack = stacks.reference(
            env_name="held.env", DOCKHAND_ROUTER_PORTS=f"{wanted},{other}", **router
        )
        up = stack.inv("up", "--build", timeout=1800)
        assert up.returncode == 0, output(up)
        said = [line for line in up.stderr.splitlines() if "the router listens" in line]
        assert said == [
            f"warning: the router listens on 127.0.0.1:{other}, as port {wanted} "
            "is taken; `inv doctor` names what holds it"
        ], output(up)
        host = f"backend.{host_name(stack.project)}"
        assert f"http://{host}:{other}/healthz" in up.stderr
        assert request(other, host, "/healthz")[0] == 200
        again = stack.inv("up")
        assert again.returncode == 0, output(again)
        assert "the router listens" not in again.stderr  # once: when it moved
        assert f"http://{host}:{other}/healthz" in again.stderr

        # Every port listed taken: any free one, and it is said. And `inv up
        # --no-wait` routes too: what it started, before any is healthy.
        removed = subprocess.run(
            ["docker", "rm", "--force", name], capture_output=True, check=False
        )
        assert removed.returncode == 0
        down = stack.inv("down")
        assert down.returncode == 0, output(down)
        # (SO_REUSEADDR: the connections made to it above may linger.)
        second.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        second.bind(("127.0.0.1", other))
        second.listen()
        up = stack.inv("up", "--no-wait")
        assert up.returncode == 0, output(up)
        assert "services are ready" not in up.stderr, output(up)  # no wait
        made = router_of(name)
        assert made, output(up)  # made by `inv up --no-wait` too
        chosen = made["NetworkSettings"]["Ports"]["8080/tcp"][0]["HostPort"]
        assert int(chosen) not in (wanted, other)
        said = [line for line in up.stderr.splitlines() if "the router listens" in line]
        assert said == [
            f"warning: the router listens on 127.0.0.1:{chosen}, as port {wanted} "
            "is taken; `inv doctor` names what holds it"
        ], output(up)
        assert f"http://{host}:{chosen}/healthz" in up.stderr, output(up)
        # 502 while the backend starts; then it answers, by its name.
        wait_for(
            lambda: request(int(chosen), host, "/healthz")[0] == 200,
            120,
            "the backend answering through the router after up --no-wait",
        )


def older_router(name: str, port: int, tls_port: int) -> str:
    """A router as an older dockhand made it: this recipe's image under
    another tag, without the files label (built in a second FROM it); a
    file of its own in its data volume. Its container's id."""
    files = router_recipe.files()
    digest = router_recipe.recipe_digest(files, "debian:bookworm-slim")
    tag = router_recipe.image_tag(digest)
    built = subprocess.run(
        router_recipe.build_argv(
            tag, router_recipe.RECIPE, "debian:bookworm-slim", digest,
            router_recipe.recipe_digest(files, ""),
        ),
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr
    old = f"{name}-old:1"  # removed with the router's name (the fixture's image loop)
    recipe = f"FROM {tag}\nLABEL {router_recipe.FILES_LABEL}=\n"
    for argv, stdin in (
        (["docker", "build", "--quiet", "--tag", old, "-"], recipe),
        (docker_router.network_create_argv(name), None),
        (router_tls.volume_create_argv(name), None),
        (docker_router.run_argv(name, old, port, tls_port), None),
        (["docker", "exec", name, "sh", "-c", "echo kept >/var/lib/caddy/mine"], None),
    ):
        done = subprocess.run(
            argv, input=stdin, capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, (argv, done.stderr)
    return str(router_of(name)["Id"])


def test_two_checkouts_started_at_once_share_one_router(
    stacks: Stacks, router: dict[str, str]
) -> None:
    """Made again from this recipe, at once by both, when an older
    dockhand's router runs: one router, its data kept."""
    port = free_port()
    name = router["DOCKHAND_ROUTER"]
    old = older_router(name, port, int(router["DOCKHAND_ROUTER_TLS_PORTS"]))
    env = {**router, "DOCKHAND_ROUTER_PORTS": str(port)}
    made = [stacks.reference(env_name=f"{n}.env", **env) for n in ("left", "right")]
    try:
        with ThreadPoolExecutor(max_workers=2) as pool:
            ups = list(
                pool.map(lambda stack: stack.inv("up", "--build", timeout=1800), made)
            )
    finally:
        subprocess.run(["docker", "rm", "--force", old], capture_output=True)
        subprocess.run(["docker", "image", "rm", f"{name}-old:1"], capture_output=True)
    said = [
        [line for line in up.stderr.splitlines() if "older dockhand's image" in line]
        for up in ups
    ]
    assert sorted(map(len, said)) in ([0, 1], [1, 1]), said  # at most once each
    assert said[0] or said[1]
    now = router_of(name)
    assert now["Id"] != old and now["Config"]["Image"].startswith("dockhand-router:")
    kept = subprocess.run(
        ["docker", "exec", name, "cat", "/var/lib/caddy/mine"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert kept.stdout == "kept\n", kept.stderr  # the data volume, the CA's
    for stack, up in zip(made, ups, strict=True):
        assert up.returncode == 0, output(up)
        assert "the router listens" not in up.stderr  # the port asked for: no move
        host = f"backend.{host_name(stack.project)}"
        assert f"http://{host}:{port}/healthz" in up.stderr, output(up)
        assert request(port, host, "/healthz")[0] == 200
    routers = subprocess.run(
        [
            "docker",
            "ps",
            "--all",
            "--quiet",
            "--filter",
            f"name=^{router['DOCKHAND_ROUTER']}$",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert len(routers.stdout.split()) == 1


# The host's trust store, as update-ca-certificates writes it (Debian).
STORE_FOLDERS = ("/usr/local/share/ca-certificates", "/etc/ssl/certs")
# In a mount namespace of its own, each folder is a copy in $STORE (made
# by the first command, kept for the next), bound over the real one: the
# real update-ca-certificates and curl work on the real paths, and this
# machine's own store is never touched.
_OWN_STORE = """set -e
for d in FOLDERS; do
  if [ ! -d "$STORE$d" ]; then mkdir -p "$STORE$d"; cp -a "$d/." "$STORE$d/"; fi
  mount --bind "$STORE$d" "$d"
done
exec "$@"
""".replace("FOLDERS", " ".join(STORE_FOLDERS))


def in_own_store(store: Path, *argv: str) -> list[str]:
    return [
        "env", f"STORE={store}", "unshare", "--mount", "--propagation", "private",
        "--", "sh", "-c", _OWN_STORE, "sh", *argv,
    ]  # fmt: skip


def host_store() -> list[str]:
    """What this machine's own store holds: its files and its bundle's digest."""
    bundle = Path(STORE_FOLDERS[1]) / "ca-certificates.crt"
    return [
        *sorted(os.listdir(STORE_FOLDERS[0])),
        hashlib.sha256(bundle.read_bytes()).hexdigest(),
    ]


def curl(url: str, store: Path | None) -> subprocess.CompletedProcess[str]:
    """curl without --cacert: the store's bundle alone decides."""
    argv = ["curl", "--silent", "--show-error", "--max-time", "20", url]
    return subprocess.run(
        in_own_store(store, *argv) if store else argv,
        capture_output=True,
        text=True,
        check=False,
    )


def inv_in_own_store(
    stack: Stack, store: Path, *args: str
) -> subprocess.CompletedProcess[str]:
    """`inv ARGS` without a terminal, in the store's mount namespace."""
    return subprocess.run(
        in_own_store(store, sys.executable, "-m", "invoke", *args),
        cwd=stack.root, env=stack.env(), capture_output=True, text=True,
        stdin=subprocess.DEVNULL, timeout=1800, check=False,
    )  # fmt: skip


@pytest.mark.skipif(
    os.geteuid() != 0 or not Path("/usr/sbin/update-ca-certificates").exists(),
    reason="needs root (a mount namespace) and Debian's update-ca-certificates",
)
def test_setup_offers_to_trust_the_routers_root_and_curl_then_needs_no_cacert(
    stacks: Stacks,
    router: dict[str, str],
    terminals: list[Tmux],
    tmp_path: Path,
) -> None:
    store = tmp_path / "store"
    before = host_store()
    env = {**router, "DOCKHAND_ROUTER_PORTS": str(free_port())}
    stack = stacks.reference(env_name="trusting.env", **env)
    inv = [sys.executable, "-m", "invoke"]
    host = f"backend.{host_name(stack.project)}"
    url = f"https://{host}:{router['DOCKHAND_ROUTER_TLS_PORTS']}/healthz"

    # Without a terminal: one line says how; nothing changes.
    first = inv_in_own_store(stack, store, "setup")
    assert first.returncode == 0, output(first)
    said = [line for line in first.stderr.splitlines() if "router's HTTPS root" in line]
    assert said == [
        "the router's HTTPS root stays untrusted here (no terminal to ask on); to "
        'trust it by hand: docs/commands.md, "inv urls", HTTPS'
    ], output(first)
    # The summary lists the names, http and https, before the port URL.
    port = env["DOCKHAND_ROUTER_PORTS"]
    assert (
        f"  backend      http://{host}:{port}/healthz  {url}  "
        f"http://{host_name(stack.project)}:{stack.port('BACKEND_PORT')}/healthz"
    ) in first.stderr, output(first)
    name = f"{router['DOCKHAND_ROUTER']}.crt"
    assert not (store / STORE_FOLDERS[0].lstrip("/") / name).exists()
    refused = curl(url, store)
    assert refused.returncode == 60, output(refused)  # the peer's certificate

    # In a terminal: asked, and yes adds it with the real update-ca-certificates.
    term = Tmux(
        stack.project,
        ["env", *(f"{k}={v}" for k, v in env.items()),
         *in_own_store(store, *inv, "setup")],
        stack,
    )  # fmt: skip
    terminals.append(term)
    term.wait("[y/N]", timeout=600)
    if "(dockhand.trust)?" in term.screen():  # this host trusts CAs of its own
        assert "Caddy Local Authority" not in term.screen()
        term.line("n")
        term.wait("trust the router's root CA")
    assert "trust the router's root CA (Caddy Local Authority" in term.screen()
    assert f"https://SERVICE.{host_name(stack.project)}" in term.screen()
    term.line("y")
    term.wait("EXIT=", timeout=600)
    screen = term.screen()
    assert "EXIT=0" in screen, screen
    assert (
        "this machine trusts the router's root now "
        f"(/usr/local/share/ca-certificates/{name})"
    ) in screen, screen
    trusted = curl(url, store)
    assert trusted.returncode == 0, output(trusted)
    assert json.loads(trusted.stdout)["status"] == "ok"

    # Once trusted: not offered again, and not among the CAs dockhand.trust
    # would hand to the containers.
    again = inv_in_own_store(stack, store, "setup")
    assert again.returncode == 0, output(again)
    assert "router's HTTPS root" not in again.stderr, output(again)
    doctor = inv_in_own_store(stack, store, "doctor")
    (line,) = [x for x in doctor.stdout.splitlines() if x.split()[1:2] == ["trust"]]
    assert "Caddy Local Authority" not in line, output(doctor)

    # This machine's own store is as it was: curl outside still refuses.
    assert host_store() == before
    assert curl(url, None).returncode == 60
