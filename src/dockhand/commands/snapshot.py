"""`inv snapshot.save`, `snapshot.restore` and `snapshot.rm` (the parts and
the checks are in ops.snapshots)."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Sequence
from datetime import datetime, timezone

from dockhand.commands import snapshots
from dockhand.commands.snapshots import MANIFEST, Volume
from dockhand.docker import compose, containers
from dockhand.errors import DockhandError
from dockhand.postgres import dumps
from dockhand.session import Session
from dockhand.ui import console, sizes


def _volumes(s: Session) -> list[Volume]:
    model = s.ask_model()
    if model is None:
        raise DockhandError(
            "snapshots need Compose v2 or newer (the model of the project)",
            hint=f"this machine runs {s.find_compose()}; install the Compose v2 plugin",
        )
    database = s.settings.database.service if s.settings.database else None
    found = snapshots.project_volumes(model, s.settings.project, database)
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
    from dockhand.steps.backups import dump
    from dockhand.steps.database import ready

    stamp = dumps.timestamp(datetime.now(timezone.utc))
    name = snapshots.check_name(name or stamp)
    where = snapshots.folder(s) / name
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
                    "sha256": snapshots.sha256(path),
                }
            )
        manifest = {
            "name": name,
            "project": s.settings.project,
            "created": snapshots.now_utc(),
            "git_commit": snapshots.git_commit(s.settings.root, s),
            "migrations": snapshots.migration_heads(s, running),
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
    from dockhand.steps.confirm import confirm
    from dockhand.steps.replace import restore as restore_database

    where, manifest = snapshots.load(s, name)
    s.require_engine()
    console.step(f"checking snapshot {name!r}")
    snapshots.verify(s, where, manifest)
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


def remove(s: Session, name: str, *, yes: bool) -> None:
    from dockhand.steps.confirm import confirm

    where, manifest = snapshots.load(s, name)
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
