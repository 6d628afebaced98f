"""The build contexts: Dockerfile and .dockerignore present, entrypoints executable."""

from __future__ import annotations

from pathlib import Path

from checked_project import (
    GOOD_DOCKERFILE,
    by_name,
    dev_model,
    facts_for,
    make_project,
    only_failure,
)

from dockhand.checks.build_context import check_entrypoints
from dockhand.checks.registry import FAIL, OK, SKIP


def test_missing_dockerfile_and_dockerignore(tmp_path: Path) -> None:
    app = make_project(tmp_path)
    (app / ".dockerignore").unlink()
    failed = only_failure(facts_for(tmp_path))
    assert (failed.name, failed.detail) == (
        "dockerignore",
        "app: no services/app/.dockerignore",
    )
    (app / "Dockerfile").unlink()
    results = by_name(facts_for(tmp_path))
    assert results["dockerfiles"].status == FAIL
    assert "services/app/Dockerfile not found" in results["dockerfiles"].detail
    # The checks that read it are skipped, not passed.
    for name in ("multi-stage", "non-root-user", "pinned-base"):
        assert results[name].status == SKIP, results[name]


def test_entrypoint_not_executable(tmp_path: Path) -> None:
    app = make_project(tmp_path)
    (app / "docker-entrypoint.sh").chmod(0o644)
    failed = only_failure(facts_for(tmp_path))
    assert failed.name == "entrypoints"
    assert failed.detail == "services/app/docker-entrypoint.sh is not executable"
    assert "chmod +x services/app/docker-entrypoint.sh" in failed.fix


def test_entrypoint_copied_with_chmod_counts_as_executable(tmp_path: Path) -> None:
    dockerfile = GOOD_DOCKERFILE.replace(
        "COPY --from=build /src /app",
        "COPY --from=build /src /app\nCOPY --chmod=755 start /usr/local/bin/",
    ).replace('"/app/docker-entrypoint.sh"', '"start"')
    app = make_project(tmp_path, Dockerfile=dockerfile, start="#!/bin/sh\n")
    (app / "docker-entrypoint.sh").unlink()
    facts = facts_for(tmp_path)
    result = check_entrypoints(facts)
    assert (result.status, result.detail) == (
        OK,
        "executable, with #!: services/app/start",
    )


def test_entry_program_follows_copies_back_to_the_context(tmp_path: Path) -> None:
    app = make_project(tmp_path, **{"bin__run": "no shebang\n"})
    dockerfile = GOOD_DOCKERFILE.replace(
        '"/app/docker-entrypoint.sh"', '"/app/bin/run"'
    )
    (app / "Dockerfile").write_text(dockerfile)
    (app / "docker-entrypoint.sh").unlink()
    failed = only_failure(facts_for(tmp_path))
    assert failed.name == "entrypoints"
    assert failed.detail == "services/app/bin/run has no #! line and is not executable"


def test_compose_entrypoint_replaces_the_dockerfiles(tmp_path: Path) -> None:
    app = make_project(tmp_path, **{"other.sh": "#!/bin/sh\n"})
    (app / "docker-entrypoint.sh").unlink()
    dev = dev_model(tmp_path)
    dev["services"]["app"]["entrypoint"] = ["/app/other.sh"]
    facts = facts_for(tmp_path, dev=dev)
    failed = only_failure(facts)
    assert failed.detail == "services/app/other.sh is not executable"
