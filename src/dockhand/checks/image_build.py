"""The checks of how each image is built, from its Dockerfile: it parses,
builds in a stage of its own, ends as a non-root USER, has a healthcheck
(there or in the compose file); its base images are in base_images.py."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from dockhand.checks.facts import Facts
from dockhand.checks.result import (
    OK,
    SKIP,
    Check,
    Problem,
    from_problems,
)
from dockhand.docker.dockerfile import (
    Dockerfile,
    Instruction,
    Stage,
    expand,
    is_root,
    stage_scope,
    variable_names,
)
from dockhand.docker.model import Service


def each_dockerfile(
    name: str, facts: Facts
) -> tuple[Check | None, list[tuple[Service, Dockerfile]], list[str]]:
    """The parsed Dockerfiles a check looks at, and the services left out."""
    early = facts.needs_model(name)
    if early:
        return early, [], []
    good, broken = [], []
    for service in facts.builds:
        parsed = facts.dockerfiles[service.name]
        if isinstance(parsed, Dockerfile):
            good.append((service, parsed))
        else:
            broken.append(service.name)
    if not good and broken:
        return (
            Check(name, SKIP, "skipped: no Dockerfile parses (see dockerfiles)"),
            [],
            broken,
        )
    if not good:
        return Check(name, OK, "no service builds an image"), [], []
    return None, good, broken


def with_left_out(result: Check, left_out: Sequence[str]) -> Check:
    if not left_out or result.status != OK:
        return result
    return Check(
        result.name,
        result.status,
        f"{result.detail} (not checked: {', '.join(left_out)}; see dockerfiles)",
        result.fix,
    )


def check_dockerfiles(facts: Facts) -> Check:
    name = "dockerfiles"
    early = facts.needs_model(name)
    if early:
        return early
    problems = []
    for service in facts.builds:
        parsed = facts.dockerfiles[service.name]
        if isinstance(parsed, Problem):
            problems.append((f"{service.name}: {parsed.detail}", parsed.fix))
    listed = ", ".join(s.name for s in facts.builds)
    return from_problems(
        name, problems, f"parsed: {listed}" if listed else "no service builds an image"
    )


# Commands that compile code or install dependencies with a toolchain: their
# tools and caches belong in a build stage, not in the image that ships.
_BUILD_STEP = re.compile(
    r"\b(?:npm|pnpm)\s+(?:ci|install|i|run\s+build|build)\b"
    r"|\byarn(?:\s+(?:install|build)|\s*(?:&&|;|$))"
    r"|\bpip3?\s+(?:install|wheel)\b|-m\s+pip\s+(?:install|wheel)\b"
    r"|\bpoetry\s+(?:install|build)\b|\buv\s+(?:sync|pip\s+install)\b"
    r"|\bgo\s+build\b|\bcargo\s+build\b|\bdotnet\s+(?:build|publish)\b"
    r"|\b(?:mvn|gradle|cmake|make|gcc|g\+\+|clang|tsc)\b|\bnext\s+build\b"
    r"|-m\s+(?:build|compileall)\b"
    r"|\b(?:apt-get|apt|apk)\s+(?:-\S+\s+)*(?:install|add)\b[^&;|]*"
    r"\s(?:build-essential|build-base|gcc|g\+\+|make|[a-z0-9.+-]+-dev)\b"
)


def build_steps(stage: Stage) -> list[Instruction]:
    return [
        i
        for i in stage.all("RUN")
        if _BUILD_STEP.search(" ".join([i.args, *i.heredocs]))
    ]


def check_multi_stage(facts: Facts) -> Check:
    name = "multi-stage"
    early, dockerfiles, left_out = each_dockerfile(name, facts)
    if early:
        return early
    problems, staged, plain = [], [], []
    for service, dockerfile in dockerfiles:
        steps = [
            (stage, step) for stage in dockerfile.stages for step in build_steps(stage)
        ]
        stages = len(dockerfile.stages)
        if not steps:
            if stages > 1:
                staged.append(f"{service.name} ({stages} stages)")
            else:
                plain.append(service.name)
            continue
        shipped = dockerfile.lineage(dockerfile.final)
        in_final = [
            (s, step) for s, step in steps if any(s is link for link in shipped)
        ]
        if len(dockerfile.stages) < 2 or in_final:
            step = (in_final or steps)[0][1]
            problems.append(
                (
                    f"{service.name}: the build step on line {step.line} "
                    f"({step.args[:40].strip()}...) runs in the image that ships",
                    f"{service.name}: move the build into its own stage "
                    "(FROM ... AS build) and COPY --from=build only its output "
                    "into the final stage",
                )
            )
        else:
            staged.append(f"{service.name} ({stages} stages, builds in one)")
    passed = "; ".join(
        part
        for part in (
            f"multi-stage: {', '.join(staged)}" if staged else "",
            f"one stage, nothing to build: {', '.join(plain)}" if plain else "",
        )
        if part
    )
    return with_left_out(from_problems(name, problems, passed), left_out)


def final_user(
    dockerfile: Dockerfile, build_args: Mapping[str, str]
) -> tuple[str | None, list[str]]:
    """The final stage's USER (inherited ones count), variables expanded."""
    instruction = dockerfile.last(dockerfile.final, "USER")
    if instruction is None:
        return None, []
    stage = next(s for s in dockerfile.stages if instruction in s.instructions)
    scope = stage_scope(dockerfile, stage, build_args, upto=instruction.line)
    return expand(instruction.args.strip(), scope)


