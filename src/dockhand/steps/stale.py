"""Stale images: a service whose image (or running container) was built from
other sources than the working tree has now, found by the digest label
dockhand puts on every image it builds (dockhand.steps.sources), and rebuilt.

An image built without dockhand has no label: it is judged by time, stale
when a file it is built from is newer than the image.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from dockhand.docker import compose, compose_cache, containers
from dockhand.docker.image import image_of, short_tag
from dockhand.docker.states import ServiceState, parse_time
from dockhand.session import Session
from dockhand.steps import readiness, sources
from dockhand.ui import console

if TYPE_CHECKING:
    from dockhand.docker.model import Build, ComposeModel

SHOWN = 3  # changed files named in the one line; the rest counted


@dataclass(frozen=True)
class Stale:
    service: str
    why: str  # e.g. "app/main.py, app/db.py changed"

    def line(self) -> str:
        return f"{self.service} is stale: {self.why}"


@dataclass(frozen=True)
class Image:
    """What `docker image inspect` says of one image."""

    digest: str  # its sources label, "" without one
    created: float  # seconds since the epoch


def builds(found: ComposeModel | None, names: Sequence[str]) -> dict[str, Build]:
    """Pure: the services `names` starts (with what they depend on; all
    without names) that Compose builds, and how."""
    if found is None:
        return {}
    wanted = readiness.scope(found, names).services or frozenset()
    return {
        service.name: service.build
        for service in found.built()
        if service.build is not None and service.name in wanted
    }


_KEPT = ("build", "image", "depends_on", "profiles")


def build_model(s: Session) -> ComposeModel | None:
    """The Compose model, of which the part the check reads (what each
    service builds, its image, what it depends on) is remembered by a fingerprint of
    everything the model comes from (compose_cache.model_fingerprint), so an
    unchanged project asks Compose nothing before `up`. None under v1."""
    if s.find_compose().is_v1:
        return None
    key, tag = compose_cache.project_fingerprint(s.find_compose(), s.project)
    folder = compose_cache.location()
    name = f"model-{tag}.json"
    if key is not None and not s.model_loaded():
        text = compose_cache.recall_text(key, folder, name)
        if text is not None:
            from dockhand.docker import model  # its types only once a model is read

            return model.parse(dict(json.loads(text)))
    found = s.ask_model()
    if found is None:
        return None
    if key is not None:
        kept = {
            "name": found.name,
            "services": {
                service: {k: spec.raw[k] for k in _KEPT if k in spec.raw}
                for service, spec in found.services.items()
            },
        }
        compose_cache.remember_text(key, json.dumps(kept), folder, name)
    return found


def parse_images(text: str) -> dict[str, Image]:
    """Pure: `docker image inspect` output -> each RepoTag and id -> Image."""
    try:
        found = json.loads(text or "[]")
    except ValueError:
        return {}
    images: dict[str, Image] = {}
    for inspected in map(image_of, found if isinstance(found, list) else ()):
        created = parse_time(inspected.created)
        image = Image(
            inspected.labels.get(sources.LABEL, ""),
            created.timestamp() if created else 0.0,
        )
        tags = dict.fromkeys([*inspected.tags, *map(short_tag, inspected.tags)])
        for key in [inspected.id, *tags]:
            images[key] = image
            if ":" in key and key.endswith(":latest"):
                images[key[: -len(":latest")]] = image
    return images


def _names(files: Sequence[str]) -> str:
    shown = ", ".join(files[:SHOWN])
    more = len(files) - SHOWN
    return f"{shown} (+{more} more)" if more > 0 else shown


def judge(
    service: str,
    now: sources.Sources,
    image: Image | None,
    built_from: Mapping[str, str] | None,
) -> Stale | None:
    """Pure: whether `image` is older than the sources `now` (None: fresh).
    `built_from`: the entries of the image's digest, when they are known."""
    if image is None:
        return Stale(service, "no image yet")
    if image.digest:
        if image.digest == now.digest:
            return None
        if built_from is None:
            return Stale(service, "built from other sources (which files: unknown)")
        return Stale(service, f"{_names(changed(built_from, now.entries))} changed")
    newer = sorted(name for name, m in now.mtimes.items() if m > image.created)
    if not newer:
        return None
    return Stale(service, f"{_names(newer)} newer than its image")


