"""The wait of `inv up` driven by a scripted event stream, without an engine:
what the engine's events say (kill, stop, die, restart, a replacement, a
one-off container, health that turns) and what the wait makes of them. The
client is a fake whose inspect answers change as each event is delivered; the
clock is a fake the script moves, so no test sleeps and every time is exact
(the rules are the defaults: a 2.5 s window, 2 restarts, a 2 s grace)."""

from __future__ import annotations

import queue
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, cast

import pytest
from docker.errors import NotFound

from dockhand.docker.states import NUMBER, ONEOFF, PROJECT, SERVICE
from dockhand.errors import DockhandError
from dockhand.steps import readiness
from dockhand.steps import wait as waits
from dockhand.steps.wait import HealthFailure, Ready, _wait

RULES = readiness.Rules()
GRACE = RULES.stopped_grace
DEADLINE = 120.0  # s after the wait began, as `inv up --timeout 120`
T0 = 1_800_000_000.0  # when the wait began, the fake clock


class Clock:
    """time.time() for the wait module; only the script moves it."""

    def __init__(self) -> None:
        self.now = T0

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += max(0.0, seconds)


CLOCK = Clock()


@pytest.fixture(autouse=True)
def fake_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    CLOCK.now = T0
    monkeypatch.setattr(waits, "time", CLOCK)


def inspected(
    key: str,
    status: str = "running",
    *,
    service: str = "web",
    number: str = "1",
    health: str = "",
    exit_code: int = 0,
    restarts: int = 0,
    started: float = 0.0,  # s after the wait began
    oneoff: bool = False,
    policy: str = "unless-stopped",
) -> dict[str, Any]:
    """`docker inspect` of one container, as much as the wait reads."""
    at = datetime.fromtimestamp(T0 + started, tz=timezone.utc)
    return {
        "Id": key,
        "Name": f"/p-{service}-{number}",
        "Image": "sha256:1",
        "RestartCount": restarts,
        "Config": {
            "Labels": {
                PROJECT: "p",
                SERVICE: service,
                NUMBER: number,
                ONEOFF: str(oneoff),
            }
        },
        "State": {
            "Status": status,
            "Health": {"Status": health} if health else None,
            "ExitCode": exit_code,
            "StartedAt": at.isoformat().replace("+00:00", "Z"),
        },
        "NetworkSettings": {"Ports": {}},
        "HostConfig": {"RestartPolicy": {"Name": policy}},
    }


GONE = "gone"  # a step's inspect after `docker rm`: the container is no more


@dataclass
class Step:
    """At `at` s after the wait began, the engine says `action` of `key`, and
    from then on inspects it as `then` (GONE: removed; None: unchanged)."""

    at: float
    action: str
    key: str
    then: dict[str, Any] | str | None = None
    attributes: dict[str, str] = field(default_factory=dict)


def died(at: float, key: str, then: dict[str, Any]) -> Step:
    """A `die` event, with the exit code the engine gives it."""
    return Step(at, "die", key, then, {"exitCode": str(then["State"]["ExitCode"])})


class FakeContainer:
    def __init__(self, attrs: dict[str, Any]) -> None:
        self.attrs = attrs
        self.labels = attrs["Config"]["Labels"]

    def logs(self, **_: object) -> bytes:
        return b"the last line\n"


class FakeClient:
    """containers.list, containers.get and api.inspect_container over `held`."""

    def __init__(self, held: dict[str, dict[str, Any]]) -> None:
        self.held = held
        self.api = self
        self.containers = self

    def list(self, **_: object) -> list[FakeContainer]:
        return [FakeContainer(a) for a in self.held.values()]

    def get(self, key: str) -> FakeContainer:
        if key not in self.held:
            raise NotFound("gone")
        return FakeContainer(self.held[key])

    def inspect_container(self, key: str) -> dict[str, Any]:
        if key not in self.held:
            raise NotFound("gone")
        return self.held[key]


class Script(queue.Queue[dict[str, Any] | BaseException | None]):
    """The event feed: each step delivered at its time, the engine changed
    as it says; before a step is due, the wait's own timeout runs out."""

    def __init__(self, client: FakeClient, steps: list[Step]) -> None:
        super().__init__()
        self.client, self.steps = client, list(steps)

    def get(
        self, block: bool = True, timeout: float | None = None
    ) -> dict[str, Any] | BaseException | None:
        waited = DEADLINE if timeout is None else timeout
        due = T0 + self.steps[0].at - CLOCK.time() if self.steps else waited + 1
        if due > waited:
            CLOCK.sleep(waited)
            raise queue.Empty
        CLOCK.sleep(due)
        step = self.steps.pop(0)
        held = self.client.held
        # The engine's events carry the container's labels.
        labels = dict(held.get(step.key, {}).get("Config", {}).get("Labels", {}))
        if step.then == GONE:
            held.pop(step.key, None)
        elif isinstance(step.then, dict):
            held[step.key] = step.then
            labels = dict(step.then["Config"]["Labels"])
        return {
            "id": step.key,
            "Action": step.action,
            "Actor": {"ID": step.key, "Attributes": {**labels, **step.attributes}},
        }


