"""A second Compose project, different in every name, driven by invoke.yaml alone."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from harness import Stack, output, project_stack

NOTES = Path(__file__).parent / "projects" / "notes"


@pytest.fixture(scope="module")
def notes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    folder = tmp_path_factory.mktemp("notes")
    s = project_stack(NOTES, folder, NOTES_PASSWORD=secrets.token_urlsafe(16))
    yield s
    s.destroy()


def test_the_other_project_runs_by_configuration_alone(notes: Stack) -> None:
    listed = notes.inv("--list")
    assert listed.returncode == 0 and "migrate" in listed.stdout

    up = notes.inv("up", "--build", timeout=1200)
    assert up.returncode == 0, output(up)
    assert "all services are ready" in up.stderr

    migrated = notes.inv("migrate")
    assert migrated.returncode == 0, output(migrated)
    status = notes.inv("migrate", "--status")
    assert "notes" in status.stdout, output(status)

    # default_service is `worker`; the shell runs there.
    hostname = notes.inv("shell", "-c", "echo $((6*7))")
    assert hostname.returncode == 0 and hostname.stdout.strip() == "42", output(
        hostname
    )

    logs = notes.inv("logs", "worker")
    assert "worker started" in logs.stdout, output(logs)

    unknown = notes.inv("logs", "backend")
    assert (
        unknown.returncode == 1
        and "services: store, worker"
        in unknown.stderr.replace("worker, store", "store, worker")
    )

    down = notes.inv("down")
    assert down.returncode == 0, output(down)
