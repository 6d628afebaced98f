"""The engine's HTTP API on its local unix socket, for the reads a daily
command makes before the user's own command: which containers run, their
inspect data, an image's labels. A docker CLI call for each costs a process
start, 30 to 60 ms here; a request on the socket about a millisecond.

Only where the docker CLI would talk to that same socket: DOCKER_HOST unset
(or unix://), no DOCKER_CONTEXT, and no current context other than `default`
in the CLI's config.json. Anything else (a context, tcp, ssh, TLS) and any
failure (no socket, permission denied, an unexpected reply) answers None,
and the caller asks the docker CLI, whose answers and errors users know: the
socket only makes the usual case faster, it never decides an error.

The requests are plain HTTP/1.0 on a socket, not http.client or the docker
SDK, whose imports would cost what the process start saved; for the same
reason the C modules `_socket` (socket.py's enums cost 2 ms to import) and a
percent-encoder of its own (urllib.parse, another 2 ms).
"""

from __future__ import annotations

import _socket
import json
import os
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

# A read-only GET of the engine's API: (status, JSON), or None when the caller
# is to ask the docker CLI instead. The Session holds one: `ask` in a real
# command; a test hands in its own.
Reader = Callable[[str], "tuple[int, Any] | None"]

DEFAULT_SOCKET = "/var/run/docker.sock"
TIMEOUT = 10.0


def local_socket(environ: Mapping[str, str] = os.environ) -> str | None:
    """The socket file the docker CLI would use, when it is a local one
    with nothing else in between; else None."""
    host = environ.get("DOCKER_HOST", "")
    if host:
        path = host.removeprefix("unix://")
        return path if host.startswith("unix://") and path else None
    if environ.get("DOCKER_CONTEXT", "") not in ("", "default"):
        return None
    config = Path(environ.get("DOCKER_CONFIG") or Path.home() / ".docker")
    try:
        settings = json.loads((config / "config.json").read_text())
    except FileNotFoundError:
        return DEFAULT_SOCKET
    except (OSError, ValueError):
        return None
    if not isinstance(settings, dict):
        return None
    current = settings.get("currentContext") or "default"
    return DEFAULT_SOCKET if current == "default" else None


# RFC 3986's unreserved characters: everything else is percent-encoded.
_UNRESERVED = frozenset(
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"
)


def quote(text: str) -> str:
    """Pure: `text` percent-encoded for a URL's path or query."""
    return "".join(
        chr(byte) if byte in _UNRESERVED else f"%{byte:02X}" for byte in text.encode()
    )


def _filters(filters: Mapping[str, Iterable[str]]) -> str:
    """Pure: the query of a list request's `--filter`s."""
    return "filters=" + quote(json.dumps({k: list(v) for k, v in filters.items()}))


def containers_path(filters: Mapping[str, Iterable[str]], *, all: bool) -> str:
    """Pure: the request of `docker ps [--all] --filter ...`."""
    return f"/containers/json?{_filters(filters)}{'&all=1' if all else ''}"


def networks_path(filters: Mapping[str, Iterable[str]]) -> str:
    """Pure: the request of `docker network ls --filter ...`."""
    return f"/networks?{_filters(filters)}"


def inspect_path(kind: str, name: str) -> str:
    """Pure: the request of `docker container inspect` / `image inspect`."""
    return f"/{kind}/{quote(name)}/json"


def parse_reply(reply: bytes) -> tuple[int, Any] | None:
    """Pure: an HTTP reply -> (status, its JSON body), or None when it is
    not one (chunked bodies decoded: HTTP/1.1 servers may send them)."""
    head, _, body = reply.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    try:
        status = int(lines[0].split()[1])
    except (IndexError, ValueError):
        return None
    headers = {
        name.strip().lower(): value.strip()
        for name, _, value in (line.partition(":") for line in lines[1:])
    }
    if headers.get("transfer-encoding", "").lower() == "chunked":
        unchunked = _unchunk(body)
        if unchunked is None:
            return None
        body = unchunked
    try:
        return status, json.loads(body) if body.strip() else None
    except ValueError:
        return None


def _unchunk(body: bytes) -> bytes | None:
    out = bytearray()
    while True:
        size_line, _, rest = body.partition(b"\r\n")
        try:
            size = int(size_line.split(b";")[0], 16)
        except ValueError:
            return None
        if size == 0:
            return bytes(out)
        out += rest[:size]
        body = rest[size + 2 :]


def get(
    path: str, socket_path: str, timeout: float = TIMEOUT
) -> tuple[int, Any] | None:
    """GET `path` on the engine's socket: (status, JSON), or None when the
    socket does not answer as an engine would."""
    conn = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
    try:
        conn.settimeout(timeout)
        conn.connect(socket_path)
        conn.sendall(f"GET {path} HTTP/1.0\r\nHost: docker\r\n\r\n".encode())
        chunks = []
        while chunk := conn.recv(65536):
            chunks.append(chunk)
    except OSError:
        return None
    finally:
        conn.close()
    return parse_reply(b"".join(chunks))


def ask(path: str) -> tuple[int, Any] | None:
    """The Reader of a real command: GET `path` on the engine's socket when
    it is the one the docker CLI would use; else None."""
    where = local_socket()
    return None if where is None else get(path, where)


def absent(path: str) -> None:
    """The Reader that never answers: the docker CLI is asked every time."""
    return None