def wait(
    held: list[dict[str, Any]], steps: list[Step]
) -> tuple[Ready | HealthFailure, float]:
    """Run the wait over the script: how it ended, and after how many seconds."""
    client = FakeClient({a["Id"]: a for a in held})
    try:
        ended: Ready | HealthFailure = _wait(
            cast(Any, client),
            "p",
            T0 + DEADLINE,
            lambda _: None,
            readiness.Scope(None),
            RULES,
            T0 - 5,  # the command began before the wait
            Script(client, steps),
        )
    except HealthFailure as failure:
        ended = failure
    return ended, CLOCK.time() - T0


def failure(ended: Ready | HealthFailure) -> str:
    assert isinstance(ended, HealthFailure), ended
    return ended.message


# --- stopped by someone else: the wait ends within seconds, naming it --------


def test_a_docker_kill_during_the_wait_ends_it_naming_the_kill() -> None:
    """`docker kill`: kill (signal 9), die (137); no restart policy restarts it."""
    ended, took = wait(
        [inspected("a", started=-1)],
        [
            Step(1.0, "kill", "a", attributes={"signal": "9"}),
            died(1.01, "a", inspected("a", "exited", exit_code=137)),
        ],
    )
    assert failure(ended) == "web was killed during the wait (exit code 137)"
    assert took == pytest.approx(1.01 + GRACE)
    assert isinstance(ended, HealthFailure)
    assert ended.hint == "it was killed outside this command: `inv up` starts it again"


def test_a_docker_stop_during_the_wait_ends_it_naming_the_stop() -> None:
    """`docker stop` and `docker compose stop`: kill (TERM), die, stop."""
    ended, took = wait(
        [inspected("a", health="starting")],
        [
            Step(1.0, "kill", "a", attributes={"signal": "15"}),
            died(1.01, "a", inspected("a", "exited", exit_code=0)),
            Step(1.02, "stop", "a"),
        ],
    )
    assert failure(ended) == "web was stopped during the wait (exit code 0)"
    assert took == pytest.approx(1.01 + GRACE)


def test_a_docker_rm_during_the_wait_ends_it() -> None:
    ended, took = wait(
        [inspected("a")],
        [
            Step(1.0, "kill", "a"),
            died(1.01, "a", inspected("a", "exited", exit_code=137)),
            Step(1.02, "destroy", "a", GONE),
        ],
    )
    assert failure(ended) == "web was killed and removed during the wait"
    assert took == pytest.approx(1.01 + GRACE)


def test_only_the_stopped_service_is_named() -> None:
    ended, _ = wait(
        [inspected("a"), inspected("b", service="db", health="healthy")],
        [
            Step(1.0, "kill", "a", attributes={"signal": "15"}),
            died(1.01, "a", inspected("a", "exited", exit_code=143)),
        ],
    )
    assert failure(ended) == "web was killed during the wait (exit code 143)"


# --- stopped, then started again: no failure ----------------------------------


def test_a_restart_during_the_wait_is_judged_again_and_passes() -> None:
    """`docker restart` or `docker compose restart`: kill, die, stop, start."""
    ended, took = wait(
        [inspected("a")],
        [
            Step(1.0, "kill", "a", attributes={"signal": "15"}),
            died(1.01, "a", inspected("a", "exited", exit_code=0)),
            Step(1.02, "stop", "a"),
            Step(1.03, "start", "a", inspected("a", started=1.03)),
            Step(1.04, "restart", "a"),
        ],
    )
    assert isinstance(ended, Ready), ended
    assert ended.warnings == []
    assert took == pytest.approx(1.03 + RULES.stable_seconds)  # a new window


def test_a_container_replaced_during_the_wait_is_no_failure() -> None:
    """Compose recreating it (`up --force-recreate`, a changed file): the new
    container is created first, the old one stopped and removed, the new one
    started when its dependencies are ready, which can take longer than the
    grace a stop gets."""
    late = 1.1 + GRACE + 5
    ended, took = wait(
        [inspected("a")],
        [
            Step(1.0, "create", "b", inspected("b", "created")),
            Step(1.05, "kill", "a", attributes={"signal": "15"}),
            died(1.06, "a", inspected("a", "exited", exit_code=0)),
            Step(1.07, "stop", "a"),
            Step(1.08, "destroy", "a", GONE),
            Step(1.09, "rename", "b"),
            Step(late, "start", "b", inspected("b", started=late)),
        ],
    )
    assert isinstance(ended, Ready), ended
    assert [s.id for s in ended.states] == ["b"]
    assert took == pytest.approx(late + RULES.stable_seconds)