def add_user_command(dockerfile: Dockerfile, build_args: Mapping[str, str]) -> str:
    """How to add a system user on the final stage's base image: BusyBox's
    adduser on Alpine (it has no useradd), shadow's useradd elsewhere."""
    stage = dockerfile.final
    while (parent := dockerfile.parent(stage)) is not None:
        stage = parent
    scope = {
        n: build_args.get(n, dockerfile.args.get(n)) for n in variable_names(stage.base)
    }
    image, _ = expand(stage.base, scope)
    if "alpine" in image.lower():
        return "addgroup -S -g 1000 app && adduser -S -D -u 1000 -G app app"
    return "useradd --system --uid 1000 --user-group app"


def check_non_root_user(facts: Facts) -> Check:
    name = "non-root-user"
    early, dockerfiles, left_out = each_dockerfile(name, facts)
    if early:
        return early
    problems, users = [], []
    for service, dockerfile in dockerfiles:
        assert service.build is not None
        user, unresolved = final_user(dockerfile, service.build.args)
        fix = (
            f"{service.name}: create a user in the final stage "
            f"({add_user_command(dockerfile, service.build.args)}) "
            "and end with `USER app`"
        )
        if user is None:
            problems.append(
                (f"{service.name}: the final stage runs as root (no USER)", fix)
            )
        elif unresolved:
            problems.append(
                (
                    f"{service.name}: USER uses ${{{unresolved[0]}}}, which has no value",
                    f"{service.name}: give ARG {unresolved[0]} a non-root default",
                )
            )
        elif is_root(user):
            problems.append((f"{service.name}: the final USER is {user}", fix))
        else:
            users.append(f"{service.name}={user}")
    return with_left_out(
        from_problems(name, problems, f"final USER: {', '.join(users)}"), left_out
    )


def _compose_healthcheck(service: Service) -> str:
    """'set', 'disabled' or '' (none, or timing only: the image's test applies)."""
    health = service.healthcheck
    if health is None:
        return ""
    if health.disabled:
        return "disabled"
    return "set" if health.test else ""


def check_healthcheck(facts: Facts) -> Check:
    name = "healthcheck"
    early = facts.needs_model(name)
    if early:
        return early
    problems, found = [], []
    for service in facts.services:
        compose_health = _compose_healthcheck(service)
        if compose_health == "disabled":
            problems.append(
                (
                    f"{service.name}: its healthcheck is disabled in the compose file",
                    f"{service.name}: remove `disable: true` / test NONE from its healthcheck",
                )
            )
            continue
        if compose_health == "set":
            found.append(f"{service.name} (compose)")
            continue
        dockerfile = facts.dockerfiles.get(service.name)
        if isinstance(dockerfile, Dockerfile):
            instruction = dockerfile.last(dockerfile.final, "HEALTHCHECK")
            if instruction and instruction.args.strip().upper() != "NONE":
                found.append(f"{service.name} (Dockerfile)")
                continue
        if isinstance(dockerfile, Problem):
            continue  # reported by the dockerfiles check
        where = "a HEALTHCHECK in its Dockerfile or " if service.build else ""
        problems.append(
            (
                f"{service.name}: no healthcheck",
                f"{service.name}: add {where}a `healthcheck: test: [...]` in the compose file",
            )
        )
    return from_problems(name, problems, f"health checked: {', '.join(found)}")
