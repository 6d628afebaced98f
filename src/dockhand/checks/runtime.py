"""The checks of what was built and what runs: each built image is within the
size budget and has a non-root user, and no running container has a process
running as root."""

from __future__ import annotations

from dockhand.checks.facts import Facts
from dockhand.checks.result import (
    OK,
    SKIP,
    Check,
    Problem,
    from_problems,
    skipped_for,
)
from dockhand.docker.dockerfile import is_root
from dockhand.docker.image import InspectedImage
from dockhand.docker.model import Service
from dockhand.ui import sizes


def _images(
    name: str, facts: Facts
) -> Check | list[tuple[Service, InspectedImage | None]]:
    early = facts.needs_model(name)
    if early:
        return early
    if isinstance(facts.images, Problem):
        return skipped_for(name, facts.images)
    if not facts.builds:
        return Check(name, OK, "no service builds an image")
    return [(s, facts.images.get(s.name)) for s in facts.builds]


def _image_result(
    name: str,
    problems: list[tuple[str, str]],
    good: list[str],
    missing: list[str],
) -> Check:
    if problems:
        return from_problems(name, problems, "")
    if missing:
        checked = f"; checked: {', '.join(good)}" if good else ""
        return Check(
            name,
            SKIP,
            f"skipped: not built: {', '.join(missing)}{checked}",
            "build the images (`inv build`), then run `inv check` again",
        )
    return Check(name, OK, ", ".join(good))


def check_image_size(facts: Facts) -> Check:
    name = "image-size"
    images = _images(name, facts)
    if isinstance(images, Check):
        return images
    problems, good, missing = [], [], []
    budget = facts.settings.image_size_budget_mb
    for service, image in images:
        if image is None:
            missing.append(service.name)
            continue
        size = image.size
        if size > budget * 1e6:
            problems.append(
                (
                    f"{service.name}: {sizes.size(size, 0)}, over the {budget:g} MB "
                    "budget",
                    f"{service.name}: install less (--no-install-recommends, clean apt "
                    "lists), or move build tools into a build stage; or raise "
                    "dockhand.image_size_budget_mb",
                )
            )
        else:
            good.append(f"{service.name} {sizes.size(size, 0)}")
    return _image_result(
        name, problems, [*good, f"budget {budget:g} MB"] if good else [], missing
    )


def check_image_user(facts: Facts) -> Check:
    name = "image-user"
    images = _images(name, facts)
    if isinstance(images, Check):
        return images
    problems, good, missing = [], [], []
    for service, image in images:
        if image is None:
            missing.append(service.name)
            continue
        user = image.user
        if is_root(user):
            problems.append(
                (
                    f"{service.name}: the image runs as {user or 'root (no user set)'}",
                    f"{service.name}: end its Dockerfile with a non-root USER and rebuild",
                )
            )
        else:
            good.append(f"{service.name}={user}")
    return _image_result(name, problems, good, missing)


def check_container_user(facts: Facts) -> Check:
    name = "container-user"
    kind = None if isinstance(facts.engine, Problem) else facts.engine.kind
    if kind is not None and not kind.lists_processes:
        return Check(
            name,
            SKIP,
            f"skipped: {kind.label} runs without cgroups here, so it cannot list "
            "a container's processes (`docker top`)",
            "on a cgroup v2 host rootless Docker has them (docs/docker.md)",
        )
    if isinstance(facts.containers, Problem):
        return skipped_for(name, facts.containers)
    if not facts.containers:
        return Check(
            name,
            SKIP,
            f"skipped: not running (no containers of project {facts.project})",
            "start the stack (`inv up`), then run `inv check` again",
        )
    problems, good = [], []
    for container in facts.containers:
        if container.error:
            problems.append(
                (
                    f"{container.service}: could not list its processes: {container.error}",
                    "check that the engine answers `docker top`",
                )
            )
            continue
        rows = container.rows
        if kind is not None and kind.top_shows_ps:
            # Podman answers `top` by running ps in the container, as root.
            rows = tuple(row for row in rows if row != ("0", "ps"))
        root = [command for uid, command in rows if uid == "0"]
        if root:
            problems.append(
                (
                    f"{container.service}: {', '.join(dict.fromkeys(root))} runs as root "
                    f"in {container.container}",
                    f"{container.service}: give the image a non-root USER (and no "
                    "`user: root` in the compose files), rebuild and restart it",
                )
            )
        else:
            uids = sorted({uid for uid, _ in rows})
            good.append(f"{container.service} uid {','.join(uids)}")
    return from_problems(name, problems, f"running as non-root: {', '.join(good)}")
