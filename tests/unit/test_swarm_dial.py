"""docker-py through a unix socket of ours whose every connection is a
child process on stdin and stdout: here a tiny engine that answers HTTP."""

from __future__ import annotations

import sys

from dockhand.docker.process import Runner
from dockhand.swarm import dial

# Answers each request on stdin, keeping the connection open, as
# `docker system dial-stdio` relays an engine; notes each connection.
ENGINE = r"""
import json, sys
sys.stderr.write("connection\n")
while True:
    line = sys.stdin.buffer.readline()
    if not line:
        break
    path = line.split()[1].decode()
    while sys.stdin.buffer.readline() not in (b"\r\n", b""):
        pass
    body = b"OK" if path.endswith("/_ping") else json.dumps(
        {"ApiVersion": "1.41", "Name": "far-manager", "Path": path}
    ).encode()
    sys.stdout.buffer.write(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
        + b"Content-Length: %d\r\n\r\n" % len(body) + body
    )
    sys.stdout.buffer.flush()
"""


def test_the_client_talks_to_the_engine_each_connection_is_handed_to(
    capfd,  # type: ignore[no-untyped-def]
) -> None:
    client = dial.client([sys.executable, "-c", ENGINE], Runner(), timeout=10)
    try:
        assert client.ping()
        assert client.info()["Name"] == "far-manager"
        assert client.info()["Path"] == "/v1.41/info"  # the version it was told
    finally:
        client.close()
    # docker-py asks the version on a pool of its own; one serves the rest.
    assert capfd.readouterr().err.count("connection") == 2


def test_the_socket_is_in_a_folder_only_we_can_enter() -> None:
    from pathlib import Path

    folder = Path(dial.listen(["true"], Runner())).parent
    assert folder.stat().st_mode & 0o777 == 0o700
