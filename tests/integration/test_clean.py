"""`inv clean` on the running reference stack: images go, data volumes stay."""

from __future__ import annotations

from pathlib import Path

from harness import Stack, docker, output, ps, volumes_of


def test_clean_keeps_volumes_and_removes_images(running: Stack, tmp_path: Path) -> None:
    clean = running.inv("clean")
    assert clean.returncode == 0, output(clean)
    assert ps(running) == {}
    volumes = " ".join(volumes_of(running.project))
    assert "db-data" in volumes
    images = " ".join(docker("image", "ls", "-q", f"{running.project}-backend"))
    assert images.strip() == ""
    # The data is still there: the stack comes back with its migrations applied.
    again = running.inv("up", "--build", timeout=1200)
    assert again.returncode == 0, output(again)
    status = running.inv("migrate", "--status")
    assert status.returncode == 0, output(status)
    lines = status.stdout.splitlines()
    assert "0001 (head)" in lines, output(status)  # alembic current: backend
    assert any(line.startswith("applied  0001_create_events.sql") for line in lines)
    assert "1 applied, 0 pending" in lines, output(status)  # backend-ts