def changed(old: Mapping[str, str], new: Mapping[str, str]) -> list[str]:
    return sources.changed(old, new)


def find(
    s: Session,
    names: Sequence[str],
    *,
    running: bool = False,
    seen: Sequence[ServiceState] | None = None,
) -> tuple[list[Stale], dict[str, sources.Sources]]:
    """The stale services among `names` (and what they depend on), judged
    by their images, or with `running` by what their containers run (`seen`:
    every container of the project, when the caller has just read them); and
    the sources read."""
    compose_model = build_model(s)
    wanted = builds(compose_model, names)
    if compose_model is None or not wanted:
        return [], {}
    folder = compose_cache.location()
    now = {name: sources.read(b, folder, s.settings.root) for name, b in wanted.items()}
    refs = {name: compose_model.image_of(name, s.settings.project) for name in wanted}
    synced: dict[str, str] = {}
    if running:
        looked = s.states(list(wanted)) if seen is None else seen
        for state in (state for state in looked if state.service in wanted):
            if state.image and state.state == "running":
                refs[state.service] = state.image
                synced[state.service] = sources.recall_synced(folder, state.id)
    images = parse_images(
        containers.inspect_images(s.runner, refs.values(), engine=s.read_engine)
    )
    stale = []
    for name, current in now.items():
        if synced.get(name) == current.digest:
            continue  # `inv watch` brought the container's code up to date
        image = images.get(refs[name])
        built_from = sources.recall(folder, image.digest) if image else None
        found = judge(name, current, image, built_from)
        if found is not None:
            stale.append(found)
    return stale, now


def label_file(digests: Mapping[str, str], folder: Path) -> Path:
    """A compose file that only adds the digest label to each build."""
    services = {
        name: {"build": {"labels": {sources.LABEL: digest}}}
        for name, digest in digests.items()
    }
    path = folder / f"labels-{os.getpid()}.yml"
    folder.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"services": services}))
    return path


def build_labelled(
    s: Session,
    names: Sequence[str],
    read: Mapping[str, sources.Sources] | None = None,
    *,
    no_cache: bool = False,
    pull: bool = False,
) -> None:
    """`compose build` of `names` (all without), each image labelled with
    the digest of its sources. Compose v1 and dry runs build unlabelled."""
    found = None if s.runner.dry else s.ask_model()
    wanted = builds(found, names)
    folder = compose_cache.location()
    read = dict(read or {})
    for name, build in wanted.items():
        if name not in read:
            read[name] = sources.read(build, folder, s.settings.root)
    project = s.project
    override = None
    if read and found is not None:
        for one in read.values():
            sources.remember(folder, one)
        override = label_file({n: r.digest for n, r in read.items()}, folder)
        project = replace(project, files=(*project.files, override))
    cli = s.find_compose()
    argv = compose.build(cli, project, list(names), no_cache=no_cache, pull=pull)
    try:
        s.runner.check(argv, "the build failed", hint="see Compose's output above")
    finally:
        if override is not None:
            override.unlink(missing_ok=True)


def report(found: Sequence[Stale], advice: str) -> None:
    for stale in found:
        console.warn(f"{stale.line()}; {advice}")


def before_up(
    s: Session, names: list[str], *, every: bool, no_build: bool = False
) -> None:
    """Before `up`: build every image it starts (`every`), or the stale ones
    (only named, with `no_build` or stale_images: warn)."""
    if every:
        wanted = sorted(builds(s.ask_model(), names))
        if wanted:
            build_labelled(s, wanted)
        return
    found, read = find(s, names)
    if not found:
        return
    if no_build or s.settings.stale_images == "warn":
        report(found, "`inv up --build` rebuilds it")
        return
    for one in found:
        console.step(f"{one.line()}; rebuilding")
    build_labelled(s, [one.service for one in found], read)


def warn(
    s: Session,
    names: list[str],
    advice: str,
    seen: Sequence[ServiceState] | None = None,
) -> None:
    """One line for each service whose running container is stale."""
    if s.runner.dry or s.settings.stale_images == "off" or s.find_compose().is_v1:
        return
    report(find(s, names, running=True, seen=seen)[0], advice)
