"""The deploy verdict from a service's inspect data and its tasks."""

from __future__ import annotations

from typing import Any

import pytest

from dockhand.swarm import converge, inspected
from dockhand.swarm.converge import (
    CONVERGED,
    EXIT_CODES,
    PAUSED,
    ROLLED_BACK,
    VERDICTS,
    ServiceState,
    verdict,
)

NEW, OLD = "r/web@sha256:new", "r/web@sha256:old"


def assess(
    service: dict[str, Any],
    tasks: list[dict[str, Any]],
    short: str = "",
    **context: Any,
) -> ServiceState:
    """The inspect data as the manager hands it over, parsed, then judged."""
    return converge.assess(
        inspected.service(service, short),
        [inspected.task(t) for t in tasks],
        converge.Context(**context),
    )


def service(
    replicas: int = 2, update: str | None = None, image: str = NEW
) -> dict[str, Any]:
    attrs: dict[str, Any] = {
        "Spec": {
            "Name": "shop_web",
            "Mode": {"Replicated": {"Replicas": replicas}},
            "TaskTemplate": {"ContainerSpec": {"Image": image}},
        }
    }
    if update:
        attrs["UpdateStatus"] = {"State": update}
    return attrs


def task(
    state: str = "running",
    image: str = NEW,
    desired: str = "running",
    node: str = "n1",
    **status: Any,
) -> dict[str, Any]:
    return {
        "NodeID": node,
        "DesiredState": desired,
        "Status": {
            "State": state,
            "Timestamp": status.pop("at", "2026-12-01T10:00:00Z"),
            **status,
        },
        "Spec": {"ContainerSpec": {"Image": image}},
    }


def test_converged_when_the_replicas_run_the_current_image() -> None:
    state = assess(
        service(),
        [task(node="n1"), task(node="n2")],
        nodes={"n1": "manager", "n2": "worker1"},
        short="web",
    )
    assert (state.name, state.state, state.running, state.desired) == (
        "web",
        "converged",
        2,
        2,
    )
    assert state.nodes == ("manager", "worker1")


def test_tasks_on_the_old_image_or_not_running_do_not_count() -> None:
    state = assess(service(), [task(), task(image=OLD), task(state="starting")])
    assert (state.state, state.running) == ("starting", 1)


def test_an_update_in_progress_is_not_converged_even_with_every_replica_up() -> None:
    assert assess(service(update="updating"), [task(), task()]).state == "updating"


@pytest.mark.parametrize(
    ("update", "state"),
    [
        ("rollback_completed", "rolled_back"),
        ("paused", "paused"),
        ("rollback_paused", "paused"),
        ("rollback_started", "rolling_back"),
        ("completed", "converged"),
    ],
)
def test_the_update_status_decides(update: str, state: str) -> None:
    assert (
        assess(
            service(update=update, image=OLD), [task(image=OLD), task(image=OLD)]
        ).state
        == state
    )


def test_an_update_status_from_an_earlier_deploy_says_nothing() -> None:
    stale = assess(service(update="rollback_completed"), [task(), task()], ours=False)
    assert stale.state == "converged"


def test_failed_tasks_give_their_errors_newest_first() -> None:
    tasks = [
        task(),
        task(
            state="failed",
            desired="shutdown",
            Err="task: non-zero exit (1)",
            at="2026-12-01T10:00:01Z",
        ),
        task(
            state="failed",
            desired="shutdown",
            Err="unhealthy container",
            at="2026-12-01T10:00:05Z",
        ),
    ]
    state = assess(service(), tasks)
    assert state.state == "failing"
    assert state.errors == ("unhealthy container", "task: non-zero exit (1)")


def test_a_job_is_done_when_its_task_completed() -> None:
    job = {
        "Spec": {
            "Name": "m",
            "Mode": {"ReplicatedJob": {}},
            "TaskTemplate": {"ContainerSpec": {"Image": NEW}},
        }
    }
    assert (
        assess(job, [task(state="complete", desired="complete")]).state == "completed"
    )
    failed = assess(job, [task(state="failed", desired="complete", Err="exit 1")])
    assert (failed.state, failed.errors) == ("failed", ("exit 1",))
    assert assess(job, [task(state="running", desired="complete")]).state == "running"


def states(*kinds: str) -> list[Any]:
    return [assess(service(update=u), [task(), task()]) for u in kinds]


def test_the_verdict_of_the_stack() -> None:
    assert verdict(states("completed", "completed")) == CONVERGED
    assert verdict(states("completed", "rollback_completed")) == ROLLED_BACK
    assert verdict(states("rollback_completed", "updating")) is None  # still moving
    assert verdict(states("paused", "completed")) == PAUSED
    assert verdict(states("completed", "updating")) is None


def test_each_verdict_has_its_own_exit_code_and_only_convergence_is_zero() -> None:
    codes = [EXIT_CODES[v] for v in VERDICTS]
    assert len(set(codes)) == len(codes)
    assert [v for v in VERDICTS if EXIT_CODES[v] == 0] == [CONVERGED]


