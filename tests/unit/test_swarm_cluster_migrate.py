"""The migration job's pure parts: what it runs, from Compose's model (inv
deploy) or from the deployed service (inv cluster migrate), and the exit
code of a failed task."""

from __future__ import annotations

from typing import Any

from dockhand.config.schema import Migration
from dockhand.swarm import cluster_migrate, inspected

MIGRATION = Migration("backend", ("alembic", "upgrade", "head"), ("alembic", "current"))
PINNED = "registry:5000/demo/backend:abc@sha256:" + "1" * 64


def deployed(**container: Any) -> inspected.Service:
    return inspected.service(
        {
            "Spec": {
                "Name": "demo_backend",
                "Labels": {"com.docker.stack.namespace": "demo"},
                "TaskTemplate": {
                    "ContainerSpec": {"Image": PINNED, **container},
                    "Networks": [{"Target": "n1", "Aliases": ["backend"]}],
                },
            }
        }
    )


def test_a_deploys_job_takes_the_models_environment_and_the_rendered_network() -> None:
    job = cluster_migrate.from_model(
        MIGRATION,
        PINNED,
        "demo",
        {"environment": {"A": "1", "B": None, "N": 5}, "networks": {"back": None}},
        {"networks": {"back": {"name": "demo_back"}}},
    )
    assert job == cluster_migrate.Job(
        "backend", MIGRATION.run, PINNED, "demo_back", {"A": "1", "N": "5"}
    )
    # no network named: the stack's default one
    plain = cluster_migrate.from_model(MIGRATION, PINNED, "demo", {}, {})
    assert plain.network == "demo_default"


def test_a_cluster_job_runs_what_the_deployed_service_runs() -> None:
    job = cluster_migrate.from_service(
        deployed(Env=["DATABASE_URL=postgresql://u@db/x?a=b", "EMPTY="]),
        MIGRATION.status or (),
        {"n1": "demo_default"},
    )
    assert job.service == "backend"
    assert job.image == PINNED  # the digest deployed, not a new build
    assert job.command == ("alembic", "current")
    assert job.network == "demo_default"
    assert job.environment == {"DATABASE_URL": "postgresql://u@db/x?a=b", "EMPTY": ""}


def test_a_network_not_listed_stays_its_id_and_no_env_is_none() -> None:
    job = cluster_migrate.from_service(deployed(), MIGRATION.run, {})
    assert job.network == "n1" and job.environment == {}


def test_the_exit_code_is_the_failed_tasks_else_one() -> None:
    def task(code: int | None) -> inspected.Task:
        status = {"State": "failed", "ContainerStatus": {"ExitCode": code}}
        return inspected.task({"Status": status})

    assert cluster_migrate.exit_code([task(0), task(255)]) == 255
    assert cluster_migrate.exit_code([task(None)]) == 1
    assert cluster_migrate.exit_code([]) == 1


def test_a_failure_says_its_exit_code_and_what_else_the_task_said() -> None:
    plain = cluster_migrate.Outcome(False, "task: non-zero exit (255)", 255)
    assert plain.failure == "with exit code 255"
    killed = cluster_migrate.Outcome(
        False, "task: non-zero exit (137): dockerexec: unhealthy container", 137
    )
    assert killed.failure == (
        "with exit code 137 (task: non-zero exit (137): dockerexec: unhealthy container)"
    )
    assert cluster_migrate.Outcome(False, "No such image: x", 1).failure == (
        "with exit code 1 (No such image: x)"
    )
