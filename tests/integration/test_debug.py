"""`inv debug` on the real engine: a breakpoint set on a line of the host's
file, through a real debugger session (DAP over TCP to debugpy; the Chrome
DevTools protocol over a WebSocket to Node's inspector), is hit by an HTTP
request and reported with the host's path; `--off` and `inv up` put the
service back as it was (the same image, healthy, no override left), and
the editor's launch.json keeps the entries dockhand did not write.

The two clients are small and written here, so the test needs no library
the project does not lock.
"""

from __future__ import annotations

import base64
import json
import os
import re
import socket
import struct
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from harness import Stack, Stacks, inspect_service, output, wait_for

from dockhand.docker import compose_cache


@pytest.fixture(scope="module")
def stack(base_image: None, module_stacks: Stacks) -> Stack:
    return module_stacks.reference(("up",))


def get(port: int, path: str, timeout: float = 60) -> int:
    try:
        with urllib.request.urlopen(
            f"http://127.0.0.1:{port}{path}", timeout=timeout
        ) as reply:
            return int(reply.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def answer(port: int, path: str) -> int | None:
    """The status of GET `path`; None when nothing answers."""
    try:
        return get(port, path, timeout=5)
    except OSError:
        return None


def override(stack: Stack, service: str) -> Path:
    """Where `inv debug` keeps a service's override: dockhand's cache."""
    return (
        compose_cache.location(stack.env()) / "debug" / stack.project / f"{service}.yml"
    )


def line_of(path: Path, text: str) -> int:
    (number,) = [
        n for n, line in enumerate(path.read_text().splitlines(), 1) if text in line
    ]
    return number


def launch_entry(stack: Stack, service: str) -> dict[str, Any]:
    content = json.loads((stack.root / ".vscode" / "launch.json").read_text())
    (entry,) = [
        c for c in content["configurations"] if c["name"] == f"dockhand: {service}"
    ]
    return dict(entry)


def host(value: str, stack: Stack) -> str:
    return value.replace("${workspaceFolder}", str(stack.root))


def the_same_as_before(stack: Stack, service: str, before: dict[str, Any]) -> None:
    after = inspect_service(stack, service)
    assert after["Image"] == before["Image"]
    assert after["Config"]["Cmd"] == before["Config"]["Cmd"]
    assert after["HostConfig"]["PortBindings"] == before["HostConfig"]["PortBindings"]
    assert after["State"]["Health"]["Status"] == "healthy"
    assert not override(stack, service).exists()


# --- DAP over TCP (debugpy) ---------------------------------------------------


class Dap:
    """A debug adapter client: requests in, responses and events out."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=60)
        self.buffer = b""
        self.seq = 0
        self.seen: list[dict[str, Any]] = []

    def send(self, command: str, **arguments: Any) -> int:
        self.seq += 1
        body = json.dumps(
            {
                "seq": self.seq,
                "type": "request",
                "command": command,
                "arguments": arguments,
            }
        ).encode()
        self.sock.sendall(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        return self.seq

    def _read(self) -> dict[str, Any]:
        while b"\r\n\r\n" not in self.buffer:
            self._more()
        head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        (size,) = re.findall(rb"Content-Length: *(\d+)", head, re.IGNORECASE)
        while len(self.buffer) < int(size):
            self._more()
        body, self.buffer = self.buffer[: int(size)], self.buffer[int(size) :]
        return dict(json.loads(body))

    def _more(self) -> None:
        data = self.sock.recv(65536)
        if not data:
            raise EOFError("the debug adapter closed the connection")
        self.buffer += data

    def wait(self, kind: str, name: str, seq: int = 0) -> dict[str, Any]:
        """The next event `name`, or the response to request `seq`."""
        for message in self.seen:
            if _is(message, kind, name, seq):
                self.seen.remove(message)
                return message
        while True:
            message = self._read()
            if _is(message, kind, name, seq):
                return message
            self.seen.append(message)

    def request(self, command: str, **arguments: Any) -> dict[str, Any]:
        reply = self.wait("response", command, self.send(command, **arguments))
        assert reply["success"], reply
        return reply


def _is(message: dict[str, Any], kind: str, name: str, seq: int) -> bool:
    if message.get("type") != kind:
        return False
    if kind == "event":
        return bool(message.get("event") == name)
    return bool(message.get("command") == name and message.get("request_seq") == seq)


def attach(stack: Stack, entry: dict[str, Any], breakpoints: dict[Path, int]) -> Dap:
    """A DAP session as VS Code starts it from dockhand's launch entry:
    initialize, attach with its path mappings, the breakpoints (host paths),
    configurationDone."""
    dap = Dap(entry["connect"]["port"])
    dap.request("initialize", adapterID="dockhand-test", pathFormat="path")
    attaching = dap.send(
        "attach",
        pathMappings=[
            {"localRoot": host(m["localRoot"], stack), "remoteRoot": m["remoteRoot"]}
            for m in entry["pathMappings"]
        ],
        justMyCode=True,
    )
    dap.wait("event", "initialized")
    for path, line in breakpoints.items():
        placed = dap.request(
            "setBreakpoints", source={"path": str(path)}, breakpoints=[{"line": line}]
        )
        assert placed["body"]["breakpoints"][0]["line"] == line
    dap.request("configurationDone")
    dap.wait("response", "attach", attaching)
    return dap


def test_a_breakpoint_in_the_host_file_stops_the_python_backend(stack: Stack) -> None:
    before = inspect_service(stack, "backend")
    debugged = stack.inv("debug", "backend")
    assert debugged.returncode == 0, output(debugged)
    entry = launch_entry(stack, "backend")
    port = entry["connect"]["port"]
    assert f"127.0.0.1:{port}" in debugged.stderr
    bound = inspect_service(stack, "backend")["HostConfig"]["PortBindings"]
    assert bound["5678/tcp"] == [{"HostIp": "127.0.0.1", "HostPort": str(port)}]
    main = stack.root / "services" / "backend" / "app" / "main.py"
    line = line_of(main, "rows = conn.execute(select(items)")

    dap = attach(stack, entry, breakpoints={main: line})
    answered: list[int] = []
    asking = threading.Thread(
        target=lambda: answered.append(get(stack.port("BACKEND_PORT"), "/items"))
    )
    asking.start()
    stopped = dap.wait("event", "stopped")
    assert stopped["body"]["reason"] == "breakpoint", stopped
    frames = dap.request("stackTrace", threadId=stopped["body"]["threadId"])
    top = frames["body"]["stackFrames"][0]
    assert (top["source"]["path"], top["line"]) == (str(main), line)
    assert answered == []  # held at the breakpoint
    dap.request("continue", threadId=stopped["body"]["threadId"])
    asking.join(60)
    assert answered and answered[0] in (200, 500), answered  # 500: not migrated
    dap.request("disconnect", terminateDebuggee=False)
    dap.sock.close()

    off = stack.inv("debug", "backend", "--off")
    assert off.returncode == 0, output(off)
    the_same_as_before(stack, "backend", before)


# --- the Chrome DevTools protocol over a WebSocket (Node) ---------------------


class WebSocket:
    """Text frames over RFC 6455, enough for the inspector's JSON."""

    def __init__(self, url: str) -> None:
        found = re.match(r"ws://([^/:]+):(\d+)(/.*)", url)
        assert found, url
        address, port, path = found.group(1), int(found.group(2)), found.group(3)
        self.sock = socket.create_connection((address, port), timeout=60)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall(
            f"GET {path} HTTP/1.1\r\nHost: {address}:{port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n".encode()
        )
        self.buffer = b""
        while b"\r\n\r\n" not in self.buffer:
            self.buffer += self.sock.recv(4096)
        head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        assert b" 101 " in head.split(b"\r\n")[0], head

    def send(self, text: str) -> None:
        data = text.encode()
        mask = os.urandom(4)
        size = len(data)
        if size < 126:
            header = struct.pack("!BB", 0x81, 0x80 | size)
        elif size < 65536:
            header = struct.pack("!BBH", 0x81, 0x80 | 126, size)
        else:
            header = struct.pack("!BBQ", 0x81, 0x80 | 127, size)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(data))
        self.sock.sendall(header + mask + masked)

    def _take(self, size: int) -> bytes:
        while len(self.buffer) < size:
            data = self.sock.recv(65536)
            if not data:
                raise EOFError("the inspector closed the connection")
            self.buffer += data
        taken, self.buffer = self.buffer[:size], self.buffer[size:]
        return taken

    def receive(self) -> str:
        first, second = self._take(2)
        size = second & 0x7F
        if size == 126:
            (size,) = struct.unpack("!H", self._take(2))
        elif size == 127:
            (size,) = struct.unpack("!Q", self._take(8))
        payload = self._take(size)
        return payload.decode() if first & 0x0F == 1 else self.receive()


