"""`dockhand.trust` on the real engine: a private CA made here, an HTTPS
server signed by it on the stack's network; Python, Node and curl in a
service reach it with the setting and fail without it; a build step that
fetches from it succeeds with it (BuildKit) and fails without; no layer of
any image holds the CA; the host's trust store is as it was.

The "host's" extra CA lives in a folder of the test's, named by
dockhand.trust_path: the machine's own store is only read (and checked
unchanged), never written."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import subprocess
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from harness import Stack, output, write_env

from helpers import free_port

pytestmark = pytest.mark.usefixtures("base_image")

TASKS = "from dockhand import namespace\n\nns = namespace(__file__)\n"
INVOKE = """dockhand:
  compose_files: [compose.yaml]
  env_file: .env
  stale_images: warn
"""
TOOLS = (
    "RUN apt-get update && apt-get install -y --no-install-recommends "
    "python3 curl nodejs ca-certificates && rm -rf /var/lib/apt/lists/*\n"
)
CLIENT = "ARG BASE_IMAGE\nFROM ${BASE_IMAGE}\n" + TOOLS
# The documented line: the bundle as a BuildKit secret, for this step only.
FETCHER = (
    CLIENT
    + "ARG TLS_PORT\n"
    + "RUN --mount=type=secret,id=dockhand-ca,target=/etc/ssl/certs/ca-certificates.crt"
    " curl -fsS https://localhost:${TLS_PORT}/hello.txt -o /fetched.txt\n"
)
SERVER = """import http.server, ssl
httpd = http.server.HTTPServer(("", 8443), http.server.SimpleHTTPRequestHandler)
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain("/tls/server.crt", "/tls/server.key")
httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
httpd.serve_forever()
"""
COMPOSE = """services:
  tls-server:
    build: {{context: client, args: {{BASE_IMAGE: "${{BASE_IMAGE}}"}}}}
    command: ["python3", "/tls/server.py"]
    working_dir: /srv
    volumes: ["{tls}:/tls:ro", "{srv}:/srv:ro"]
    ports: ["127.0.0.1:${{TLS_PORT}}:8443"]
  client:
    build: {{context: client, args: {{BASE_IMAGE: "${{BASE_IMAGE}}"}}}}
    command: ["sleep", "infinity"]
    init: true
  fetcher:
    build:
      context: fetcher
      network: host
      args: {{BASE_IMAGE: "${{BASE_IMAGE}}", TLS_PORT: "${{TLS_PORT}}"}}
    command: ["cat", "/fetched.txt"]
    profiles: [fetch]
"""
URL = "https://tls-server:8443/hello.txt"
REQUESTS = {
    "python": [
        "python3",
        "-c",
        f"import urllib.request; print(urllib.request.urlopen({URL!r}).read().decode())",
    ],
    "node": [
        "node",
        "-e",
        f"require('https').get({URL!r}, r => r.pipe(process.stdout))"
        ".on('error', e => {console.error(e.message); process.exit(1)})",
    ],
    "curl": ["curl", "-fsS", URL],
}
HELLO = "hello over private TLS"


def openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def make_ca(folder: Path) -> None:
    """A CA, and a server certificate it signs for tls-server and localhost."""
    folder.mkdir(parents=True)
    openssl(
        "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
        "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "2",
        "-subj", "/CN=dockhand test CA", cwd=folder,
    )  # fmt: skip
    (folder / "san.ext").write_text(
        "subjectAltName=DNS:tls-server,DNS:localhost,IP:127.0.0.1\n"
    )
    openssl(
        "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
        "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=tls-server",
        cwd=folder,
    )  # fmt: skip
    openssl(
        "x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
        "-CAcreateserial", "-out", "server.crt", "-days", "2", "-extfile", "san.ext",
        cwd=folder,
    )  # fmt: skip
    (folder / "server.key").chmod(0o644)  # read by the server's user in its container
    (folder / "server.py").write_text(SERVER)


def store_digest() -> str:
    """Every file and link of the host's trust store, as one digest."""
    digest = hashlib.sha256()
    for top in ("/etc/ssl/certs", "/usr/local/share/ca-certificates"):
        for path in sorted(Path(top).rglob("*")) if Path(top).exists() else []:
            digest.update(str(path).encode())
            if path.is_symlink():
                digest.update(os.readlink(path).encode())
            elif path.is_file():
                digest.update(path.read_bytes())
    return digest.hexdigest()


def buildkit() -> bool:
    found = subprocess.run(["docker", "buildx", "version"], capture_output=True)
    return found.returncode == 0 and os.environ.get("DOCKER_BUILDKIT") != "0"


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    tls, srv, root = tmp_path / "tls", tmp_path / "srv", tmp_path / "project"
    make_ca(tls)
    srv.mkdir()
    (srv / "hello.txt").write_text(HELLO)
    trusted = tmp_path / "host-trust"  # the developer's named CAs
    trusted.mkdir()
    (trusted / "test-ca.crt").write_bytes((tls / "ca.crt").read_bytes())
    for name, text in {
        "tasks.py": TASKS,
        "invoke.yaml": INVOKE,
        "compose.yaml": COMPOSE.format(tls=tls, srv=srv),
        "client/Dockerfile": CLIENT,
        "fetcher/Dockerfile": FETCHER,
    }.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    env_file = root / ".env"
    write_env(
        env_file, {"BASE_IMAGE": "debian:bookworm-slim", "TLS_PORT": str(free_port())}
    )
    made = Stack(
        root=root,
        env_file=env_file,
        files=("compose.yaml",),
        extra_env={"INVOKE_DOCKHAND_TRUST_PATH": str(trusted)},
    )
    try:
        yield made
    finally:
        made.compose("--profile", "*", "down", "--rmi", "all", "--timeout", "1")
        made.destroy()


