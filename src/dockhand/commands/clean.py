"""Removing things: the project's leftovers, and (only when asked) its data."""

from __future__ import annotations

from dockhand.docker import compose, containers
from dockhand.docker.model import ComposeModel
from dockhand.session import Session
from dockhand.steps import router
from dockhand.steps.confirm import confirm_volume_removal
from dockhand.ui import console, sizes


def clean(s: Session, *, volumes: bool, yes: bool) -> None:
    """Remove containers, networks and the images this project built;
    volumes only when asked and confirmed. Never an image it only pulled
    (another project may use it), never the engine's whole build cache."""
    s.require_engine()
    if volumes and not confirm_volume_removal(s, yes=yes, action="inv clean --volumes"):
        return
    model = s.ask_model()  # None under Compose v1: it removes the images it named
    router.withdraw(s)  # before Compose removes the networks the router is on
    s.runner.check(
        compose.down(
            s.find_compose(), s.project, volumes=volumes, images=model is None
        ),
        failure="Compose could not remove the project",
    )
    removed = "" if model is None else remove_built_images(s, model)
    console.ok(
        f"removed containers{', volumes' if volumes else ''} and networks{removed}"
        + ("" if volumes else "; data volumes kept")
    )


def remove_built_images(s: Session, model: ComposeModel) -> str:
    """Remove the images the project built; what was removed, for the summary.
    Never an image a service only pulls: other projects may share it."""
    found: dict[str, int] = {}
    project = s.settings.project
    for image in sorted({model.image_of(b.name, project) for b in model.built()}):
        size = s.runner.capture(containers.image_size_argv(image), timeout=30)
        if size.ok and size.stdout.strip().isdigit():
            found[image] = int(size.stdout.strip())
    if not found:
        return f"; no image built by {s.settings.project} was left to remove"
    s.runner.check(
        containers.image_rm_argv(found),
        failure=f"the images built by {s.settings.project} could not all be removed",
        hint="see docker's output above; a container of another project may use one",
    )
    count = len(found)
    return (
        f", and {count} image{'s' if count != 1 else ''} built by "
        f"{s.settings.project} ({sizes.size(sum(found.values()))})"
    )
