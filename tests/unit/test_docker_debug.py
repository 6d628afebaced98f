"""`inv debug`'s pure parts (dockhand.docker.debug): the command found and
wrapped, the override, the path mappings, the socket table read."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dockhand.docker import debug
from dockhand.docker.debug import PathMap, Plan
from dockhand.docker.model import Mount, Service, WatchRule
from dockhand.errors import DockhandError

UVICORN = ("python3", "-m", "uvicorn", "app.main:app", "--port", "8078")


def test_the_command_is_the_services_else_the_images() -> None:
    image = (("tini", "--"), ("node", "server.js"))
    assert debug.effective(Service("a"), *image) == image
    assert debug.effective(Service("a", command=("node", "x.js")), *image) == (
        ("tini", "--"),
        ("node", "x.js"),
    )
    assert debug.effective(Service("a", command="node 'y z.js'"), *image)[1] == (
        "node",
        "y z.js",
    )
    # An entrypoint set in a compose file drops the image's CMD (Compose's rule).
    assert debug.effective(Service("a", entrypoint=("python3", "m.py")), *image) == (
        ("python3", "m.py"),
        (),
    )
    assert debug.effective(Service("a"), None, None) == ((), ())


@pytest.mark.parametrize(
    ("command", "wait", "wrapped"),
    [
        (
            UVICORN,
            False,
            ("python3", "-m", "debugpy", "--listen", "0.0.0.0:5678", *UVICORN[1:]),
        ),
        (
            ("/usr/bin/python3.11", "-u", "-X", "dev", "app.py"),
            True,
            (
                "/usr/bin/python3.11",
                "-u",
                "-X",
                "dev",
                "-m",
                "debugpy",
                "--listen",
                "0.0.0.0:5678",
                "--wait-for-client",
                "app.py",
            ),
        ),
        (
            ("uvicorn", "app:app"),
            False,
            (
                "python3",
                "-m",
                "debugpy",
                "--listen",
                "0.0.0.0:5678",
                "-m",
                "uvicorn",
                "app:app",
            ),
        ),
        (
            ("/app/run.sh", "node", "server.js"),
            False,
            ("/app/run.sh", "node", "--inspect=0.0.0.0:9229", "server.js"),
        ),
        (("nodejs", "s.js"), True, ("nodejs", "--inspect-brk=0.0.0.0:9229", "s.js")),
    ],
)
def test_the_interpreter_is_wrapped(
    command: tuple[str, ...], wait: bool, wrapped: tuple[str, ...]
) -> None:
    found = debug.wrap(command, wait=wait)
    assert found is not None and found[1] == wrapped


def test_a_command_without_an_interpreter_is_not_wrapped() -> None:
    assert debug.wrap(("/app/server", "--port", "80"), wait=False) is None
    assert debug.wrap(("pythonic",), wait=False) is None


def test_the_plan_changes_the_part_that_runs_the_interpreter() -> None:
    node = debug.plan(
        "ts",
        ("tini", "--", "/app/entry.sh"),
        ("node", "server.js"),
        port=9329,
        wait=False,
    )
    assert node == Plan(
        "ts",
        "node",
        9329,
        None,
        ("node", "--inspect=0.0.0.0:9229", "server.js"),
        "node",
    )
    assert node.inside == 9229
    in_entrypoint = debug.plan(
        "py", ("python3", "-m", "app"), ("--port", "80"), port=5678, wait=False
    )
    assert in_entrypoint.entrypoint == (
        "python3", "-m", "debugpy", "--listen", "0.0.0.0:5678", "-m", "app",
    )  # fmt: skip
    assert in_entrypoint.command == ("--port", "80")  # kept: the entrypoint drops it
    assert in_entrypoint.interpreter == "python3"


def test_no_interpreter_names_the_setting_that_gives_one() -> None:
    with pytest.raises(DockhandError) as raised:
        debug.plan("api", ("/entry",), ("/app/api",), port=1, wait=False)
    assert "/entry /app/api" in raised.value.message
    assert "dockhand.services.api.debug" in raised.value.hint
    wrapped = debug.plan(
        "api", ("/entry",), ("/app/api",), port=1, wait=False, setting=("node", "a.js")
    )
    assert (wrapped.entrypoint, wrapped.command) == (
        None,
        ("node", "--inspect=0.0.0.0:9229", "a.js"),
    )
    with pytest.raises(DockhandError, match=r"services\.api\.debug"):
        debug.plan("api", (), (), port=1, wait=False, setting=("/bin/app",))


def test_the_override_publishes_on_loopback_only() -> None:
    p = debug.plan("api", ("python3", "m.py"), (), port=5778, wait=False)
    text = debug.override(p)
    assert text.startswith("# Written by `inv debug api`")
    body = json.loads(text.split("\n", 1)[1])  # YAML reads the JSON that follows
    assert body == {
        "services": {
            "api": {
                "command": [],
                "entrypoint": [
                    "python3",
                    "-m",
                    "debugpy",
                    "--listen",
                    "0.0.0.0:5678",
                    "m.py",
                ],
                "ports": ["127.0.0.1:5778:5678"],
            }
        }
    }
    assert debug.port_of(text, "api") == 5778
    assert debug.port_of(text, "web") is None
    kept = debug.plan("ts", (), ("node", "s.js"), port=9229, wait=False)
    assert (
        "entrypoint"
        not in json.loads(debug.override(kept).split("\n", 1)[1])["services"]["ts"]
    )


def test_mappings_come_from_bind_mounts_and_sync_rules() -> None:
    service = Service(
        "api",
        volumes=(
            Mount("bind", "/repo/api", "/app/"),
            Mount("volume", "data", "/data"),
            Mount("bind", "/repo/api", "/app"),  # said twice: once
        ),
        watch=(
            WatchRule("/repo/api/pkg", "sync+restart", "/app/pkg"),
            WatchRule("/repo/api/Dockerfile", "rebuild"),
            WatchRule("/repo/api/lib", "sync"),  # no target: nothing to map
        ),
    )
    assert debug.mappings(service) == [
        PathMap(Path("/repo/api/pkg"), "/app/pkg"),
        PathMap(Path("/repo/api"), "/app"),
    ]
    assert debug.mappings(Service("x")) == []


def test_a_host_path_below_the_project_is_the_editors_workspace() -> None:
    root = Path("/repo")
    assert debug.host_path(Path("/repo/api/pkg"), root) == "${workspaceFolder}/api/pkg"
    assert debug.host_path(Path("/repo"), root) == "${workspaceFolder}"
    assert debug.host_path(Path("/other/x"), root) == "/other/x"


TCP = """\
  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid
   0: 0100007F:9C6B 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000
   1: 0B0012AC:162E 0A0012AC:D1F2 01 00000000:00000000 00:00000000 00000000  1000
"""
TCP6 = """\
  sl  local_address                         remote_address                        st
   0: 00000000000000000000000000000000:2406 00000000000000000000000000000000:0000 0A
"""


def test_the_debugger_listens_when_the_socket_table_says_so() -> None:
    assert debug.listening(TCP, 0x9C6B)
    assert not debug.listening(TCP, 5678)  # 162E only as an established connection
    assert debug.listening(TCP + TCP6, 9222)
    assert not debug.listening("", 5678)
    assert not debug.listening("cat: /proc/net/tcp6: No such file\n", 5678)


def test_the_debugpy_check_runs_the_interpreter_of_the_image() -> None:
    assert debug.check_argv("p-api", "python3.11") == [
        "docker", "run", "--rm", "--entrypoint", "python3.11", "p-api",
        "-c", "import debugpy",
    ]  # fmt: skip
