"""dockhand's own copier for `inv watch`, where Compose's watch cannot sync
into the service's user (dockhand.docker.sync_probe says where).

It sends the changed files as a tar archive whose entries already carry
the container user's uid and gid (`docker cp -`), so the files belong to
the service's user, deletes in the container what was deleted in the tree
(as root: the service's user may not write the folder), then restarts the service
(sync+restart) or rebuilds it (rebuild).

The working tree is looked at every POLL seconds (a stat of each file, no
read): no inotify binding is among the dependencies.
"""

from __future__ import annotations

import json
import os
import tarfile
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO

from dockhand.docker import compose, compose_cache, containers
from dockhand.docker.compose import Project
from dockhand.docker.dockerignore import ignore_rules
from dockhand.docker.model import ComposeModel, parse
from dockhand.errors import DockhandError
from dockhand.session import Session
from dockhand.steps import sources, stale
from dockhand.ui import console

POLL = 0.2
JUNK = ("**/__pycache__", "**/*.pyc", "**/.*.swp", "**/*~")

Stamps = dict[str, tuple[int, int, int]]


@dataclass(frozen=True)
class Rule:
    service: str
    action: str  # sync, sync+restart, rebuild
    path: Path
    target: str | None
    ignore: tuple[str, ...] = ()


def rules_of(model: ComposeModel, names: Sequence[str]) -> list[Rule]:
    """Pure: the develop.watch rules of the services named (all without)."""
    return [
        Rule(
            service.name, rule.action, Path(rule.path), rule.target or None, rule.ignore
        )
        for service in model.by_name()
        if not names or service.name in names
        for rule in service.watch
    ]


def stamps(rule: Rule) -> Stamps:
    """Each file under the rule's path (or the file itself): its stat."""
    if rule.path.is_file():
        info = rule.path.stat()
        return {"": (info.st_ino, info.st_size, info.st_mtime_ns)}
    rules = ignore_rules("\n".join((*rule.ignore, *JUNK)))
    return {
        rel: (info.st_ino, info.st_size, info.st_mtime_ns)
        for rel, info, _ in sources.walk(rule.path, rules)
    }


def changed(old: Stamps, new: Stamps) -> list[str]:
    """Pure: files added or changed."""
    return sorted(rel for rel, stamp in new.items() if old.get(rel) != stamp)


def removed(old: Stamps, new: Stamps) -> list[str]:
    """Pure: files that were there and are not any more."""
    return sorted(set(old) - set(new))


def inside(rule: Rule, rel: str) -> str:
    """Pure: where a file of the rule's path is in the container."""
    assert rule.target is not None
    return f"{rule.target.rstrip('/')}/{rel}" if rel else rule.target


def archive(
    rule: Rule, rels: Sequence[str], uid: int, gid: int, out: IO[bytes]
) -> None:
    """A tar of the changed files at their place in the container, owned by
    the container's user, with their modes."""
    with tarfile.open(fileobj=out, mode="w") as tar:
        for rel in rels:
            source = rule.path / rel
            info = tar.gettarinfo(str(source), arcname=inside(rule, rel).lstrip("/"))
            info.uid, info.gid, info.uname, info.gname = uid, gid, "", ""
            with source.open("rb") as handle:
                tar.addfile(info, handle)


def user_ids(s: Session, service: str) -> tuple[int, int]:
    """The uid and gid the service's container runs as (a name resolved in it)."""
    ids = []
    for flag in ("-u", "-g"):
        argv = compose.exec_(
            s.find_compose(), s.project, service, ["id", flag], tty=False
        )
        result = s.runner.capture(argv, timeout=30)
        if not result.ok or not result.stdout.strip().isdigit():
            raise DockhandError(
                f"{service}: could not find the user its container runs as",
                hint=f"is {service} running? start it with `inv up {service}`",
            )
        ids.append(int(result.stdout.strip()))
    return ids[0], ids[1]


def shown(names: Sequence[str]) -> str:
    """Pure: the first few names, the rest counted."""
    more = f" (+{len(names) - 3})" if len(names) > 3 else ""
    return ", ".join(names[:3]) + more


