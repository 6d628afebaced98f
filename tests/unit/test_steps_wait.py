"""The wait of `inv up` driven by a scripted event stream, without an engine:
what the engine's events say (kill, stop, die, restart, a replacement, a
one-off container, health that turns) and what the wait makes of them. The
client is a fake whose inspect answers change as each event is delivered; the
clock is a fake the script moves, so no test sleeps and every time is exact
(the rules are the defaults: a 2.5 s window, 2 restarts, a 2 s grace)."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, cast

import pytest
from docker.errors import NotFound

from dockhand.config import settings
from dockhand.docker.compose import ComposeCli
from dockhand.docker.model import parse
from dockhand.docker.states import NUMBER, ONEOFF, PROJECT, SERVICE, ServiceState
from dockhand.errors import DockhandError
from dockhand.session import Session
from dockhand.steps import readiness
from dockhand.steps import wait as waits
from dockhand.steps.wait import HealthFailure, Ready, _wait
from helpers import FakeRunner

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
    # How the engine names the container: "id" and Actor.ID (API 1.22 to
    # 1.51), only Actor.ID (1.52 dropped "id"), or only "id" (before 1.22,
    # no Actor at all).
    form: str = "both"


END = "end"  # a step's action: the event stream ends (at the deadline)


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
        self.inspected: list[str] = []  # each container inspect, in order
        self.filters: list[object] = []  # each list's filters

    def list(self, **options: object) -> list[FakeContainer]:
        self.filters.append(options.get("filters"))
        return [FakeContainer(a) for a in self.held.values()]

    def get(self, key: str) -> FakeContainer:
        if key not in self.held:
            raise NotFound("gone")
        return FakeContainer(self.held[key])

    def inspect_container(self, key: str) -> dict[str, Any]:
        self.inspected.append(key)
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
        if step.action == END:
            return None
        held = self.client.held
        # The engine's events carry the container's labels.
        labels = dict(held.get(step.key, {}).get("Config", {}).get("Labels", {}))
        if step.then == GONE:
            held.pop(step.key, None)
        elif isinstance(step.then, dict):
            held[step.key] = step.then
            labels = dict(step.then["Config"]["Labels"])
        event: dict[str, Any] = {"Action": step.action}
        if step.form != "actor":
            event["id"] = step.key
        if step.form != "id":
            event["Actor"] = {
                "ID": step.key,
                "Attributes": {**labels, **step.attributes},
            }
        return event


LAST: list[FakeClient] = []  # the client of the last wait, to look at


def wait(
    held: list[dict[str, Any]],
    steps: list[Step],
    scope: readiness.Scope = readiness.Scope(None),  # noqa: B008 - frozen
    on_change: Any = lambda _: None,
) -> tuple[Ready | HealthFailure, float]:
    """Run the wait over the script: how it ended, and after how many seconds."""
    client = FakeClient({a["Id"]: a for a in held})
    LAST[:] = [client]
    try:
        ended: Ready | HealthFailure = _wait(
            cast(Any, client),
            "p",
            T0 + DEADLINE,
            on_change,
            scope,
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
    with pytest.raises(DockhandError) as error:
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
    assert "not reachable" in error.value.message
    assert error.value.message.endswith(": reset by peer")


# --- what the wait watches, and how it reads an event -------------------------


def test_the_wait_lists_the_projects_service_containers() -> None:
    ended, _ = wait([inspected("a", started=-5)], [])
    assert isinstance(ended, Ready), ended
    assert LAST[0].filters == [
        {"label": [f"{PROJECT}=p", f"{ONEOFF}=False"]}  # not a one-off's
    ]


def test_no_containers_is_one_line_naming_the_services() -> None:
    for scope, said in [
        (readiness.Scope(None), "project 'p' has no containers"),
        (
            readiness.Scope(frozenset({"web", "db"})),
            "project 'p' has no containers for db, web",
        ),
    ]:
        with pytest.raises(DockhandError) as error:
            wait([], [], scope)
        assert error.value.message == said
        assert error.value.hint == "start it with `inv up`"


def test_only_the_services_in_scope_are_waited_for() -> None:
    ended, took = wait(
        [
            inspected("a", started=-5),
            inspected("b", "exited", service="db", exit_code=1),
        ],
        [],
        readiness.Scope(frozenset({"web"})),
    )
    assert isinstance(ended, Ready), ended
    assert [s.service for s in ended.states] == ["web"]
    assert took == 0


def test_a_service_no_one_awaits_that_exits_0_is_no_job() -> None:
    """With the model known (no dependent waits for it to complete), a
    container without a restart policy that exits 0 is a service that ended."""
    ended, _ = wait(
        [inspected("a", "exited", policy="no")],
        [],
        readiness.Scope(frozenset({"web"}), frozenset()),
    )
    assert failure(ended).startswith("web exited (0), but it is not a job")


def test_each_change_of_the_states_is_shown_once() -> None:
    shown: list[list[str]] = []
    ended, _ = wait(
        [inspected("a", health="starting")],
        [
            Step(0.5, "exec_start: sh -c probe", "a"),
            Step(1.0, "health_status: healthy", "a", inspected("a", health="healthy")),
        ],
        on_change=lambda states: shown.append([s.summary for s in states]),
    )
    assert isinstance(ended, Ready), ended
    assert shown == [["starting"], ["healthy"]]


def test_a_window_that_ends_soon_is_waited_for_to_the_moment() -> None:
    """Up 2 s before the wait began: ready 0.5 s in, on a fresh inspect."""
    ended, took = wait([inspected("a", started=-2)], [])
    assert isinstance(ended, Ready), ended
    assert took == pytest.approx(RULES.stable_seconds - 2)
    assert LAST[0].inspected == ["a"]


def test_a_wake_up_inspects_only_the_containers_whose_window_ended() -> None:
    ended, took = wait([inspected("a", started=-2), inspected("b", started=-1.5)], [])
    assert isinstance(ended, Ready), ended
    assert took == pytest.approx(RULES.stable_seconds - 1.5)
    assert LAST[0].inspected == ["a", "b"]


def test_a_probes_exec_costs_no_inspect() -> None:
    wait([inspected("a", started=-5, health="healthy")], [])
    ended, _ = wait(
        [inspected("a", health="starting")],
        [
            Step(0.5, "exec_start: sh -c probe", "a"),
            Step(0.6, "exec_die", "a"),
            Step(3.0, "health_status: healthy", "a", inspected("a", health="healthy")),
        ],
    )
    assert isinstance(ended, Ready), ended
    assert LAST[0].inspected == ["a"]  # for the health_status only


@pytest.mark.parametrize("form", ["actor", "id"])
def test_an_event_names_its_container_by_id_or_by_actor(form: str) -> None:
    """Engine 28 (API 1.52) sends no "id", only Actor.ID; old engines only "id"."""
    ended, took = wait(
        [inspected("a", policy="no")],
        [
            Step(
                1.0,
                "die",
                "a",
                inspected("a", "exited", exit_code=3, policy="no"),
                form=form,
            )
        ],
    )
    assert failure(ended) == "web exited (3)"
    assert took == pytest.approx(1.0)


def test_the_stream_ending_at_the_deadline_ends_the_wait() -> None:
    ended, took = wait([inspected("a", health="starting")], [Step(DEADLINE, END, "")])
    assert failure(ended) == "web (starting) not healthy after the deadline"
    assert took == pytest.approx(DEADLINE)


def test_the_deadline_names_the_late_one_with_its_logs() -> None:
    """A service that crashed once and recovered is ready, and not named."""
    ended, _ = wait(
        [
            inspected("a", health="starting"),
            inspected("b", service="db", restarts=1, started=-4),
        ],
        [],
    )
    assert isinstance(ended, HealthFailure)
    assert ended.message == "web (starting) not healthy after the deadline"
    assert (
        ended.hint == "raise the deadline with --timeout, or look at the output above"
    )
    assert ended.details == [("web", "--- last log lines ---\nthe last line")]


def test_a_failure_names_every_failed_service_with_its_logs_and_what_to_do() -> None:
    ended, _ = wait(
        [
            inspected("a", "exited", exit_code=1, policy="no"),
            inspected("b", "exited", service="db", exit_code=2, policy="no"),
        ],
        [],
    )
    assert isinstance(ended, HealthFailure)
    assert ended.message in (
        "db exited (2), web exited (1)",
        "web exited (1), db exited (2)",
    )
    first = ended.message.split(" ")[0]
    assert ended.hint == f"fix it, then `inv up` again; more with `inv logs {first}`"
    assert sorted(ended.details) == [
        ("db", "--- last log lines ---\nthe last line"),
        ("web", "--- last log lines ---\nthe last line"),
    ]


# --- containers that start during the wait -----------------------------------


def test_a_replica_started_during_the_wait_is_waited_for_too() -> None:
    """`up --scale web=2`: the second container must be ready as well."""
    ended, _ = wait(
        [inspected("a")],
        [Step(1.0, "start", "c", inspected("c", number="2", health="starting"))],
        readiness.Scope(frozenset({"web"})),
    )
    assert failure(ended) == "web (starting) not healthy after the deadline"


def test_a_replica_started_during_the_wait_replaces_no_other_container() -> None:
    """Only a container of the same service and number is its successor."""
    ended, _ = wait(
        [inspected("a", health="starting"), inspected("b", service="db", started=-5)],
        [
            Step(1.0, "start", "c", inspected("c", number="2", started=-5)),
            Step(1.1, "start", "d", inspected("d", service="db", number="2")),
        ],
    )
    assert failure(ended) == "web (starting) not healthy after the deadline"


def test_a_replica_that_ends_is_no_job_when_the_model_says_so() -> None:
    ended, _ = wait(
        [inspected("a")],
        [
            Step(1.0, "start", "c", inspected("c", number="2", policy="no", started=1)),
            Step(1.5, "die", "c", inspected("c", "exited", number="2", policy="no")),
        ],
        readiness.Scope(frozenset({"web"}), frozenset()),
    )
    assert failure(ended).startswith("web exited (0), but it is not a job")


def test_a_container_without_a_service_label_is_not_adopted() -> None:
    odd = inspected("c", health="starting", started=1)
    del odd["Config"]["Labels"][SERVICE]
    ended, _ = wait([inspected("a")], [Step(1.0, "start", "c", odd)])
    assert isinstance(ended, Ready), ended
    assert [s.id for s in ended.states] == ["a"]


def test_a_container_of_a_service_out_of_scope_is_not_adopted() -> None:
    ended, _ = wait(
        [inspected("a")],
        [Step(1.0, "start", "c", inspected("c", service="db", health="starting"))],
        readiness.Scope(frozenset({"web"})),
    )
    assert isinstance(ended, Ready), ended
    assert LAST[0].inspected.count("c") == 0


def test_a_container_gone_before_its_start_is_read_is_not_adopted() -> None:
    ended, _ = wait([inspected("a")], [Step(1.0, "start", "c", GONE)])
    assert isinstance(ended, Ready), ended
    assert [s.id for s in ended.states] == ["a"]


# --- diagnose ------------------------------------------------------------------


def test_diagnose_shows_the_last_three_probes_and_the_log() -> None:
    attrs = inspected("a", health="unhealthy")
    attrs["State"]["Health"]["Log"] = [
        {"ExitCode": n, "Output": f"probe {n}\n"} for n in range(1, 5)
    ]
    logged: list[dict[str, object]] = []

    class Logs(FakeContainer):
        def logs(self, **options: object) -> bytes:
            logged.append(options)
            return b"line one\nline \xff two\n\n"

    client = FakeClient({"a": attrs})
    client.get = lambda key: Logs(client.held[key])  # type: ignore[method-assign]
    assert waits.diagnose(cast(Any, client), "a") == (
        "health probe exit 2: probe 2\n"
        "health probe exit 3: probe 3\n"
        "health probe exit 4: probe 4\n"
        "--- last log lines ---\n"
        "line one\nline \ufffd two"
    )
    assert logged == [{"tail": 20, "timestamps": False}]
    waits.diagnose(cast(Any, client), "a", lines=5)
    assert logged[-1]["tail"] == 5


def test_diagnose_of_a_silent_container_and_of_a_gone_one() -> None:
    class Silent(FakeContainer):
        def logs(self, **_: object) -> bytes:
            return b""

    attrs = inspected("a", health="starting")
    attrs["State"]["Health"]["Log"] = [{"ExitCode": 1}]
    client = FakeClient({"a": attrs})
    client.get = lambda key: Silent(client.held[key])  # type: ignore[method-assign]
    assert waits.diagnose(cast(Any, client), "a") == (
        "health probe exit 1: \n--- last log lines ---\n(no output)"
    )
    assert waits.diagnose(cast(Any, FakeClient({})), "a") == "(the container is gone)"


# --- the event feed and wait_ready over a client whose stream is scripted ----


class Stream:
    """The engine's event stream: `events`, then (when `fail`) a broken
    connection once the stream is closed or at once."""

    def __init__(self, events: list[dict[str, Any]], fail: bool = False) -> None:
        self.events, self.fail = events, fail
        self.closed = threading.Event()

    def __iter__(self) -> Iterator[dict[str, Any]]:
        yield from self.events
        if self.fail:
            raise ConnectionError("reset by peer")
        self.closed.wait(10)  # the engine holds the stream open until closed
        raise ConnectionError("closed by us")

    def close(self) -> None:
        self.closed.set()


class EventClient(FakeClient):
    def __init__(self, held: dict[str, dict[str, Any]], stream: Stream) -> None:
        super().__init__(held)
        self.stream = stream
        self.asked: list[dict[str, object]] = []

    def events(self, **options: object) -> Stream:
        self.asked.append(options)
        return self.stream


def fed(feed: queue.Queue[dict[str, Any] | BaseException | None]) -> list[object]:
    """What the feed holds up to its end (None), waiting for the thread."""
    got: list[object] = []
    while True:
        item = feed.get(timeout=10)
        got.append(item)
        if item is None:
            return got


def test_the_feed_asks_for_the_projects_container_events_in_the_window() -> None:
    stream = Stream([{"Action": "start"}], fail=True)
    client = EventClient({}, stream)
    feed, close = waits._event_feed(cast(Any, client), "p", 1.5, 2.25)
    assert client.asked == [
        {
            "since": "1.500000",
            "until": "2.250000",
            "decode": True,
            "filters": {"type": "container", "label": f"{PROJECT}=p"},
        }
    ]
    got = fed(feed)
    assert got[0] == {"Action": "start"}
    assert isinstance(got[1], ConnectionError) and str(got[1]) == "reset by peer"
    assert got[2:] == [None]
    close()


def test_the_feed_once_closed_ends_without_an_error_and_never_holds_the_process() -> (
    None
):
    stream = Stream([])
    feed, close = waits._event_feed(cast(Any, EventClient({}, stream)), "p", 1, 2)
    [reader] = [t for t in threading.enumerate() if t.name == "dockhand-events"]
    assert reader.daemon  # a stream the engine holds open never keeps `inv` alive
    close()
    assert stream.closed.is_set()
    assert fed(feed) == [None]
    reader.join(10)


def test_wait_ready_reads_events_from_when_the_command_began() -> None:
    """An exit between the command's start and the list is not missed; the
    stream is closed however the wait ends."""
    died = inspected("a", "exited", exit_code=3, policy="no")
    stream = Stream([{"id": "a", "Action": "die", "Actor": {"ID": "a"}}])
    client = EventClient({"a": inspected("a", policy="no")}, stream)
    client.inspect_container = lambda key: died  # type: ignore[method-assign]
    with pytest.raises(HealthFailure) as failed:
        waits.wait_ready(
            cast(Any, client),
            "p",
            T0 + DEADLINE,
            lambda _: None,
            readiness.Scope(None),
            RULES,
            since=T0 - 5,
        )
    assert failed.value.message == "web exited (3)"
    assert client.asked[0]["filters"] == {"type": "container", "label": f"{PROJECT}=p"}
    assert client.filters[0] == {"label": [f"{PROJECT}=p", f"{ONEOFF}=False"]}
    assert client.asked[0]["since"] == f"{T0 - 5:.6f}"
    assert client.asked[0]["until"] == f"{T0 + DEADLINE:.6f}"
    assert stream.closed.is_set()


def test_wait_ready_without_since_reads_from_now_and_never_from_the_future() -> None:
    for since, read_from in [(None, T0), (T0 + 10, T0)]:
        stream = Stream([])
        client = EventClient({"a": inspected("a", started=-5)}, stream)
        ready = waits.wait_ready(
            cast(Any, client),
            "p",
            T0 + DEADLINE,
            lambda _: None,
            readiness.Scope(None),
            since=since,
        )
        assert [s.id for s in ready.states] == ["a"]
        assert client.asked[0]["since"] == f"{read_from:.6f}"
        assert stream.closed.is_set()


def test_wait_ready_judges_a_restart_since_the_command_began() -> None:
    """Restarted once after `since`: ready, with the crash as a warning."""
    client = EventClient({"a": inspected("a", restarts=1, started=-4)}, Stream([]))
    ready = waits.wait_ready(
        cast(Any, client),
        "p",
        T0 + DEADLINE,
        lambda _: None,
        readiness.Scope(None),
        since=T0 - 5,
    )
    assert [w.split(",")[0] for w in ready.warnings] == [
        "web crashed (exit code unknown) and was restarted 1 time"
    ]


# --- what a wait covers, its rules, and the wait for the database ------------


def a_session(tmp_path: Path, **config: object) -> Session:
    return Session(
        settings=settings.load(
            {"root": str(tmp_path), "project": "proj", **config}  # type: ignore[dict-item]
        ),
        runner=FakeRunner(),
        compose_cli=ComposeCli(("docker", "compose"), (5, 6, 1)),
    )


def a_state(
    service: str,
    state: str = "running",
    health: str = "",
    up: float | None = 60.0,  # s it has been up, before T0
) -> ServiceState:
    started = None if up is None else datetime.fromtimestamp(T0 - up, tz=timezone.utc)
    return ServiceState(service, f"proj-{service}-1", state, health, 0, (), started)


def test_the_rules_and_the_deadline_come_from_the_settings(tmp_path: Path) -> None:
    s = a_session(tmp_path, wait_stable_seconds=7, wait_max_restarts=5, wait_timeout=33)
    assert waits.rules_of(s) == readiness.Rules(7.0, 5)
    assert waits.seconds(s, None) == 33
    assert waits.seconds(s, 4.5) == 4.5


def test_the_scope_without_a_model_is_the_services_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = a_session(tmp_path)
    monkeypatch.setattr(s, "ask_model", lambda: None)
    assert waits.wait_scope(s, ["web"]) == readiness.Scope(frozenset({"web"}), None)
    model = parse(
        {
            "services": {
                "web": {"depends_on": {"db": {"condition": "service_healthy"}}},
                "db": {},
            }
        }
    )
    monkeypatch.setattr(s, "ask_model", lambda: model)
    assert waits.wait_scope(s, ["web"]) == readiness.Scope(
        frozenset({"web", "db"}), frozenset()
    )


def test_still_waited_for_names_the_late_and_the_held_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = a_session(tmp_path)
    monkeypatch.setattr(s, "ask_model", lambda: None)
    found = [
        a_state("web", "created"),
        a_state("db", health="starting"),
        a_state("cache", "restarting"),
        a_state("api", health="healthy"),
        a_state("plain"),
        a_state("worker", "created"),
        a_state("other", "exited"),
    ]
    asked: list[object] = []
    monkeypatch.setattr(s, "states", lambda names: asked.append(names) or found)
    assert waits.still_waited_for(
        s, ["web", "db", "cache", "api", "plain", "worker"]
    ) == ("cache (restarting), db (starting) before it starts web, worker")
    assert asked == [[]]
    assert waits.still_waited_for(s, ["web", "worker"]) == "web, worker"
    assert waits.still_waited_for(s, ["db"]) == "db (starting)"
    assert waits.still_waited_for(s, ["api", "plain"]) == ""


def test_no_wait_for_the_database_without_one_or_under_dry(tmp_path: Path) -> None:
    waits.wait_for_database(a_session(tmp_path))  # no database: nothing asked
    dry = a_session(tmp_path, database={"service": "db"})
    dry.runner = FakeRunner(dry=True)
    waits.wait_for_database(dry)


def test_a_database_not_running_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = a_session(tmp_path, database={"service": "db"})
    asked: list[object] = []
    monkeypatch.setattr(
        s, "states", lambda names: asked.append(names) or [a_state("db", "exited")]
    )
    with pytest.raises(DockhandError) as error:
        waits.wait_for_database(s)
    assert error.value.message == "the database service 'db' is not running"
    assert error.value.hint == "start the stack with `inv up`, then run this again"
    assert asked == [["db"]]
    with pytest.raises(DockhandError):  # another service running is not it
        waits.wait_for_database(s, [a_state("web"), a_state("db", "exited")])


@pytest.mark.parametrize(
    ("found", "waited"),
    [
        ([a_state("db", health="healthy")], False),
        ([a_state("db")], False),  # no healthcheck: up is enough
        ([a_state("db", health="starting")], True),
        ([a_state("db", up=1.0)], True),  # not up for the window yet
        ([a_state("db", up=2.5)], True),  # just the window: not longer
        ([a_state("db", up=None)], True),  # no start time known
        ([a_state("db"), a_state("db", up=1.0)], True),  # every container
        ([a_state("web", health="starting"), a_state("db")], False),  # only db's
    ],
)
def test_the_database_is_waited_for_unless_settled(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    found: list[ServiceState],
    waited: bool,
) -> None:
    s = a_session(
        tmp_path, database={"service": "db"}, wait_timeout=40, wait_stable_seconds=2.5
    )
    s.client = cast(Any, FakeClient({}))
    calls: list[tuple[object, ...]] = []

    def wait_ready(*args: object, **kwargs: object) -> None:
        calls.append((*args, kwargs))

    monkeypatch.setattr(waits, "wait_ready", wait_ready)
    waits.wait_for_database(s, found)
    if not waited:
        assert calls == []
        return
    [(client, project, deadline, on_change, scope, rules, kwargs)] = calls
    assert client is s.client and project == "proj"
    assert deadline == T0 + 40
    assert cast(Any, on_change)([]) is None
    assert scope == readiness.Scope(frozenset({"db"}))
    assert rules == readiness.Rules(2.5, 2)
    assert kwargs == {"since": T0}
