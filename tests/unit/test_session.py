"""The Compose model a session asks for once, and the scope of a wait built
from it, with a runner that answers instead of running Compose."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from dockhand import settings
from dockhand.compose import ComposeCli
from dockhand.errors import DockhandError
from dockhand.ops import stack
from dockhand.process import Captured
from dockhand.session import Session

MODEL = {
    "services": {
        "db": {},
        "job": {"restart": "no"},
        "web": {
            "depends_on": {
                "db": {"condition": "service_healthy"},
                "job": {"condition": "service_completed_successfully"},
            }
        },
        "docs": {},
    }
}


@dataclass
class Answers:
    """Answers `config --format json` with MODEL; records every command."""

    dry: bool = False
    output: str = json.dumps(MODEL)
    code: int = 0
    calls: list[list[str]] = field(default_factory=list)

    def capture(self, argv: Sequence[str], *, timeout: float | None = None) -> Captured:
        self.calls.append(list(argv))
        return Captured(tuple(argv), self.code, self.output, "bad: line 3")


def session(tmp_path: Path, runner: Answers, version: tuple[int, ...]) -> Session:
    s = Session(
        settings=settings.load({"root": str(tmp_path), "project": "proj"}),
        runner=runner,  # type: ignore[arg-type]
    )
    s.__dict__["cli"] = ComposeCli(("docker", "compose"), version)
    return s


def test_the_model_is_asked_once_and_gives_the_service_names(tmp_path: Path) -> None:
    runner = Answers()
    s = session(tmp_path, runner, (5, 6, 1))
    assert s.model() == MODEL
    assert s.check_services(["web"]) == ["web"]
    assert s.services() == ["db", "job", "web", "docs"]
    assert len(runner.calls) == 1 and runner.calls[0][-3:] == [
        "config",
        "--format",
        "json",
    ]


def test_the_scope_of_a_wait_comes_from_the_model(tmp_path: Path) -> None:
    s = session(tmp_path, Answers(), (5, 6, 1))
    scope = stack.wait_scope(s, ["web"])
    assert scope.services == {"web", "db", "job"}
    assert scope.awaited == {"job"}
    assert stack.wait_scope(s, []).services == {"db", "job", "web", "docs"}


def test_compose_v1_has_no_model_and_waits_for_the_names(tmp_path: Path) -> None:
    runner = Answers()
    s = session(tmp_path, runner, (1, 29, 2))
    assert s.model() is None and runner.calls == []
    scope = stack.wait_scope(s, ["web"])
    assert (scope.services, scope.awaited) == ({"web"}, None)


def test_a_model_compose_cannot_load_is_one_clear_error(tmp_path: Path) -> None:
    s = session(tmp_path, Answers(code=1, output=""), (5, 6, 1))
    with pytest.raises(DockhandError, match="Compose could not load the project: bad"):
        s.model()
