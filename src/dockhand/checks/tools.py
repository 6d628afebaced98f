"""The checks of the tools and the files they read, shared by `inv doctor`
and `inv check`: the docker CLI, the engine it talks to, Compose, and the
compose files (dev, and with the prod override) as Compose reads them."""

from __future__ import annotations

from dockhand.checks import engine_features
from dockhand.checks.facts import Facts
from dockhand.checks.result import (
    OK,
    SKIP,
    Check,
    Problem,
    as_check,
    from_problems,
    passed,
    skipped_for,
    warned,
)
from dockhand.docker import compose
from dockhand.docker.model import ComposeModel


def check_docker_cli(facts: Facts) -> Check:
    found = facts.docker_cli
    if isinstance(found, Problem):
        return as_check("docker CLI", found)
    return passed("docker CLI", found)


def check_engine(facts: Facts) -> Check:
    found = facts.engine
    if isinstance(found, Problem):
        return as_check("engine", found)
    kind = found.kind
    return passed("engine", f"{kind.label} (API {kind.api_version}) at {found.where}")


def check_engine_features(facts: Facts) -> Check:
    """What the stack needs that this engine lacks (Podman without systemd
    runs no healthchecks, ...): one line each, naming the engine."""
    name = "engine features"
    found = facts.engine
    if isinstance(found, Problem):
        return skipped_for(name, found)
    model = facts.dev
    if isinstance(model, Problem):
        return skipped_for(name, model)
    problems = engine_features.missing(found.kind, model.services.values())
    if problems:
        return from_problems(name, problems, "")
    return passed(name, f"{found.kind.label} has what the stack needs")


def check_compose(facts: Facts) -> Check:
    name = "compose"
    cli = facts.compose
    if isinstance(cli, Problem):
        return as_check(name, cli)
    v1 = (
        "v1: works, v2 or newer recommended; the checks that need "
        "`config --format json` are skipped"
        if cli.is_v1
        else ""
    )
    pinned = facts.settings.compose_version
    if pinned and cli.version != compose.parse_version(pinned):
        return warned(
            name,
            f"{cli} runs, but this project pins Compose {pinned} "
            "(Compose changes behaviour in minor releases)" + (f"; {v1}" if v1 else ""),
            f"install Compose {pinned} (here: scripts/engine --compose), "
            "or change compose_version in invoke.yaml",
        )
    minimum = compose.format_version(compose.MINIMUM_VERSION)
    note = f" ({v1})" if v1 else ""
    return passed(name, f"{cli}{note}; dockhand needs {minimum} or newer")


def _check_model(name: str, model: ComposeModel | Problem, files: str) -> Check:
    if isinstance(model, Problem):
        if model.valid:
            return passed(name, model.detail)
        if model.status == SKIP:
            return skipped_for(name, model)
        return as_check(name, model)
    services = sorted(model.services)
    return passed(
        name, f"{files}: {len(services)} services ({', '.join(services) or 'none'})"
    )


def check_compose_files(facts: Facts) -> Check:
    """The files the stack runs with, read with the env files, and the
    project's name, each with where it came from."""
    s = facts.settings
    files = " + ".join(f.name for f in s.files)
    found = _check_model("compose files", facts.dev, files)
    if found.status != OK:
        return found
    origin = f"project {s.project} ({s.project_source}), files from {s.files_source}"
    return passed(found.name, f"{found.detail}; {origin}")


def check_compose_prod(facts: Facts) -> Check:
    settings = facts.settings
    files = " + ".join(f.name for f in settings.compose_files + settings.prod_override)
    return _check_model("compose-prod", facts.prod, files)