def test_a_one_off_container_of_the_service_is_not_adopted() -> None:
    """`compose run web` in another terminal: not the service's container."""
    ended, _ = wait(
        [inspected("a")],
        [
            Step(1.0, "create", "x", inspected("x", "created", oneoff=True)),
            Step(1.1, "start", "x", inspected("x", oneoff=True, started=1.1)),
            died(1.2, "x", inspected("x", "exited", oneoff=True, exit_code=1)),
        ],
    )
    assert isinstance(ended, Ready), ended
    assert [s.id for s in ended.states] == ["a"]


# --- crashes under a restart policy: not "stopped by someone else" -----------


def test_a_crash_then_a_restart_that_stays_up_passes_naming_the_exit_code() -> None:
    """compose#12424: a service that crashes once, is restarted by its policy
    and stays up passes, warning with the exit code of the `die` (the
    engine's ExitCode is 0 again once it runs)."""
    ended, took = wait(
        [inspected("a")],
        [
            died(1.0, "a", inspected("a", "restarting", exit_code=4, restarts=1)),
            Step(1.1, "start", "a", inspected("a", restarts=1, started=1.1)),
        ],
    )
    assert isinstance(ended, Ready), ended
    assert [w.split(",")[0] for w in ended.warnings] == [
        "web crashed (exit code 4) and was restarted 1 time"
    ]
    assert took == pytest.approx(1.1 + RULES.stable_seconds)


def test_a_crash_loop_fails_at_the_restart_limit_not_as_stopped() -> None:
    steps = []
    for n in range(1, 4):
        steps += [
            died(n, "a", inspected("a", "restarting", exit_code=5, restarts=n)),
            Step(n + 0.1, "start", "a", inspected("a", restarts=n, started=n + 0.1)),
        ]
    ended, took = wait([inspected("a")], steps)
    assert failure(ended) == "web keeps restarting: exit code 5, restarted 3 times"
    assert took == pytest.approx(3)


def test_a_crash_without_a_restart_policy_fails_at_once_with_its_exit_code() -> None:
    ended, took = wait(
        [inspected("a", policy="no")],
        [died(1.0, "a", inspected("a", "exited", exit_code=3, policy="no"))],
    )
    assert failure(ended) == "web exited (3)"
    assert took == pytest.approx(1.0)


def test_a_crash_seen_exited_until_its_policy_restarts_it_passes_with_a_warning() -> (
    None
):
    """Podman 5: no `restarting` state; the container is `exited` between the
    `die` and the `start` its restart policy makes (0.8 s measured)."""
    ended, took = wait(
        [inspected("a")],
        [
            died(1.0, "a", inspected("a", "exited", exit_code=4)),
            Step(1.8, "start", "a", inspected("a", restarts=1, started=1.8)),
        ],
    )
    assert isinstance(ended, Ready), ended
    assert ended.warnings[0].startswith("web crashed (exit code 4)")
    assert took == pytest.approx(1.8 + RULES.stable_seconds)


def test_an_exit_its_policy_does_not_restart_fails_after_the_grace() -> None:
    ended, took = wait(
        [inspected("a")], [died(1.0, "a", inspected("a", "exited", exit_code=3))]
    )
    assert failure(ended) == "web exited (3)"
    assert took == pytest.approx(1.0 + RULES.stopped_grace)


# --- health ------------------------------------------------------------------


def test_health_that_turns_unhealthy_after_healthy_fails_at_once() -> None:
    ended, took = wait(
        [inspected("a", health="starting")],
        [
            Step(1.0, "health_status: healthy", "a", inspected("a", health="healthy")),
            Step(
                2.0, "health_status: unhealthy", "a", inspected("a", health="unhealthy")
            ),
        ],
    )
    assert failure(ended) == "web unhealthy"
    assert took == pytest.approx(2.0)


def test_health_that_turns_healthy_again_before_the_window_passes() -> None:
    """A probe's exec is no event of the container; `starting` to `healthy`
    after the window began: ready once it has run for the window."""
    ended, took = wait(
        [inspected("a", health="starting")],
        [
            Step(0.5, "exec_start: sh -c probe", "a"),
            Step(3.0, "health_status: healthy", "a", inspected("a", health="healthy")),
        ],
    )
    assert isinstance(ended, Ready), ended
    assert took == pytest.approx(3.0)


def test_every_service_must_be_ready_and_the_deadline_names_the_late_one() -> None:
    ended, took = wait(
        [inspected("a", health="starting"), inspected("b", service="db")],
        [Step(1.0, "exec_start: sh -c probe", "a")],
    )
    assert failure(ended) == "web (starting) not healthy after the deadline"
    assert took == pytest.approx(DEADLINE)


def test_an_event_stream_that_breaks_is_the_engine_unreachable() -> None:
    client = FakeClient({"a": inspected("a", health="starting")})
    feed: queue.Queue[dict[str, Any] | BaseException | None] = queue.Queue()
    feed.put(ConnectionError("reset by peer"))
    with pytest.raises(DockhandError, match="not reachable"):
        _wait(
            cast(Any, client),
            "p",
            T0 + DEADLINE,
            lambda _: None,
            readiness.Scope(None),
            RULES,
            T0,
            feed,
        )
