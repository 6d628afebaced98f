"""What the checks read beside the typed model (docker.model): the
Dockerfile a service builds, parsed, and the variables an uninterpolated
model uses."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from dockhand.checks.result import Problem
from dockhand.docker.dockerfile import (
    Dockerfile,
    DockerfileError,
    parse_dockerfile,
    variable_names,
)
from dockhand.docker.model import Build


def variables_in(model: object) -> set[str]:
    """Every ${VAR} / $VAR left in an uninterpolated model ($$ is a literal $)."""
    found: set[str] = set()
    if isinstance(model, Mapping):
        for value in model.values():
            found |= variables_in(value)
    elif isinstance(model, list):
        for value in model:
            found |= variables_in(value)
    elif isinstance(model, str):
        found |= variable_names(model.replace("$$", ""))
    return found


def load_dockerfile(root: Path, build: Build) -> Dockerfile | Problem:
    """The Dockerfile a service builds, parsed (up to build.target), or why not."""
    where = (
        display_path(root, build.dockerfile)
        if build.dockerfile
        else "dockerfile_inline"
    )
    if build.inline is not None:
        text = build.inline
    else:
        assert build.dockerfile is not None
        if not build.dockerfile.is_file():
            return Problem(
                f"{where} not found",
                f"create {where}, or point build.dockerfile at the right file",
            )
        text = build.dockerfile.read_text(errors="replace")
    try:
        parsed = parse_dockerfile(text)
    except DockerfileError as exc:
        return Problem(
            f"{where}: {exc.message}", "fix that line; `docker build` reports the same"
        )
    if build.target is None:
        return parsed
    # With build.target, the image is that stage: later stages are not built.
    target = parsed.stage(build.target)
    if target is None:
        return Problem(
            f"{where} has no stage named {build.target!r} (build.target)",
            "name the stage with FROM ... AS NAME, or fix build.target",
        )
    return Dockerfile(parsed.args, parsed.stages[: target.index + 1])


def display_path(root: Path, path: Path) -> str:
    """`path` relative to the project root when it is under it, else as is."""
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)
