"""The Compose model as the checks read it: the services of a
`config --format json` model, what each one builds and from which Dockerfile,
and the variables an uninterpolated model uses."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dockhand.checks.result import Problem

# The Dockerfile parser only where a Dockerfile is read: the stale-image
# check of `inv ps` needs the model's builds, not the parser (2 ms).
if TYPE_CHECKING:
    from dockhand.checks.dockerfile import Dockerfile


@dataclass(frozen=True)
class Build:
    context: Path
    dockerfile: Path | None  # None: dockerfile_inline
    inline: str | None
    args: Mapping[str, str]
    target: str | None = None  # the stage built; None: the last one


@dataclass(frozen=True)
class Service:
    name: str
    spec: Mapping[str, Any]
    build: Build | None

    @property
    def image(self) -> str | None:
        image = self.spec.get("image")
        return str(image) if image else None


def services_of(config: Mapping[str, Any]) -> list[Service]:
    """The services of a `config --format json` model, by name."""
    found = []
    for name, spec in sorted((config.get("services") or {}).items()):
        raw = spec.get("build")
        build = None
        if isinstance(raw, Mapping):
            context = Path(str(raw.get("context") or "."))
            inline = raw.get("dockerfile_inline")
            dockerfile = None
            if inline is None:
                dockerfile = context / str(raw.get("dockerfile") or "Dockerfile")
            args = {
                str(k): "" if v is None else str(v)
                for k, v in (raw.get("args") or {}).items()
            }
            target = raw.get("target")
            build = Build(
                context, dockerfile, inline, args, str(target) if target else None
            )
        found.append(Service(str(name), spec, build))
    return found


def variables_in(model: Any) -> set[str]:
    """Every ${VAR} / $VAR left in an uninterpolated model ($$ is a literal $)."""
    found: set[str] = set()
    if isinstance(model, Mapping):
        for value in model.values():
            found |= variables_in(value)
    elif isinstance(model, list):
        for value in model:
            found |= variables_in(value)
    elif isinstance(model, str):
        from dockhand.checks.dockerfile import variable_names

        found |= variable_names(model.replace("$$", ""))
    return found


def load_dockerfile(root: Path, build: Build) -> Dockerfile | Problem:
    """The Dockerfile a service builds, parsed (up to build.target), or why not."""
    from dockhand.checks.dockerfile import Dockerfile, DockerfileError, parse_dockerfile

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
