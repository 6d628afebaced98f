"""`inv watch`: the running services kept in step with the working tree,
by the rules of the compose files' own `develop.watch`.

Compose's own watch (`docker compose watch`: inotify, deleted files
deleted, `initial_sync`, `ignore` as Compose reads it) wherever it syncs
into the service's user; dockhand's copier (dockhand.steps.copier) for a
service where it cannot. A probe decides, per service (a file copied the
way Compose copies, into a throwaway container of the service's image and
user: dockhand.docker.sync_probe), never a version number. The choice and
its reason are said in the first line.

On both paths dockhand adds what Compose's watch does not: one line per
service per change, the reason when an update fails, and the record that
the container now runs the working tree's code (so `inv ps` does not call
it stale, and `inv up` rebuilds its image before recreating it).
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from dockhand.docker import compose, compose_watch, containers, sync_probe
from dockhand.docker.states import ServiceState
from dockhand.errors import DockhandError
from dockhand.session import Session
from dockhand.steps import copier
from dockhand.steps.copier import Rule
from dockhand.ui import console

COMPOSE = "Compose's watch"
COPIER = "dockhand's copier"


def watch(s: Session, names: Sequence[str], *, use_copier: bool = False) -> None:
    s.require_engine()
    project, model = copier.watch_model(s)
    found = copier.rules_of(model, s.check_services(names))
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
    ids = {name: copier.user_ids(s, name) for name in services}
    fails = {} if use_copier else probe(s, found, running, ids)
    by_compose = [n for n in services if not use_copier and n not in fails]
    copied = [rule for rule in found if rule.service not in by_compose]
    first = start_line(by_compose, sorted({r.service for r in copied}), fails)
    seen = {rule: copier.stamps(rule) for rule in copied}

    def look() -> None:
        for service in sorted({rule.service for rule in copied}):
            rules = [r for r in copied if r.service == service]
            copier.step(s, service, rules, seen, ids)

    if not by_compose:
        console.ok(first)
        while True:
            time.sleep(copier.POLL)
            look()
    # Said once Compose's watch is on: a change saved before would be missed.
    follower = Follower(s, [r for r in found if r.service in by_compose], first)
    argv = compose.watch(s.find_compose(), project, by_compose)
    code = s.runner.follow(argv, follower.line, idle=look, every=copier.POLL)
    raise DockhandError(
        f"{COMPOSE} stopped (exit {code}): {follower.last or 'it said nothing'}",
        hint="run `inv watch` again; `inv watch --copier` uses dockhand's copier",
    )


def probe(
    s: Session,
    found: Sequence[Rule],
    running: Mapping[str, ServiceState],
    ids: Mapping[str, tuple[int, int]],
) -> dict[str, str]:
    """The services Compose's watch cannot sync into, each with the reason.
    A service without sync rules needs no probe: Compose only rebuilds it."""
    syncing = sorted({rule.service for rule in found if rule.target is not None})
    fails = {}
    for name in syncing:
        state = running[name]
        said = sync_probe.answer(
            s.runner, s.read_engine, state.image, state.user, ids[name]
        )
        if not said.works:
            fails[name] = said.why
    return fails


def start_line(
    by_compose: Sequence[str], copied: Sequence[str], fails: Mapping[str, str]
) -> str:
    """Pure: which path watches which services, and why, in one line."""
    parts = []
    if by_compose:
        parts.append(f"{', '.join(by_compose)} with {COMPOSE}")
    if copied:
        reasons = sorted({fails[n] for n in copied if n in fails})
        why = (
            f"{COMPOSE} fails here ({'; '.join(reasons)})"
            if reasons
            else "as --copier asks"
        )
        parts.append(f"{', '.join(copied)} with {COPIER}: {why}")
    return f"watching {'; '.join(parts)} (Ctrl-C to stop)"


@dataclass
class Follower:
    """Compose's watch output, line by line, turned into dockhand's: a line
    per service per change, the reason when it fails, the record of what
    the container runs at the end of each batch.

    Compose deletes a file as the service's user, who may not write the
    folder (the reference stack's /app is root's): the batch then fails
    before its restart. dockhand deletes those files as root and restarts
    the service itself, so a file deleted in the tree is gone here too."""

    s: Session
    rules: Sequence[Rule]
    first: str  # the start line, said when Compose says its watch is on
    started: dict[str, float] = field(default_factory=dict)
    gone: dict[str, list[str]] = field(default_factory=dict)
    restarted: set[str] = field(default_factory=set)
    deleted_by_us: set[str] = field(default_factory=set)
    failed: set[str] = field(default_factory=set)
    last: str = ""  # the last thing Compose said that was not routine

    def line(self, line: str) -> None:
        said = compose_watch.read(line)
        if said.kind == "enabled":
            console.ok(self.first)
        elif said.kind == "sync":
            (service,) = said.services
            self.started.setdefault(service, time.monotonic())
            rules = self.syncing(service)
            self.gone.setdefault(service, []).extend(
                where(p, rules) for p in said.paths if not Path(p).exists()
            )
            console.step(f"{service}: {synced(rules, said.paths)}")
        elif said.kind == "rebuild":
            for service in said.services:
                self.started.setdefault(service, time.monotonic())
                console.step(
                    f"{service}: what its image is built from changed; rebuilding"
                )
        elif said.kind == "restarted":
            self.restarted.update(said.services)
        elif said.kind == "failed":
            for service in said.services or tuple(self.started):
                self.fail(service, said.text)
        elif said.kind == "done":
            self.done(said.services or tuple(self.started))
        elif said.kind == "refused":
            pass  # Compose's delete as the service's user: dockhand deletes it
        elif said.kind in ("warning", "other") and said.text.strip():
            self.last = said.text.strip()
            (console.warn if said.kind == "warning" else console.status)(self.last)

    def syncing(self, service: str) -> list[Rule]:
        return [r for r in self.rules if r.service == service and r.target]

    def fail(self, service: str, text: str) -> None:
        rest = [t for t in text.splitlines() if "deleting paths in" not in t]
        if len(rest) < len(text.splitlines()) and self.delete(service):
            if not rest:
                return
            text = compose_watch.reason(rest[-1])
        self.failed.add(service)
        self.last = text
        console.warn(f"{service}: {COMPOSE} could not update it: {text}")

    def delete(self, service: str) -> bool:
        paths = [p for p in self.gone.get(service, []) if p]
        if not paths:
            return False
        for state in self.s.states([service]):
            if not self.s.runner.run(containers.delete_argv(state.container, paths)).ok:
                return False
        self.deleted_by_us.add(service)
        return True

    def done(self, services: Sequence[str]) -> None:
        for service in services:
            began = self.started.pop(service, None)
            self.gone.pop(service, None)
            ours = service in self.deleted_by_us
            self.deleted_by_us.discard(service)
            restarted = service in self.restarted
            self.restarted.discard(service)
            if began is None:
                continue
            if service in self.failed:
                self.failed.discard(service)
                continue
            restart = any(r.action == "sync+restart" for r in self.syncing(service))
            if ours and restart and not restarted:  # Compose stopped before it
                copier.restart_service(self.s, service)
            copier.remember_synced(self.s, service)
            console.ok(f"{service} updated in {time.monotonic() - began:.1f} s")


def synced(rules: Sequence[Rule], paths: Sequence[str]) -> str:
    """Pure: `synced a.py; deleted b.py; restarting`, the paths as the rule
    names them (Compose 2.26 names none)."""
    there = [relative(p, rules) for p in paths if Path(p).is_file()]
    gone = [relative(p, rules) for p in paths if not Path(p).exists()]
    said = []
    if there or not gone:
        said.append(f"synced {copier.shown(there)}" if there else "synced")
    if gone:
        said.append(f"deleted {copier.shown(gone)}")
    if any(r.action == "sync+restart" for r in rules):
        said.append("restarting")
    return "; ".join(said)


def where(path: str, rules: Sequence[Rule]) -> str:
    """Pure: a changed file's place in the container ("" outside every rule)."""
    for rule in rules:
        rel = below(path, rule)
        if rel is not None:
            return copier.inside(rule, "" if rel == "." else rel)
    return ""


def below(path: str, rule: Rule) -> str | None:
    """Pure: `path` relative to the rule's path (as written, or resolved:
    Compose names files by their resolved path), None when outside it."""
    for base in (rule.path, rule.path.resolve()):
        try:
            return str(Path(path).relative_to(base))
        except ValueError:
            continue
    return None


def relative(path: str, rules: Sequence[Rule]) -> str:
    """Pure: a changed file as its rule names it (its path below the rule's)."""
    for rule in rules:
        rel = below(path, rule)
        if rel is not None:
            return rel if rel != "." else Path(path).name
    return Path(path).name
