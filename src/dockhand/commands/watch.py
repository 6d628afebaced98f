"""`inv watch`: the running services kept in step with the working tree,
by the rules of the compose files' own `develop.watch`.

Compose's `watch` syncs through the engine's archive API asking it to look
up the container user's uid (getent), which engine 20.10 cannot do for a
non-root USER: every sync fails. dockhand sends the changed files as a tar
archive whose entries already carry the container user's uid and gid
(`docker cp -`), so the files belong to the service's user, then restarts
the service (sync+restart) or rebuilds it (rebuild).

The working tree is looked at every POLL seconds (a stat of each file, no
read): no inotify binding is among the dependencies.
"""

from __future__ import annotations

import json
import tarfile
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO

from dockhand.docker import compose, compose_cache, containers
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
    """Pure: files added or changed (a removed file is not removed inside)."""
    return sorted(rel for rel, stamp in new.items() if old.get(rel) != stamp)


def archive(
    rule: Rule, rels: Sequence[str], uid: int, gid: int, out: IO[bytes]
) -> None:
    """A tar of the changed files at their place in the container, owned by
    the container's user, with their modes."""
    assert rule.target is not None
    with tarfile.open(fileobj=out, mode="w") as tar:
        for rel in rels:
            source = rule.path / rel
            info = tar.gettarinfo(
                str(source), arcname=f"{rule.target.strip('/')}/{rel}"
            )
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


def watch(s: Session, names: Sequence[str]) -> None:
    s.require_engine()
    model = watch_model(s)
    found = rules_of(model, s.check_services(names))
    if not found:
        raise DockhandError(
            "no service has develop.watch rules",
            hint="add develop.watch to a compose file (see docs/daily.md#live-code) "
            "and list it in dockhand.watch_files",
        )
    services = sorted({rule.service for rule in found})
    if s.runner.dry:
        for rule in found:
            console.status(
                f"would watch {rule.path} for {rule.service} ({rule.action})"
            )
        return
    running = {st.service: st for st in s.states(services) if st.state == "running"}
    missing = [name for name in services if name not in running]
    if missing:
        raise DockhandError(
            f"not running: {', '.join(missing)}", hint="start them with `inv up`"
        )
    ids = {name: user_ids(s, name) for name in services}
    seen = {rule: stamps(rule) for rule in found}
    console.ok(f"watching {', '.join(services)} (Ctrl-C to stop)")
    while True:
        time.sleep(POLL)
        for service in services:
            step(s, service, [r for r in found if r.service == service], seen, ids)


def step(
    s: Session,
    service: str,
    rules: Sequence[Rule],
    seen: dict[Rule, Stamps],
    ids: Mapping[str, tuple[int, int]],
) -> None:
    """One look at one service's rules: sync, restart or rebuild."""

    synced: list[str] = []
    restart = rebuild = False
    for rule in rules:
        now = stamps(rule)
        files = changed(seen[rule], now)
        seen[rule] = now
        if not files:
            continue
        if rule.action == "rebuild" or rule.target is None:
            rebuild = True
            continue
        container = {st.service: st for st in s.states([service])}.get(service)
        if container is None:
            console.warn(f"{service} is not running: {len(files)} changes not synced")
            continue
        with tempfile.TemporaryFile() as tar:
            archive(rule, files, *ids[service], tar)
            tar.seek(0)
            argv = containers.cp_in_argv("-", container.container, "/")
            if not s.runner.run(argv, stdin=tar).ok:
                console.warn(f"{service}: could not sync {', '.join(files[:3])}")
                continue
        synced += files
        restart = restart or rule.action == "sync+restart"
    started = time.monotonic()
    if rebuild:
        console.step(f"{service}: what its image is built from changed; rebuilding")
        stale.build_labelled(s, [service])
        s.runner.run([*compose.up(s.find_compose(), s.project, [service]), "--no-deps"])
    elif synced:
        shown = ", ".join(synced[:3]) + (
            f" (+{len(synced) - 3})" if len(synced) > 3 else ""
        )
        console.step(f"{service}: synced {shown}" + ("; restarting" if restart else ""))
        if restart:  # the engine's own restart: no Compose start-up on the way
            for state in s.states([service]):
                s.runner.run(containers.restart_argv(state.container, seconds=2))
        remember_synced(s, service)
    if rebuild or synced:
        console.ok(f"{service} updated in {time.monotonic() - started:.1f} s")


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


def watch_model(s: Session) -> ComposeModel:
    """The model with the watch files added (Compose v2+ only)."""

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

    return parse(json.loads(result.stdout))