def step(
    s: Session,
    service: str,
    rules: Sequence[Rule],
    seen: dict[Rule, Stamps],
    ids: Mapping[str, tuple[int, int]],
) -> None:
    """One look at one service's rules: sync, delete, restart or rebuild."""

    synced: list[str] = []
    deleted: list[str] = []
    restart = rebuild = False
    for rule in rules:
        now = stamps(rule)
        files, gone = changed(seen[rule], now), removed(seen[rule], now)
        seen[rule] = now
        if not files and not gone:
            continue
        if rule.action == "rebuild" or rule.target is None:
            rebuild = True
            continue
        container = {st.service: st for st in s.states([service])}.get(service)
        if container is None:
            console.warn(
                f"{service} is not running: {len(files) + len(gone)} changes not synced"
            )
            continue
        if files and not copy_in(s, rule, files, ids[service], container.container):
            console.warn(f"{service}: could not sync {shown(files)}")
            continue
        rm = containers.delete_argv(
            container.container, [inside(rule, r) for r in gone]
        )
        if gone and not s.runner.run(rm).ok:
            console.warn(f"{service}: could not delete {shown(gone)}")
            continue
        synced += files
        deleted += gone
        restart = restart or rule.action == "sync+restart"
    started = time.monotonic()
    if rebuild:
        console.step(f"{service}: what its image is built from changed; rebuilding")
        stale.build_labelled(s, [service])
        s.runner.run([*compose.up(s.find_compose(), s.project, [service]), "--no-deps"])
    elif synced or deleted:
        said = [
            *([f"synced {shown(synced)}"] if synced else []),
            *([f"deleted {shown(deleted)}"] if deleted else []),
            *(["restarting"] if restart else []),
        ]
        console.step(f"{service}: {'; '.join(said)}")
        if restart:
            restart_service(s, service)
        remember_synced(s, service)
    if rebuild or synced or deleted:
        console.ok(f"{service} updated in {time.monotonic() - started:.1f} s")


def restart_service(s: Session, service: str) -> None:
    """The engine's own restart: no Compose start-up on the way. The names
    `docker restart` prints are not shown: the step line said it."""
    with open(os.devnull, "wb") as nowhere:
        for state in s.states([service]):
            argv = containers.restart_argv(state.container, seconds=2)
            s.runner.run(argv, stdout=nowhere)


def copy_in(
    s: Session, rule: Rule, files: Sequence[str], ids: tuple[int, int], container: str
) -> bool:
    with tempfile.TemporaryFile() as tar:
        archive(rule, files, *ids, tar)
        tar.seek(0)
        argv = containers.cp_in_argv("-", container, "/")
        return s.runner.run(argv, stdin=tar).ok


def remember_synced(s: Session, service: str) -> None:
    """The container now runs the working tree's sources: noted by its id,
    so `inv ps` judges what it runs (ops.stale), not its older image."""

    wanted = stale.builds(stale.build_model(s), [service])
    if service not in wanted:
        return
    digest = sources.read(
        wanted[service], compose_cache.location(), s.settings.root
    ).digest
    for state in s.states([service]):
        sources.remember_synced(compose_cache.location(), state.id, digest)


def watch_model(s: Session) -> tuple[Project, ComposeModel]:
    """The project with the watch files added (Compose v2+ only), and its
    model (`inv watch`; `inv debug` reads the sync rules' folders)."""
    if s.find_compose().is_v1:
        raise DockhandError(
            "inv watch needs Compose v2 or newer (develop.watch)",
            hint=f"this machine runs {s.find_compose()}; install the Compose v2 plugin",
        )
    extra = tuple(s.settings.root / f for f in s.settings.watch_files)
    for path in extra:
        if not path.is_file():
            raise DockhandError(
                f"watch file {path} not found", hint="fix dockhand.watch_files"
            )
    project = replace(s.project, files=(*s.project.files, *extra))
    result = s.runner.capture(
        compose.config_json(s.find_compose(), project), timeout=60
    )
    if not result.ok:
        said = (result.stderr.strip() or "no output").splitlines()[-1]
        raise DockhandError(f"Compose could not load the project: {said}", hint="")

    return project, parse(json.loads(result.stdout))
