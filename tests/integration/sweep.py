"""The sweep a test run starts with: what an earlier run left behind when it
was killed before its own clean-up (a stopped CI, a Ctrl-C), found by the
Compose project names the tests and bench/ give (`dhtest-...`, `bench-...`):
containers, networks, volumes and images on the engine, and dumps and
snapshots in the repository.

Only projects whose newest trace is older than a run can last are swept
(CI stops a run at 90 minutes), so a run beside this one, on the same
engine or checkout, keeps everything it has.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

# The prefixes of harness.unique_name's callers and of bench/'s projects.
PREFIXES = ("dhtest-", "dhsetup-", "dhholder-", "bench-")
MAX_AGE = timedelta(hours=3)
PROJECT = "com.docker.compose.project"
# backups/<project>-<UTC time>[-label].dump (postgres/dumps.py), and the
# hidden partial one a dump writes first.
DUMP = re.compile(r"^\.?(?P<project>.+?)-\d{8}T\d{6}Z")


@dataclass(frozen=True)
class Trace:
    """One thing a project left: an engine object (`kind`, its id) or a file."""

    project: str
    made: datetime
    kind: str  # container, network, volume, file
    ref: str


def stale(
    traces: Iterable[Trace],
    now: datetime,
    prefixes: tuple[str, ...] = PREFIXES,
    max_age: timedelta = MAX_AGE,
) -> set[str]:
    """The projects that carry one of `prefixes` and whose newest trace is
    older than `max_age`."""
    newest: dict[str, datetime] = {}
    for trace in traces:
        if trace.project.startswith(prefixes):
            newest[trace.project] = max(
                trace.made, newest.get(trace.project, trace.made)
            )
    return {project for project, made in newest.items() if now - made > max_age}


def engine_time(text: str) -> datetime:
    """The engine's times: `2026-12-06 18:57:57 +0000 UTC` in the CLI's
    listings (networks' with a fraction), RFC 3339 in `volume inspect`."""
    text = text.strip()
    if text.endswith(" UTC"):
        day, clock, offset = text.removesuffix(" UTC").split(" ")
        offset = f"{offset[:3]}:{offset[3:]}"  # +0000: Python 3.10 reads +00:00 only
        return datetime.fromisoformat(f"{day}T{clock.split('.')[0]}{offset}")
    return datetime.fromisoformat(re.sub(r"\.\d+", "", text).replace("Z", "+00:00"))


def _docker(*args: str) -> str:
    return subprocess.run(
        ["docker", *args], capture_output=True, text=True, timeout=300, check=False
    ).stdout


def _rows(*args: str) -> list[dict[str, str]]:
    listed = _docker(*args, "--filter", f"label={PROJECT}", "--format", "{{json .}}")
    return [json.loads(line) for line in listed.splitlines() if line.strip()]


def _label(labels: str, name: str) -> str:
    """One label's value from a listing's `k=v,k=v`."""
    for pair in labels.split(","):
        key, _, value = pair.partition("=")
        if key == name:
            return value
    return ""


def traces(repo: Path) -> list[Trace]:
    """Every trace of every Compose project on the engine and in `repo`."""
    found = [
        Trace(
            _label(row["Labels"], PROJECT),
            engine_time(row["CreatedAt"]),
            kind,
            row["ID"],
        )
        for kind, listing in (
            ("container", ("ps", "-a")),
            ("network", ("network", "ls")),
        )
        for row in _rows(*listing)
    ]
    if names := _docker("volume", "ls", "-q", "--filter", f"label={PROJECT}").split():
        for volume in json.loads(_docker("volume", "inspect", *names) or "[]"):
            project = (volume.get("Labels") or {}).get(PROJECT, "")
            found.append(
                Trace(
                    project, engine_time(volume["CreatedAt"]), "volume", volume["Name"]
                )
            )
    for path in (repo / "backups").glob("*"):
        if match := DUMP.match(path.name):
            made = datetime.fromtimestamp(path.stat().st_mtime, timezone.utc)
            found.append(Trace(match["project"], made, "file", str(path)))
    for path in (repo / "snapshots").glob("*"):
        made = datetime.fromtimestamp(path.stat().st_mtime, timezone.utc)
        found.append(Trace(path.name, made, "file", str(path)))
    return found


def sweep(
    repo: Path,
    now: datetime | None = None,
    prefixes: tuple[str, ...] = PREFIXES,
    max_age: timedelta = MAX_AGE,
) -> set[str]:
    """Remove every trace of the stale projects, and their images; returns
    the projects swept."""
    found = traces(repo)
    gone = stale(found, now or datetime.now(timezone.utc), prefixes, max_age)
    left = [trace for trace in found if trace.project in gone]
    if ids := [t.ref for t in left if t.kind == "container"]:
        _docker("rm", "-f", *ids)
    if ids := [t.ref for t in left if t.kind == "network"]:
        _docker("network", "rm", *ids)
    if ids := [t.ref for t in left if t.kind == "volume"]:
        _docker("volume", "rm", "-f", *ids)
    # Compose names a project's images PROJECT-SERVICE (v1: PROJECT_SERVICE).
    images = _docker("image", "ls", "--format", "{{.Repository}}:{{.Tag}}").split()
    if tags := [
        tag for tag in images for p in gone if tag.startswith((f"{p}-", f"{p}_"))
    ]:
        _docker("image", "rm", *tags)
    for trace in left:
        if trace.kind == "file":
            path = Path(trace.ref)
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
    return gone