def test_a_rollback_is_done_once_the_old_spec_runs_again() -> None:
    rolled = service(update="rollback_completed", image=OLD)
    assert assess(rolled, [task(image=OLD, state="starting")]).state == "rolling_back"
    assert assess(rolled, [task(image=OLD), task(image=OLD)]).state == "rolled_back"


class NoEvents:
    """A client whose event stream says nothing: the wait polls."""

    def events(self, **_: Any) -> NoEvents:
        return self

    def __iter__(self) -> NoEvents:
        return self

    def __next__(self) -> Any:
        raise StopIteration

    def close(self) -> None:
        pass


def test_the_wait_keeps_the_errors_of_tasks_gone_by_the_verdict() -> None:
    failing = assess(
        service(), [task(state="failed", desired="shutdown", Err="unhealthy container")]
    )
    done = assess(
        service(update="rollback_completed", image=OLD),
        [task(image=OLD), task(image=OLD)],
    )
    seen = iter([[failing], [done]])
    found, states, _ = converge.wait(NoEvents(), lambda: next(seen), verdict, timeout=5)  # type: ignore[arg-type]
    assert found == ROLLED_BACK
    assert states[0].errors == ("unhealthy container",)


def test_the_wait_ends_at_its_deadline() -> None:
    starting = assess(service(), [task(state="starting")])
    found, states, _ = converge.wait(
        NoEvents(), lambda: [starting], verdict, timeout=0.3
    )  # type: ignore[arg-type]
    assert (found, states[0].state) == (converge.TIMED_OUT, "starting")


def test_why_swarm_rolled_back_is_an_error_of_the_service() -> None:
    rolling = service(update="rollback_started")
    rolling["UpdateStatus"]["Message"] = (
        "update rolled back due to failure or early termination of task x"
    )
    assert assess(rolling, [task()]).errors == (
        "update rolled back due to failure or early termination of task x",
    )
    assert assess(rolling, [task()], ours=False).errors == ()


def test_a_task_counts_only_on_its_services_spec_as_swarm_compares_them() -> None:
    labelled = service()
    labelled["Spec"]["TaskTemplate"]["ContainerSpec"]["Labels"] = {"bump": "1"}
    old = task()  # same image, not the new labels: still to be replaced
    new = task()
    new["Spec"] = {
        "ContainerSpec": {"Image": NEW, "Labels": {"bump": "1"}},
        "Runtime": "container",
    }
    assert assess(labelled, [old, old]).running == 0
    assert assess(labelled, [new, new]).state == "converged"


def rolled_back_for(task_id: str) -> dict[str, Any]:
    rolling = service(update="rollback_started", replicas=1)
    rolling["UpdateStatus"]["Message"] = (
        f"update rolled back due to failure or early termination of task {task_id}"
    )
    return rolling


def test_a_rollback_for_a_task_stopped_by_a_drain_names_the_node_not_the_service() -> (
    None
):
    # Swarm's updater counts any new task stopped early as a failure: one
    # whose node was drained under it rolls the update back too.
    stopped = {**task(state="shutdown", desired="shutdown", node="w1"), "ID": "t1"}
    state = assess(
        rolled_back_for("t1"),
        [stopped, task(image=OLD, node="n2")],
        nodes={"w1": "worker1", "n2": "worker2"},
        away={"w1": "drained"},
    )
    assert state.errors[0] == (
        "update rolled back due to failure or early termination of task t1: "
        "worker1 was drained under it; the service did not fail, deploy again"
    )


def test_a_rollback_for_a_task_on_an_active_node_is_the_services_own() -> None:
    failed = {**task(state="failed", desired="shutdown", node="w1"), "ID": "t1"}
    state = assess(
        rolled_back_for("t1"), [failed], nodes={"w1": "worker1"}, away={"w2": "down"}
    )
    assert state.errors[0] == (
        "update rolled back due to failure or early termination of task t1"
    )


@pytest.mark.parametrize(
    ("node", "why"),
    [
        ({"Spec": {"Availability": "drain"}, "Status": {"State": "ready"}}, "drained"),
        ({"Spec": {"Availability": "active"}, "Status": {"State": "down"}}, "down"),
        ({"Spec": {"Availability": "pause"}, "Status": {"State": "ready"}}, ""),
        ({"Spec": {"Availability": "active"}, "Status": {"State": "ready"}}, ""),
    ],
    ids=["drained", "down", "paused-keeps-its-tasks", "active"],
)
def test_why_a_node_runs_no_tasks(node: dict[str, Any], why: str) -> None:
    assert inspected.absence(node) == why


def test_the_errors_of_tasks_failed_before_this_deploy_are_not_its_own() -> None:
    # Swarm keeps a service's last tasks: those of an earlier, broken update
    # last changed before this deploy began (`since`, the version before it).
    earlier = {
        **task(state="failed", desired="shutdown", Err="unhealthy container"),
        "Version": {"Index": 90},
    }
    now = {
        **task(state="failed", desired="shutdown", Err="task: non-zero exit (1)"),
        "Version": {"Index": 120},
    }
    assert assess(service(), [earlier, now], since=100).errors == (
        "task: non-zero exit (1)",
    )
    assert assess(service(), [earlier], since=100).state == "starting"
