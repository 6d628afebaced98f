"""The volume sizes read from the engine's disk usage, and the wait for an
old engine that refuses a second disk-usage request while one runs."""

from __future__ import annotations

from typing import Any

import pytest
from docker.errors import APIError

from dockhand.docker import disk_usage

BUSY = APIError(
    "500 Server Error for http+docker://localhost/v1.41/system/df: Internal "
    'Server Error ("a disk usage operation is already running")'
)
USAGE = {
    "Volumes": [
        {"Name": "proj_pgdata", "UsageData": {"Size": 2048, "RefCount": 1}},
        {"Name": "proj_cache", "UsageData": {"Size": -1}},  # the engine does not know
        {"Name": "proj_new", "UsageData": None},
    ]
}


class Engine:
    """Answers `df` with each of `answers` in turn (an exception is raised)."""

    def __init__(self, *answers: object) -> None:
        self.answers = list(answers)
        self.asked = 0

    def df(self) -> Any:
        self.asked += 1
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


class Clock:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def sizes(engine: Engine, clock: Clock, patience: float = 15.0) -> dict[str, int]:
    return disk_usage.volume_sizes(
        engine,  # type: ignore[arg-type]
        patience=patience,
        clock=clock,
        sleep=clock.sleep,
    )


def test_each_volume_has_its_size_or_minus_one() -> None:
    assert sizes(Engine(USAGE), Clock()) == {
        "proj_pgdata": 2048,
        "proj_cache": -1,
        "proj_new": -1,
    }


def test_an_engine_with_no_volumes_gives_none() -> None:
    assert sizes(Engine({"Volumes": None}), Clock()) == {}


def test_a_busy_engine_is_asked_again_until_it_answers() -> None:
    engine, clock = Engine(BUSY, BUSY, BUSY, USAGE), Clock()
    assert sizes(engine, clock)["proj_pgdata"] == 2048
    assert engine.asked == 4
    assert clock.slept == [0.05, 0.05, 0.05]  # short and even: finds a gap


def test_an_engine_busy_past_the_patience_gives_no_sizes() -> None:
    engine, clock = Engine(*[BUSY] * 100), Clock()
    assert sizes(engine, clock, patience=2.0) == {}
    assert clock.now <= 2.0
    assert 2.0 - clock.now < 0.1  # it waited out nearly all of it
    assert engine.asked == len(clock.slept) + 1


def test_another_engine_error_is_not_waited_on() -> None:
    other = APIError("500 Server Error: Internal Server Error (no space left)")
    engine, clock = Engine(other, USAGE), Clock()
    with pytest.raises(APIError, match="no space left"):
        sizes(engine, clock)
    assert clock.slept == []
