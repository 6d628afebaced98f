"""The images each build starts FROM: which they are (for doctor's image
check) and whether each is pinned to a version tag or digest (`inv check`'s
pinned-base), judged on every value a `FROM ${ARG}` can take."""

from __future__ import annotations

from collections.abc import Mapping

from dockhand.checks.facts import Facts
from dockhand.checks.image_build import each_dockerfile, with_left_out
from dockhand.checks.result import (
    SKIP,
    Check,
    from_problems,
)
from dockhand.docker.dockerfile import (
    Dockerfile,
    expand,
    variable_names,
)


def image_pinned(ref: str) -> bool:
    """A tag other than latest, or a digest; `scratch` has neither and needs none."""
    if ref == "scratch" or "@" in ref:
        return True
    last = ref.rsplit("/", 1)[-1]
    tag = last.partition(":")[2]
    return bool(tag) and tag != "latest"


def build_bases(dockerfile: Dockerfile, build_args: Mapping[str, str]) -> list[str]:
    """The images a build starts FROM, with the values it would use (the
    build arg Compose passes, else the ARG's default); not `scratch`, not an
    earlier stage, not one whose variables have no value."""
    found = []
    for stage in dockerfile.stages:
        if dockerfile.parent(stage) is not None:
            continue
        scope = {
            n: build_args.get(n, dockerfile.args.get(n))
            for n in variable_names(stage.base)
        }
        image, unresolved = expand(stage.base, scope)
        if not unresolved and image != "scratch":
            found.append(image)
    return list(dict.fromkeys(found))


def base_images(
    dockerfile: Dockerfile, build_args: Mapping[str, str]
) -> list[tuple[int, str, list[str]]]:
    """(line, image, why it is not pinned) for each FROM that names an image.
    A `FROM ${ARG}` is judged on every value it can take: the ARG's default in
    the Dockerfile and the build arg Compose passes."""
    found = []
    for stage in dockerfile.stages:
        if dockerfile.parent(stage) is not None:
            continue
        names = variable_names(stage.base)
        scopes: list[Mapping[str, str | None]] = []
        if not names:
            scopes = [{}]
        else:
            scopes.append({n: dockerfile.args.get(n) for n in names})
            if any(n in build_args for n in names):
                scopes.append(
                    {n: build_args.get(n, dockerfile.args.get(n)) for n in names}
                )
        for scope in scopes:
            image, unresolved = expand(stage.base, scope)
            if unresolved and all(n not in build_args for n in unresolved):
                found.append(
                    (
                        stage.line,
                        stage.base,
                        [f"{', '.join(unresolved)} has no default"],
                    )
                )
            elif unresolved:
                continue  # no default in the Dockerfile, but Compose passes one
            else:
                why = [] if image_pinned(image) else [f"{image} is not pinned"]
                found.append((stage.line, image, why))
    return found


def check_pinned_base(facts: Facts) -> Check:
    name = "pinned-base"
    early, dockerfiles, left_out = each_dockerfile(name, facts)
    if early and early.status == SKIP:
        return early
    problems: list[tuple[str, str]] = []
    seen: dict[str, list[str]] = {}
    for service, dockerfile in dockerfiles:
        assert service.build is not None
        for line, image, why in base_images(dockerfile, service.build.args):
            if why:
                problems.append(
                    (
                        f"{service.name}: FROM on line {line}: {'; '.join(why)}",
                        f"{service.name}: name a version tag or digest "
                        "(e.g. debian:bookworm-slim), in the FROM or its ARG default",
                    )
                )
            else:
                seen.setdefault(image, []).append(service.name)
    for service in facts.services:
        if service.build is None and service.image:
            if image_pinned(service.image):
                seen.setdefault(service.image, []).append(service.name)
            else:
                problems.append(
                    (
                        f"{service.name}: image {service.image} is not pinned",
                        f"{service.name}: use a version tag or digest in `image:`",
                    )
                )
    passed = "; ".join(
        f"{image} ({', '.join(dict.fromkeys(users))})" for image, users in seen.items()
    )
    return with_left_out(
        from_problems(name, problems, passed or "no base images"), left_out
    )
