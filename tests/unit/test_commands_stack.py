"""inv down: the Compose command it runs, and above all that it deletes the
data volumes only when asked and confirmed (tests/unit/stack_project.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from stack_project import engine_runner, session, tail

from dockhand.commands import stack
from dockhand.errors import DockhandError


def test_down_keeps_the_volumes_unless_asked(tmp_path: Path) -> None:
    runner = engine_runner()
    stack.down(session(tmp_path, runner))
    assert [tail(c) for c in runner.calls] == [["down", "--remove-orphans"]]


def test_down_volumes_deletes_them_once_confirmed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    runner = engine_runner()
    stack.down(session(tmp_path, runner), volumes=True, yes=True)
    assert [tail(c) for c in runner.calls] == [
        ["down", "--remove-orphans", "--volumes"]
    ]
    assert "inv down --volumes deletes these volumes" in capsys.readouterr().err


def test_down_volumes_with_no_volume_to_delete_asks_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)  # would refuse if it asked
    runner = engine_runner()
    stack.down(session(tmp_path, runner, volumes=()), volumes=True)
    assert [tail(c) for c in runner.calls] == [
        ["down", "--remove-orphans", "--volumes"]
    ]
    assert "no data volumes to delete" in capsys.readouterr().err


def test_down_declined_runs_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("builtins.input", lambda *prompt: "proj2")
    runner = engine_runner()
    stack.down(session(tmp_path, runner), volumes=True)
    assert runner.calls == []


def test_down_failing_says_compose_could_not_stop_the_stack(tmp_path: Path) -> None:
    runner = engine_runner(down=1)
    with pytest.raises(DockhandError) as failed:
        stack.down(session(tmp_path, runner))
    assert failed.value.message == "Compose could not stop the stack"
    assert failed.value.hint == "see Compose's output above"


def event(action: str) -> dict[str, object]:
    return {"id": "c1", "Action": action, "Actor": {"ID": "c1"}}


def test_ps_watch_looks_again_once_per_burst_of_events_that_can_change_it() -> None:
    import queue

    changes: queue.SimpleQueue[object] = queue.SimpleQueue()
    for action in ("exec_create: curl", "exec_start: curl", "exec_die", "kill"):
        changes.put(event(action))
    for action in ("die", "stop", "start", "restart"):  # the rest of a restart
        changes.put(event(action))
    assert stack._next_change(changes) is True
    assert changes.empty()  # one look for the whole burst
    changes.put(event("exec_die"))
    changes.put(EOFError())  # the stream ended
    assert stack._next_change(changes) is False
    changes.put(event("health_status: healthy"))
    changes.put(ConnectionError("engine gone"))
    assert stack._next_change(changes) is False


def test_ps_watch_waits_through_health_probes() -> None:
    """A health probe's exec_* events (one set per interval) never make it
    look again: only the start put later does."""
    import queue
    import threading
    import time

    changes: queue.SimpleQueue[object] = queue.SimpleQueue()
    for action in ("exec_create: curl", "exec_start: curl", "exec_die"):
        changes.put(event(action))
    threading.Timer(0.3, lambda: changes.put(event("start"))).start()
    began = time.monotonic()
    assert stack._next_change(changes) is True
    assert time.monotonic() - began >= 0.25
