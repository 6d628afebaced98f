"""Whole-stack snapshots: every named volume of the project under one name,
in snapshots/NAME/ with a manifest (time, sizes, git commit, migration
heads). The database's volume goes through its dump (consistent while it
runs); every other volume is archived with the services using it stopped
(Redis writes its dump when it stops). A restore checks every file first,
so a snapshot that fails its check changes nothing.

`inv snapshot.save`, `snapshot.list`, `snapshot.restore`, `snapshot.rm`; the
manifest's helpers first, the four commands at the end.

Longer than 350 lines: one subject, a snapshot's files and manifest, and the
four commands that write, read, check and remove them."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tarfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from dockhand.docker import compose, containers
from dockhand.docker.model import ComposeModel
from dockhand.errors import DockhandError
from dockhand.postgres import dumps
from dockhand.session import Session
from dockhand.steps.backups import dump
from dockhand.steps.confirm import confirm
from dockhand.steps.database import ready
from dockhand.steps.restore import check_dump, check_file
from dockhand.steps.restore import restore as restore_database
from dockhand.ui import console, sizes

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
MANIFEST = "manifest.json"


@dataclass(frozen=True)
class Volume:
    name: str  # the engine's name, e.g. shop_db-data
    services: tuple[str, ...]  # the services that mount it
    database: bool  # the configured database's volume: saved as its dump


def project_volumes(
    model: ComposeModel, project: str, database: str | None
) -> list[Volume]:
    """Pure: the named volumes the services mount, with who mounts them."""
    users: dict[str, list[str]] = {}
    for service in model.by_name():
        for mount in service.volumes:
            if mount.type == "volume" and mount.source:
                users.setdefault(mount.source, []).append(service.name)
    return [
        Volume(
            model.volume_name(source, project), tuple(services), database in services
        )
        for source, services in sorted(users.items())
    ]


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


def list_(s: Session, as_json: bool) -> None:
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


def _volumes(s: Session) -> list[Volume]:
    model = s.ask_model()
    if model is None:
        raise DockhandError(
            "snapshots need Compose v2 or newer (the model of the project)",
            hint=f"this machine runs {s.find_compose()}; install the Compose v2 plugin",
        )
    database = s.settings.database.service if s.settings.database else None
    found = project_volumes(model, s.settings.project, database)
    if not found:
        raise DockhandError(
            f"project {s.settings.project!r} has no named volumes to snapshot",
            hint="snapshots keep named volumes (services' `volumes:` of type volume)",
        )
    return found


def _stream(s: Session, argv: list[str], what: str, **io: object) -> None:
    if not s.runner.run(argv, **io).ok:  # type: ignore[arg-type]
        raise DockhandError(what, hint="docker's message is above")


def _stopped(s: Session, services: Sequence[str], running: set[str]) -> list[str]:
    """Stop those of `services` that run; return them, to start again."""
    stop = sorted(set(services) & running)
    if stop:
        console.step(f"stopping {', '.join(stop)} while its volume is copied")
        argv = [*compose.base(s.find_compose(), s.project), "stop", *stop]
        _stream(s, argv, f"could not stop {', '.join(stop)}")
    return stop


def _start(s: Session, services: Sequence[str]) -> None:
    if services:
        argv = [*compose.base(s.find_compose(), s.project), "start", *services]
        _stream(s, argv, f"could not start {', '.join(services)} again")


def save(s: Session, name: str | None) -> None:
    stamp = dumps.timestamp(datetime.now(timezone.utc))
    name = check_name(name or stamp)
    where = folder(s) / name
    if where.exists():
        raise DockhandError(
            f"a snapshot named {name!r} exists already",
            hint=f"choose another name, or `inv snapshot.rm {name}` first",
        )
    s.require_engine()
    volumes = _volumes(s)
    if s.runner.dry:
        for volume in volumes:
            how = "its dump" if volume.database else "an archive, its services stopped"
            console.status(
                f"would save {volume.name} ({', '.join(volume.services)}) as {how}"
            )
        return
    states = s.states()
    running = {st.service for st in states if st.state == "running"}
    images = {st.service: st.image for st in states if st.image}
    partial = where.with_name(f".{name}.partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True, mode=0o700)
    entries = []
    try:
        for volume in volumes:
            file = f"{volume.name}.{'dump' if volume.database else 'tar'}"
            console.step(f"saving volume {volume.name} ({', '.join(volume.services)})")
            if volume.database:
                target = ready(s)
                dump(s, target, target.name, partial / file)
            else:
                image = next((images[x] for x in volume.services if x in images), None)
                if image is None:
                    raise DockhandError(
                        f"no container of {', '.join(volume.services)} to copy "
                        f"{volume.name} with",
                        hint="start the stack with `inv up` first",
                    )
                stopped = _stopped(s, volume.services, running)
                try:
                    fd = os.open(partial / file, os.O_WRONLY | os.O_CREAT, 0o600)
                    with os.fdopen(fd, "wb") as out:
                        argv = containers.volume_tar_argv(volume.name, image)
                        _stream(s, argv, f"could not copy {volume.name}", stdout=out)
                finally:
                    _start(s, stopped)
            path = partial / file
            entries.append(
                {
                    "volume": volume.name,
                    "services": list(volume.services),
                    "kind": "postgres" if volume.database else "tar",
                    "file": file,
                    "size": path.stat().st_size,
                    "sha256": sha256(path),
                }
            )
        manifest = {
            "name": name,
            "project": s.settings.project,
            "created": now_utc(),
            "git_commit": git_commit(s.settings.root, s),
            "migrations": migration_heads(s, running),
            "entries": entries,
        }
        (partial / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
        partial.rename(where)
    finally:
        shutil.rmtree(partial, ignore_errors=True)
    total = sum(int(e["size"]) for e in entries)  # type: ignore[call-overload]
    console.ok(f"saved snapshot {name!r}: {len(entries)} volumes, {sizes.size(total)}")
    console.status(f"  restore it with: inv snapshot.restore {name}")


def restore(s: Session, name: str, *, yes: bool) -> None:
    where, manifest = load(s, name)
    s.require_engine()
    console.step(f"checking snapshot {name!r}")
    verify(s, where, manifest)
    entries = manifest.get("entries", [])
    items = [
        f"{e['volume']} ({', '.join(e['services'])}): replaced by the snapshot's "
        f"{sizes.size(int(e['size']))}"
        for e in entries
    ]
    items.append(
        f"taken {manifest.get('created')} at commit {manifest.get('git_commit') or '?'}"
    )
    if not confirm(
        s,
        yes=yes,
        action=f"inv snapshot.restore {name}",
        warning=f"snapshot.restore replaces the data of project {s.settings.project!r}:",
        items=items,
        what="restore the snapshot",
    ):
        return
    states = s.states()
    running = {st.service for st in states if st.state == "running"}
    images = {st.service: st.image for st in states if st.image}
    for entry in entries:
        path = where / entry["file"]
        if entry["kind"] == "postgres":
            restore_database(s, str(path), yes=True)
            continue
        image = next((images[x] for x in entry["services"] if x in images), None)
        if image is None:
            raise DockhandError(
                f"no container of {', '.join(entry['services'])} to restore "
                f"{entry['volume']} with",
                hint="start the stack with `inv up` first",
            )
        stopped = _stopped(s, entry["services"], running)
        try:
            console.step(f"restoring volume {entry['volume']}")
            with path.open("rb") as archive:
                argv = containers.volume_untar_argv(entry["volume"], image)
                _stream(s, argv, f"could not restore {entry['volume']}", stdin=archive)
        finally:
            _start(s, stopped)
    console.ok(f"restored snapshot {name!r}")


def rm(s: Session, name: str, *, yes: bool) -> None:
    where, manifest = load(s, name)
    total = sum(int(e.get("size", 0)) for e in manifest.get("entries", []))
    if not confirm(
        s,
        yes=yes,
        action=f"inv snapshot.rm {name}",
        warning="snapshot.rm deletes this snapshot:",
        items=[f"{where} ({sizes.size(total)}, taken {manifest.get('created')})"],
        what="delete the snapshot",
    ):
        return
    if not s.runner.dry:
        shutil.rmtree(where)
    console.ok(f"removed snapshot {name!r}")
