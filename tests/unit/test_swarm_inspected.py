"""The manager's JSON parsed once: what a missing key reads as."""

from __future__ import annotations

from dockhand.swarm import inspected


def test_a_service_with_nothing_said_is_one_replica_of_nothing() -> None:
    service = inspected.service({"Spec": {"Mode": {"Replicated": {}}}})
    assert (service.name, service.image, service.mode, service.wanted) == (
        "",
        "",
        inspected.REPLICATED,
        1,
    )
    assert (service.update, service.version, service.has_previous) == ("", 0, False)
    assert inspected.service({}).mode == inspected.GLOBAL


def test_a_job_wants_its_completions_and_a_name_can_be_given() -> None:
    job = inspected.service(
        {"Spec": {"Name": "s_m", "Mode": {"ReplicatedJob": {"TotalCompletions": 2}}}},
        "m",
    )
    assert (job.name, job.mode, job.wanted) == ("m", inspected.JOB, 2)


def test_a_tasks_error_says_its_exit_code_once() -> None:
    def task(err: str, code: int | None) -> inspected.Task:
        status = {"State": "failed", "Err": err, "ContainerStatus": {"ExitCode": code}}
        return inspected.task({"Status": status})

    assert task("unhealthy", 137).error == "unhealthy (exit 137)"
    assert task("task: non-zero exit (1)", 1).error == "task: non-zero exit (1)"
    assert task("killed", None).error == "killed"
    bare = inspected.task({})
    assert (bare.node, bare.version, bare.detail) == ("None", None, "None")


def test_dig_reads_through_missing_keys_and_nulls() -> None:
    data = {"a": {"b": None, "c": {"d": 1}}}
    assert inspected.dig(data, "a", "c", "d") == 1
    assert inspected.dig(data, "a", "b", "x") is None
    assert inspected.dig(None, "a") is None
