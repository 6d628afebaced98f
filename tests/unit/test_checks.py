"""The selections of the one check system (checks/__init__.py): a good
project passes every check of `inv check`, and each of twenty ways to break
it fails exactly the check that names it."""

from __future__ import annotations

from pathlib import Path

import pytest
from checked_project import (
    GOOD_DOCKERFILE,
    GOOD_IGNORE,
    by_name,
    facts_for,
    make_project,
    only_failure,
)

from dockhand.checks import registry
from dockhand.checks.checkout import check_database_login, check_project_name
from dockhand.checks.env import check_env_example, check_env_file
from dockhand.checks.ports import check_router_port
from dockhand.checks.registry import OK
from dockhand.checks.support import check_support


def test_a_good_project_passes_every_check(tmp_path: Path) -> None:
    make_project(tmp_path)
    results = by_name(facts_for(tmp_path))
    assert [r.name for r in results.values()] == [
        c(facts_for(tmp_path)).name  # type: ignore[union-attr]  # one Check each
        for c in registry.CHECK
    ]
    failing = {n: r.detail for n, r in results.items() if r.status != OK}
    assert failing == {}
    assert "docker-entrypoint.sh" in results["entrypoints"].detail
    assert "app=app" in results["non-root-user"].detail
    assert "app (Dockerfile)" in results["healthcheck"].detail


# Each case breaks one thing in an otherwise good project: (files to write
# under services/app, the check that must fail, a fragment of its detail).
DOCKERFILE_BREAKS = [
    (
        {"Dockerfile": GOOD_DOCKERFILE.replace("USER app\n", "")},
        "non-root-user",
        "runs as root (no USER)",
    ),
    (
        {"Dockerfile": GOOD_DOCKERFILE.replace("USER app", "USER root:root")},
        "non-root-user",
        "final USER is root:root",
    ),
    (
        {"Dockerfile": GOOD_DOCKERFILE.replace("USER app", "USER 0")},
        "non-root-user",
        "final USER is 0",
    ),
    (
        {"Dockerfile": GOOD_DOCKERFILE.replace("HEALTHCHECK CMD", "LABEL x=1\n#")},
        "healthcheck",
        "app: no healthcheck",
    ),
    (
        {
            "Dockerfile": GOOD_DOCKERFILE.replace(
                "FROM ${BASE_IMAGE} AS build", "FROM debian AS build"
            )
        },
        "pinned-base",
        "debian is not pinned",
    ),
    (
        {
            "Dockerfile": GOOD_DOCKERFILE.replace(
                "BASE_IMAGE=debian:bookworm-slim", "BASE_IMAGE=debian:latest"
            )
        },
        "pinned-base",
        "debian:latest is not pinned",
    ),
    (
        {
            "Dockerfile": "FROM debian:bookworm-slim\nRUN pip install -r req.txt\n"
            "USER app\nHEALTHCHECK CMD true\n"
        },
        "multi-stage",
        "runs in the image that ships",
    ),
    (
        {"Dockerfile": GOOD_DOCKERFILE + "RUN npm ci\n"},
        "multi-stage",
        "build step on line 15",
    ),
    (
        {
            "Dockerfile": GOOD_DOCKERFILE.replace(
                "WORKDIR /app", "WORKDIR /app\nBOGUS x"
            )
        },
        "dockerfiles",
        "line 11: unknown instruction BOGUS",
    ),
    (
        {".dockerignore": "# nothing\n.git\n"},
        "dockerignore",
        "lets in .env, tests, node_modules, .venv",
    ),
    (
        {".dockerignore": GOOD_IGNORE + "!.env\n"},
        "dockerignore",
        "lets in .env",
    ),
    (
        {"docker-entrypoint.sh": 'exec "$@"\n'},
        "entrypoints",
        "has no #! line",
    ),
]


@pytest.mark.parametrize(("files", "name", "fragment"), DOCKERFILE_BREAKS)
def test_each_broken_file_fails_its_check(
    tmp_path: Path, files: dict[str, str], name: str, fragment: str
) -> None:
    make_project(tmp_path, **files)
    failed = only_failure(facts_for(tmp_path))
    assert failed.name == name
    assert fragment in failed.detail


def test_doctor_is_the_machine_checks_then_env_files_and_checkout() -> None:
    assert registry.DOCTOR[: len(registry.MACHINE)] == registry.MACHINE
    assert registry.DOCTOR[len(registry.MACHINE) :] == (
        check_support,
        check_env_example,
        check_env_file,
        check_project_name,
        check_database_login,
        check_router_port,
    )
    # inv check starts with the same tools, over the same facts.
    assert registry.CHECK[:4] == registry.MACHINE[:4]
