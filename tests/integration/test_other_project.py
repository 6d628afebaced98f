"""A second Compose project, different in every name, driven by invoke.yaml alone."""

from __future__ import annotations

import json
import secrets
import subprocess
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


def image_ids(*names: str) -> dict[str, str]:
    """name -> image id, for the names the engine has."""
    found = {}
    for name in names:
        inspected = subprocess.run(
            ["docker", "image", "inspect", "--format", "{{.Id}}", name],
            capture_output=True,
            text=True,
            check=False,
        )
        if inspected.returncode == 0:
            found[name] = inspected.stdout.strip()
    return found


def test_clean_removes_what_the_project_built_and_keeps_what_it_pulled(
    tmp_path: Path, base_image: None
) -> None:
    # The worker runs a "pulled" image (another tag of the base image, which
    # other projects on this engine may share); the store is built here.
    pulled = f"dhtest-pulled-{secrets.token_hex(4)}:1"
    subprocess.run(["docker", "tag", "debian:bookworm-slim", pulled], check=True)
    s = project_stack(
        NOTES, tmp_path, NOTES_PASSWORD=secrets.token_urlsafe(16), BASE_IMAGE=pulled
    )
    built = f"{s.project}-store"
    try:
        up = s.inv("up", "--build", timeout=1200)
        assert up.returncode == 0, output(up)
        assert set(image_ids(built, pulled)) == {built, pulled}

        clean = s.inv("clean")
        assert clean.returncode == 0, output(clean)
        assert set(image_ids(built, pulled)) == {pulled}, output(clean)
        assert f"and 1 image built by {s.project} (" in clean.stderr, output(clean)
        assert "builder prune" not in clean.stderr  # the engine's cache is not ours
    finally:
        s.destroy()
        subprocess.run(["docker", "image", "rm", pulled], capture_output=True)


SAMPLE = Path(__file__).parent / "projects" / "sample"


def test_a_project_laid_out_as_compose_expects_runs_with_no_invoke_yaml(
    tmp_path: Path, base_image: None
) -> None:
    assert not (SAMPLE / "invoke.yaml").exists()
    s = project_stack(SAMPLE, tmp_path, SAMPLE_PASSWORD=secrets.token_urlsafe(16))
    s.files = ("compose.yaml", "compose.override.yaml")
    try:
        up = s.inv("up", "--build", timeout=1200)
        assert up.returncode == 0, output(up)
        rows = {r["service"]: r for r in json.loads(s.inv("ps", "--json").stdout)}
        assert {k: r["state"] for k, r in rows.items()} == {
            "db": "running",
            "seed": "exited",  # the one-shot job finished, and that is fine
            "web": "running",
            "proxy": "running",
        }
        assert rows["db"]["health"] == "healthy"
        assert rows["seed"]["exit_code"] == 0

        secret = s.inv("shell", "web", "-c", "cat /run/secrets/api_key")
        assert secret.stdout.strip() == "not-a-real-key-for-tests", output(secret)
        merged = s.inv("shell", "web", "-c", "echo $FROM_OVERRIDE")
        assert merged.stdout.strip() == "yes", output(merged)  # the override ran
        logs = s.inv("logs", "proxy")
        assert "proxy started" in logs.stdout, output(logs)

        down = s.inv("down")
        assert down.returncode == 0, output(down)
        assert s.compose("ps", "-a", "-q").stdout.strip() == ""
    finally:
        s.destroy()
