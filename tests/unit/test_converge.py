"""The deploy verdict from a service's inspect data and its tasks."""

from __future__ import annotations

from typing import Any

import pytest

from dockhand.swarm.converge import (
    CONVERGED,
    EXIT_CODES,
    PAUSED,
    ROLLED_BACK,
    VERDICTS,
    assess,
    verdict,
)

NEW, OLD = "r/web@sha256:new", "r/web@sha256:old"


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