def with_trust(stack: Stack, on: bool, *profiles: str) -> Stack:
    stack.extra_env["INVOKE_DOCKHAND_TRUST"] = "1" if on else "0"
    stack.extra_env["INVOKE_DOCKHAND_PROFILES"] = ",".join(profiles)
    return stack


def ask(stack: Stack) -> dict[str, subprocess.CompletedProcess[str]]:
    return {
        runtime: stack.compose("exec", "-T", "client", *argv, timeout=60)
        for runtime, argv in REQUESTS.items()
    }


def layers_hold(image: str, needles: list[bytes]) -> list[str]:
    """The members of `docker save IMAGE` (layers unpacked) holding a needle."""
    saved = subprocess.run(["docker", "save", image], capture_output=True, check=True)
    found = []
    with tarfile.open(fileobj=io.BytesIO(saved.stdout)) as outer:
        for member in outer.getmembers():
            handle = outer.extractfile(member) if member.isfile() else None
            if handle is None:
                continue
            data = handle.read()
            if data[:2] == b"\x1f\x8b":
                data = gzip.decompress(data)
            if any(needle in data for needle in needles):
                found.append(member.name)
    return found


def test_containers_and_builds_trust_the_hosts_ca_only_with_the_setting(
    stack: Stack, tmp_path: Path
) -> None:
    before = store_digest()
    # Setup finds the CA and, with no terminal to ask on, leaves trust off.
    setup = with_trust(stack, False).inv("setup", timeout=900)
    assert setup.returncode == 0, output(setup)
    said = " ".join(output(setup).split())
    assert "warn trust" in said and "dockhand test CA (" in said, said
    assert "dockhand.trust stays off (no terminal to ask on)" in said, said
    assert (stack.root / "invoke.yaml").read_text() == INVOKE
    for runtime, result in ask(stack).items():
        assert result.returncode != 0, f"{runtime} reached it without the CA"
        assert HELLO not in result.stdout

    up = with_trust(stack, True).inv("up", "tls-server", "client", timeout=900)
    assert up.returncode == 0, output(up)
    for runtime, result in ask(stack).items():
        assert result.returncode == 0, f"{runtime}: {output(result)}"
        assert HELLO in result.stdout, runtime
    client = stack.compose("ps", "-q", "client").stdout.strip()
    again = stack.inv("up", "tls-server", "client")  # the same files: nothing recreated
    assert again.returncode == 0, output(again)
    assert stack.compose("ps", "-q", "client").stdout.strip() == client
    inspected = json.loads(
        subprocess.run(
            ["docker", "inspect", client], capture_output=True, text=True, check=True
        ).stdout
    )[0]
    (mount,) = [
        m
        for m in inspected["Mounts"]
        if m["Destination"] == "/etc/dockhand/ca-certificates.crt"
    ]
    assert mount["RW"] is False
    env = inspected["Config"]["Env"]
    for variable in ("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "NODE_EXTRA_CA_CERTS",
                     "PIP_CERT", "CURL_CA_BUNDLE", "GIT_SSL_CAINFO"):  # fmt: skip
        assert f"{variable}=/etc/dockhand/ca-certificates.crt" in env
    doctor = stack.inv("doctor")
    assert "dockhand test CA (" in doctor.stdout, output(doctor)
    assert "BEGIN CERTIFICATE" not in output(doctor) + output(up)

    ca = (tmp_path / "tls" / "ca.crt").read_text()
    der = subprocess.run(
        ["openssl", "x509", "-in", str(tmp_path / "tls" / "ca.crt"), "-outform", "DER"],
        capture_output=True,
        check=True,
    ).stdout
    needles = [ca.splitlines()[1].encode(), der]  # the PEM's first line; the DER
    checked = with_trust(stack, True, "fetch").inv("check", "--json")
    rows = {row["name"]: row for row in json.loads(checked.stdout)["checks"]}
    assert rows["build-trust"]["status"] == "ok", rows["build-trust"]
    assert "each of 1 download(s)" in rows["build-trust"]["detail"]
    images = [f"{stack.project}-client", f"{stack.project}-tls-server"]
    if buildkit():
        build = with_trust(stack, False, "fetch").inv("build", "fetcher", timeout=900)
        assert build.returncode != 0, "the build fetched without the CA"
        build = with_trust(stack, True, "fetch").inv("build", "fetcher", timeout=900)
        assert build.returncode == 0, output(build)
        fetched = stack.compose("--profile", "fetch", "run", "--rm", "fetcher")
        assert fetched.stdout.strip() == HELLO, output(fetched)
        images.append(f"{stack.project}-fetcher")
    else:
        assert "classic builder" in output(up)
    for image in images:
        assert layers_hold(image, needles) == [], image
    assert store_digest() == before
