"""The sweep a run starts with (sweep.py): what a killed run left goes, what
a run beside this one has, or anything not the tests', stays."""

from __future__ import annotations

import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path

from harness import containers_of, networks_of, unique_name, volumes_of
from sweep import Trace, engine_time, stale, sweep

NOW = datetime(2026, 12, 6, 18, 0, tzinfo=timezone.utc)


def trace(project: str, hours_ago: float) -> Trace:
    return Trace(project, NOW - timedelta(hours=hours_ago), "volume", project)


def test_only_old_projects_of_the_tests_are_stale() -> None:
    found = [
        trace("dhtest-killed", 5),
        trace("dhtest-killed", 4),
        trace("bench-killed", 3.5),
        trace("dhtest-running", 5),  # its newest trace is recent: a run beside this one
        trace("dhtest-running", 0.1),
        trace("dhtest-young", 2.9),
        trace("myapp", 100),  # not the tests'
    ]
    assert stale(found, NOW) == {"dhtest-killed", "bench-killed"}


def test_the_engines_times_are_read() -> None:
    at = datetime(2026, 12, 6, 18, 57, 57, tzinfo=timezone.utc)
    assert engine_time("2026-12-06 18:57:57 +0000 UTC") == at
    assert engine_time("2026-12-06 18:57:57.123456789 +0000 UTC") == at
    assert engine_time("2026-12-06T18:57:57Z") == at
    assert engine_time("2026-12-06T18:57:57.5+00:00") == at


def _leave(project: str) -> None:
    """What a killed run leaves: a container, a network and a volume of
    `project`, made as Compose labels them."""
    label = f"com.docker.compose.project={project}"
    for argv in (
        ["network", "create", "--label", label, f"{project}_default"],
        ["volume", "create", "--label", label, f"{project}_data"],
        [
            "create",
            "--label",
            label,
            "--name",
            f"{project}-web-1",
            "debian:bookworm-slim",
            "true",
        ],
    ):
        subprocess.run(["docker", *argv], capture_output=True, check=True, timeout=60)


def _left(project: str) -> list[str]:
    return [*containers_of(project), *networks_of(project), *volumes_of(project)]


def test_a_killed_runs_leftovers_are_swept_and_a_live_runs_kept(
    tmp_path: Path, base_image: None
) -> None:
    killed, beside = unique_name("dhtest-killed"), unique_name("dhtest-beside")
    for project in (killed, beside):
        _leave(project)
    (tmp_path / "backups").mkdir()
    dump = tmp_path / "backups" / f"{killed}-20261206T120000Z-before-migrate.dump"
    dump.write_bytes(b"PGDMP")
    (tmp_path / "snapshots" / killed).mkdir(parents=True)
    try:
        # Four hours on: `killed` is stale; `beside` is not one of the
        # prefixes swept here, as a run beside this one would be too young.
        swept = sweep(
            tmp_path, NOW.now(timezone.utc) + timedelta(hours=4), prefixes=(killed,)
        )
        assert swept == {killed}
        assert _left(killed) == []
        assert not dump.exists() and not (tmp_path / "snapshots" / killed).exists()
        assert len(_left(beside)) == 3
        assert sweep(tmp_path, prefixes=(beside,)) == set()  # made just now
        assert len(_left(beside)) == 3
    finally:
        sweep(
            tmp_path,
            NOW.now(timezone.utc) + timedelta(hours=4),
            prefixes=(killed, beside),
        )