class Inspector:
    def __init__(self, url: str) -> None:
        self.ws = WebSocket(url)
        self.id = 0
        self.seen: list[dict[str, Any]] = []

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        self.id += 1
        self.ws.send(json.dumps({"id": self.id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.receive())
            if message.get("id") == self.id:
                assert "error" not in message, message
                return dict(message.get("result", {}))
            self.seen.append(message)

    def event(self, method: str) -> dict[str, Any]:
        for message in self.seen:
            if message.get("method") == method:
                self.seen.remove(message)
                return dict(message["params"])
        while True:
            message = json.loads(self.ws.receive())
            if message.get("method") == method:
                return dict(message["params"])


def test_a_breakpoint_in_the_host_file_stops_the_node_service(stack: Stack) -> None:
    before = inspect_service(stack, "backend-ts")
    debugged = stack.inv("debug", "backend-ts")
    assert debugged.returncode == 0, output(debugged)
    entry = launch_entry(stack, "backend-ts")
    port = entry["port"]
    bound = inspect_service(stack, "backend-ts")["HostConfig"]["PortBindings"]
    assert bound["9229/tcp"] == [{"HostIp": "127.0.0.1", "HostPort": str(port)}]
    local = Path(host(entry["localRoot"], stack))
    server = stack.root / "services" / "backend-ts" / "server.js"
    assert local == server.parent
    line = line_of(server, "send(res, 404")
    # The container's path of the host's file, as the editor maps it.
    remote = entry["remoteRoot"] + "/" + server.relative_to(local).as_posix()

    with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as r:
        (target,) = json.loads(r.read())
    inspector = Inspector(target["webSocketDebuggerUrl"])
    inspector.call("Debugger.enable")
    placed = inspector.call(
        "Debugger.setBreakpointByUrl", url=f"file://{remote}", lineNumber=line - 1
    )
    assert placed["locations"], placed  # resolved in the running script

    answered: list[int] = []
    asking = threading.Thread(
        target=lambda: answered.append(get(stack.port("BACKEND_TS_PORT"), "/nothing"))
    )
    asking.start()
    paused = inspector.event("Debugger.paused")
    top = paused["callFrames"][0]
    scripts = {
        m["params"]["scriptId"]: m["params"]["url"]
        for m in inspector.seen
        if m.get("method") == "Debugger.scriptParsed"
    }
    assert scripts[top["location"]["scriptId"]] == f"file://{remote}"
    assert top["location"]["lineNumber"] == line - 1
    assert paused["hitBreakpoints"] == [placed["breakpointId"]]
    assert answered == []
    inspector.call("Debugger.resume")
    asking.join(60)
    assert answered == [404]
    inspector.ws.sock.close()

    off = stack.inv("debug", "backend-ts", "--off")
    assert off.returncode == 0, output(off)
    the_same_as_before(stack, "backend-ts", before)


def test_launch_json_keeps_what_dockhand_did_not_write(stack: Stack) -> None:
    path = stack.root / ".vscode" / "launch.json"
    path.parent.mkdir(exist_ok=True)
    path.write_text(
        '{\n  // the developer\'s own\n  "version": "0.2.0",\n'
        '  "configurations": [\n    {"name": "mine", "type": "node", '
        '"request": "launch", "program": "x.js",},\n  ],\n}\n'
    )
    before = inspect_service(stack, "backend")
    debugged = stack.inv("debug", "backend", "--wait-for-client")
    assert debugged.returncode == 0, output(debugged)
    names = [c["name"] for c in json.loads(path.read_text())["configurations"]]
    assert names == ["mine", "dockhand: backend"]
    assert "the developer's own" in (path.parent / "launch.json.bak").read_text()
    assert override(stack, "backend").is_file()
    # Waiting for a client: the app has not started, the debugger listens.
    backend = stack.port("BACKEND_PORT")
    assert answer(backend, "/healthz") is None
    dap = attach(stack, launch_entry(stack, "backend"), {})
    wait_for(lambda: answer(backend, "/healthz") == 200, 120, "the backend, attached")
    dap.request("disconnect", terminateDebuggee=False)
    dap.sock.close()

    up = stack.inv("up")  # a plain `inv up` puts it back too
    assert up.returncode == 0, output(up)
    the_same_as_before(stack, "backend", before)


@pytest.fixture(autouse=True)
def _no_leftover(stack: Stack) -> Iterator[None]:
    yield
    for service in ("backend", "backend-ts"):
        if override(stack, service).exists():
            stack.inv("debug", service, "--off")


def test_a_service_without_a_debugger_gets_one_line_and_no_change(
    stack: Stack, stacks: Stacks
) -> None:
    # db runs postgres: no interpreter to wrap, and the setting that names one.
    refused = stack.inv("debug", "db")
    assert refused.returncode == 1, output(refused)
    assert refused.stderr.startswith(
        "error: db: no python, uvicorn or node in its command"
    )
    assert "dockhand.services.db.debug" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert not override(stack, "db").exists()

    # A Python image without debugpy: said before anything changes.
    bare = stacks.copy(
        ("docker-compose.yml", ".env.example", "invoke.yaml", "tasks.py")
    )
    dockerfile = bare.root / "services" / "backend" / "Dockerfile"
    dockerfile.write_text(
        dockerfile.read_text()
        + "USER root\nRUN rm -r /usr/lib/python3/dist-packages/debugpy\nUSER app\n"
    )
    started = bare.inv("up", "backend")
    assert started.returncode == 0, output(started)
    before = inspect_service(bare, "backend")
    refused = bare.inv("debug", "backend")
    assert refused.returncode == 1, output(refused)
    lines = refused.stderr.splitlines()
    assert lines[0].startswith("error: backend's image has no debugpy"), output(refused)
    assert "No module named 'debugpy'" in lines[0]
    assert "python3-debugpy" in lines[1] and len(lines) == 2
    after = inspect_service(bare, "backend")
    assert (after["Id"], after["Config"]["Cmd"]) == (
        before["Id"],
        before["Config"]["Cmd"],
    )
    assert not override(bare, "backend").exists()
