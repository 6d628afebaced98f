"""The engine's API on its socket: when it is the docker CLI's own, the
requests, and the replies read (or refused, so that the CLI is asked)."""

from __future__ import annotations

import json
import socket
import threading
from pathlib import Path
from urllib.parse import quote, unquote

import pytest

from dockhand.docker import engine_socket


def test_only_the_socket_the_docker_cli_would_use(tmp_path: Path) -> None:
    home = {"DOCKER_CONFIG": str(tmp_path)}
    assert engine_socket.local_socket(home) == "/var/run/docker.sock"
    assert engine_socket.local_socket({"DOCKER_HOST": "unix:///run/d.sock"}) == (
        "/run/d.sock"
    )
    assert engine_socket.local_socket({"DOCKER_HOST": "tcp://10.0.0.1:2376"}) is None
    assert engine_socket.local_socket({"DOCKER_HOST": "ssh://me@host"}) is None
    assert engine_socket.local_socket({**home, "DOCKER_CONTEXT": "lab"}) is None
    assert engine_socket.local_socket({**home, "DOCKER_CONTEXT": "default"}) == (
        "/var/run/docker.sock"
    )
    (tmp_path / "config.json").write_text(json.dumps({"currentContext": "lab"}))
    assert engine_socket.local_socket(home) is None
    (tmp_path / "config.json").write_text(json.dumps({"auths": {}}))
    assert engine_socket.local_socket(home) == "/var/run/docker.sock"
    (tmp_path / "config.json").write_text("{not json")
    assert engine_socket.local_socket(home) is None  # the CLI says what is wrong


def test_the_requests_are_docker_ps_and_inspect() -> None:
    path = engine_socket.containers_path({"label": ["a=b"]}, all=True)
    assert path == (
        "/containers/json?filters=%7B%22label%22%3A%20%5B%22a%3Db%22%5D%7D&all=1"
    )
    assert unquote(path.split("=", 1)[1].removesuffix("&all=1")) == (
        '{"label": ["a=b"]}'
    )
    assert engine_socket.quote("é /?&=") == quote("é /?&=", safe="")
    assert engine_socket.inspect_path("images", "shop/web:1") == (
        "/images/shop%2Fweb%3A1/json"
    )


def test_a_reply_is_read_plain_or_chunked_and_anything_else_refused() -> None:
    plain = b'HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n[{"Id": "a"}]\n'
    assert engine_socket.parse_reply(plain) == (200, [{"Id": "a"}])
    chunked = (
        b"HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n"
        b'5\r\n{"m":\r\n4\r\n "x"\r\n1\r\n}\r\n0\r\n\r\n'
    )
    assert engine_socket.parse_reply(chunked) == (404, {"m": "x"})
    assert engine_socket.parse_reply(b"garbage") is None
    assert engine_socket.parse_reply(b"HTTP/1.0 200 OK\r\n\r\n<html>") is None


def test_a_socket_that_is_not_there_answers_none(tmp_path: Path) -> None:
    assert engine_socket.get("/_ping", str(tmp_path / "nothing.sock")) is None


def test_a_request_on_a_socket_gets_its_reply(tmp_path: Path) -> None:
    where = str(tmp_path / "engine.sock")
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(where)
    server.listen(1)
    asked: list[bytes] = []

    def answer() -> None:
        conn, _ = server.accept()
        with conn:
            asked.append(conn.recv(4096))
            conn.sendall(b'HTTP/1.0 200 OK\r\n\r\n{"ok": true}')

    thread = threading.Thread(target=answer)
    thread.start()
    try:
        assert engine_socket.get("/containers/x/json", where) == (200, {"ok": True})
    finally:
        thread.join(timeout=10)
        server.close()
    assert asked[0].startswith(b"GET /containers/x/json HTTP/1.0\r\n")


def test_a_command_asks_the_cli_s_socket_a_test_s_session_asks_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path / 'nobody'}")
    assert engine_socket.ask("/containers/json") is None  # no socket: the CLI
    monkeypatch.setenv("DOCKER_HOST", "tcp://127.0.0.1:2375")
    assert engine_socket.ask("/containers/json") is None  # not a local socket
    assert engine_socket.absent("/containers/json") is None
