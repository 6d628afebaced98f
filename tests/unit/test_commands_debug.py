"""`inv debug` (dockhand.commands.debug) with a recording runner: the
image's command read, the debugpy check's one line, the port kept from
the override, the socket table asked in the container, and a dry run that
shows the override and starts nothing. The real thing: tests/integration/
test_debug.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dockhand.commands import debug as ops
from dockhand.config.settings import load
from dockhand.docker.compose import ComposeCli
from dockhand.docker.debug import Plan
from dockhand.errors import DockhandError
from dockhand.session import Session
from dockhand.steps import debugging
from helpers import FakeRunner

MODEL = {"name": "p", "services": {"api": {"build": {"context": "."}}}}
IMAGE = [{"Config": {"Entrypoint": None, "Cmd": ["python3", "-m", "app"]}}]


def reply(argv: list[str]) -> tuple[int, str, str]:
    if argv[-2:] == ["config", "--services"]:
        return 0, "api\n", ""
    if argv[-3:] == ["config", "--format", "json"]:
        return 0, json.dumps(MODEL), ""
    if argv[:3] == ["docker", "image", "inspect"]:
        return 0, json.dumps(IMAGE), ""
    if argv[:2] == ["docker", "run"]:  # the debugpy check
        return 1, "", "ModuleNotFoundError: No module named 'debugpy'"
    if argv[:2] == ["docker", "exec"]:
        return 0, "  sl local\n   0: 00000000:162E 00000000:0000 0A\n", ""
    return 0, "", ""


def a_session(
    root: Path, *, dry: bool = False, project: str = "p"
) -> tuple[Session, FakeRunner]:
    runner = FakeRunner(reply=reply, dry=dry)
    s = Session(
        load({"root": str(root), "project": project}),
        runner,
        compose_cli=ComposeCli(("docker", "compose"), (5, 6, 1)),
    )
    return s, runner


def test_the_images_command_is_read(tmp_path: Path) -> None:
    s, _ = a_session(tmp_path)
    assert ops.image_command(s, "p-api", "api") == (None, ("python3", "-m", "app"))


def test_an_image_without_debugpy_gets_one_line_saying_what_to_add(
    tmp_path: Path,
) -> None:
    s, runner = a_session(tmp_path)
    plan = Plan("api", "python", 5678, None, (), "python3")
    with pytest.raises(DockhandError) as raised:
        ops.has_debugpy(s, "p-api", plan)
    assert "python3-debugpy" in raised.value.hint
    assert raised.value.message.endswith("No module named 'debugpy')")
    assert runner.calls[-1][:5] == ["docker", "run", "--rm", "--entrypoint", "python3"]


def test_the_port_written_before_is_kept(tmp_path: Path) -> None:
    s, runner = a_session(tmp_path)
    path = debugging.override_path(s.settings, "api")
    debugging.write(
        path, '# x\n{"services": {"api": {"ports": ["127.0.0.1:5999:5678"]}}}'
    )
    plan = Plan("api", "python", 0, None, (), "python3")
    assert ops.host_port(s, "api", plan) == 5999
    assert runner.calls == []  # nothing asked of the engine
    dry, _ = a_session(tmp_path, dry=True, project="other")
    assert ops.host_port(dry, "api", plan) == 5678


def test_debugpy_is_listening_when_the_containers_sockets_say_so(
    tmp_path: Path,
) -> None:
    s, runner = a_session(tmp_path)
    assert ops.answers(s, Plan("api", "python", 1, None, (), "python3"), "c1")
    assert runner.calls[-1] == [
        "docker", "exec", "c1", "cat", "/proc/net/tcp", "/proc/net/tcp6",
    ]  # fmt: skip


def test_a_dry_run_shows_the_override_and_changes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    s, runner = a_session(tmp_path, dry=True)
    ops.debug(s, "api")
    said = capsys.readouterr().err
    assert '"127.0.0.1:5678:5678"' in said
    override = debugging.override_path(s.settings, "api")
    assert not override.exists()
    (up,) = [argv for argv in runner.calls if "up" in argv]
    assert up[-4:] == ["up", "--detach", "--no-deps", "api"]
    assert up[up.index(str(override)) - 1] == "-f"
