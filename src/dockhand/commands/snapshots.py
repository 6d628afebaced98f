"""Whole-stack snapshots: every named volume of the project under one name,
in snapshots/NAME/ with a manifest (time, sizes, git commit, migration
heads). The database's volume goes through its dump (consistent while it
runs); every other volume is archived with the services using it stopped
(Redis writes its dump when it stops). A restore checks every file first,
so a snapshot that fails its check changes nothing."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import tarfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from dockhand.docker import compose
from dockhand.errors import DockhandError
from dockhand.session import Session
from dockhand.ui import console, sizes

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
MANIFEST = "manifest.json"


@dataclass(frozen=True)
class Volume:
    name: str  # the engine's name, e.g. shop_db-data
    services: tuple[str, ...]  # the services that mount it
    database: bool  # the configured database's volume: saved as its dump


def project_volumes(
    model: Mapping[str, Any], project: str, database: str | None
) -> list[Volume]:
    """Pure: the named volumes the services mount, with who mounts them."""
    declared = model.get("volumes") or {}
    users: dict[str, list[str]] = {}
    for service, spec in sorted((model.get("services") or {}).items()):
        for mount in spec.get("volumes") or ():
            if isinstance(mount, Mapping) and mount.get("type") == "volume":
                source = str(mount.get("source") or "")
                if source:
                    users.setdefault(source, []).append(service)
    found = []
    for source, services in sorted(users.items()):
        name = str((declared.get(source) or {}).get("name") or f"{project}_{source}")
        found.append(Volume(name, tuple(services), database in services))
    return found


def check_name(name: str) -> str:
    if not _NAME.match(name):
        raise DockhandError(
            f"{name!r} is not a snapshot name",
            hint="use letters, digits, '.', '_' and '-' (up to 64), e.g. before-upgrade",
        )
    return name


def folder(s: Session) -> Path:
    return s.settings.root / "snapshots" / s.settings.project


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def git_commit(root: Path, s: Session) -> str:
    if shutil.which("git") is None:
        return ""
    result = s.runner.capture(["git", "-C", str(root), "rev-parse", "HEAD"], timeout=10)
    return result.stdout.strip() if result.ok else ""


def migration_heads(s: Session, running: set[str]) -> dict[str, list[str]]:
    """Each migration's status output, as the snapshot's record of where the
    schema stood (e.g. `0001 (head)`)."""
    heads = {}
    for migration in s.settings.migrations:
        if migration.status is None or migration.service not in running:
            continue
        argv = compose.exec_(
            s.find_compose(), s.project, migration.service, migration.status, tty=False
        )
        result = s.runner.capture(argv, timeout=120)
        if result.ok:
            lines = (result.stdout + result.stderr).splitlines()
            heads[migration.label] = [line.strip() for line in lines if line.strip()][
                -5:
            ]
    return heads


def load(s: Session, name: str) -> tuple[Path, dict[str, Any]]:
    where = folder(s) / check_name(name)
    try:
        manifest = json.loads((where / MANIFEST).read_text())
    except OSError:
        known = ", ".join(sorted(p.name for p in folder(s).glob("*") if p.is_dir()))
        raise DockhandError(
            f"no snapshot {name!r} of project {s.settings.project!r}",
            hint=f"snapshots: {known or 'none'} (inv snapshot.list)",
        ) from None
    except ValueError as exc:
        raise DockhandError(
            f"snapshot {name!r}: its {MANIFEST} is not JSON ({exc}); nothing was changed",
            hint=f"remove it with `inv snapshot.rm {name}`",
        ) from None
    return where, dict(manifest)


def listing(s: Session) -> list[dict[str, Any]]:
    found = []
    for manifest in sorted(folder(s).glob(f"*/{MANIFEST}")):
        try:
            data = dict(json.loads(manifest.read_text()))
        except (OSError, ValueError):
            continue
        data["size"] = sum(int(e.get("size", 0)) for e in data.get("entries", []))
        found.append(data)
    return sorted(found, key=lambda d: str(d.get("created", "")))


def show(s: Session, as_json: bool) -> None:
    found = listing(s)
    if as_json:
        console.print_data(json.dumps(found, indent=2))
        return
    if not found:
        console.status("no snapshots yet; take one with `inv snapshot.save`")
        return
    console.table(
        ("NAME", "TAKEN (UTC)", "SIZE", "COMMIT", "VOLUMES"),
        [
            [
                str(data.get("name")),
                str(data.get("created", ""))[:19].replace("T", " "),
                sizes.size(int(data["size"])),
                str(data.get("git_commit", ""))[:10] or "-",
                ", ".join(str(e["volume"]) for e in data.get("entries", [])),
            ]
            for data in found
        ],
    )


def verify(s: Session, where: Path, manifest: Mapping[str, Any]) -> None:
    """Every file present, of its recorded size and hash, and readable as
    what it claims to be; else one line and nothing changed."""
    from dockhand.steps.database import ready
    from dockhand.steps.restore import check_dump, check_file

    name = manifest.get("name")
    for entry in manifest.get("entries", []):
        path = where / str(entry["file"])
        if (
            not path.is_file()
            or path.stat().st_size != entry["size"]
            or sha256(path) != entry["sha256"]
        ):
            raise DockhandError(
                f"snapshot {name!r}: {entry['file']} is missing or not the file saved "
                "(size or checksum differs); nothing was changed",
                hint=f"this snapshot cannot be restored; remove it with `inv snapshot.rm {name}`",
            )
        if entry["kind"] == "tar":
            try:
                with tarfile.open(path) as archive:
                    for _ in archive:
                        pass
            except (tarfile.TarError, OSError) as exc:
                raise DockhandError(
                    f"snapshot {name!r}: {entry['file']} is not a readable archive ({exc}); "
                    "nothing was changed",
                    hint=f"remove it with `inv snapshot.rm {name}`",
                ) from None
        else:
            check_file(path)
            check_dump(s, ready(s), path)


def images_of(s: Session, services: Sequence[str]) -> dict[str, str]:
    """The image each running service's container runs (for tar helpers)."""
    return {
        state.service: state.image for state in s.states(list(services)) if state.image
    }


def now_utc() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")
