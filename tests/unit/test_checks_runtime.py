"""The built images and running containers: size budget, non-root."""

from __future__ import annotations

from pathlib import Path

from checked_project import (
    by_name,
    facts_for,
    make_project,
    only_failure,
    recorded_engine,
)

from dockhand.checks.registry import OK, SKIP, Check, Processes
from dockhand.checks.runtime import check_container_user, check_image_size


def test_image_checks(tmp_path: Path) -> None:
    make_project(tmp_path)
    big = {"app": {"Size": 400_000_000, "Config": {"User": "app"}}}
    failed = only_failure(facts_for(tmp_path, images=big))
    assert failed.name == "image-size"
    assert failed.detail == "app: 400 MB, over the 350 MB budget"
    assert check_image_size(facts_for(tmp_path, images=big, budget_mb=500)).status == OK
    root = {"app": {"Size": 1, "Config": {"User": ""}}}
    failed = only_failure(facts_for(tmp_path, images=root))
    assert (failed.name, failed.detail) == (
        "image-user",
        "app: the image runs as root (no user set)",
    )


def test_containers_running_as_root_fail(tmp_path: Path) -> None:
    make_project(tmp_path)
    rows = (("0", "tini"), ("1000", "python3"))
    failed = only_failure(
        facts_for(tmp_path, containers=[Processes("app", "p-app-1", rows)])
    )
    assert failed.name == "container-user"
    assert failed.detail == "app: tini runs as root in p-app-1"


def test_not_built_and_not_running_are_skipped_not_passed(tmp_path: Path) -> None:
    make_project(tmp_path)
    results = by_name(facts_for(tmp_path, images={"app": None}, containers=[]))
    for name, words in (
        ("image-size", "skipped: not built: app"),
        ("image-user", "skipped: not built: app"),
        ("container-user", "skipped: not running"),
    ):
        # a skip is no failure, and not shown as a pass either
        assert results[name].status == SKIP and results[name].ok is True
        assert results[name].detail.startswith(words)
        assert results[name].fix  # says how to make it run


def test_podmans_own_ps_is_not_the_service_running_as_root(tmp_path: Path) -> None:
    """Podman 5.8.6 answers `top -eo pid,uid,comm` with the processes and the
    ps it runs in the container, as root; on Docker such a row is the
    service's own."""
    make_project(tmp_path)
    rows = (("1000", "python3"), ("0", "ps"))
    containers = [Processes("app", "p-app-1", rows)]
    podman = facts_for(
        tmp_path, containers=containers, engine=recorded_engine("podman-5.8.6")
    )
    assert check_container_user(podman) == Check(
        "container-user", OK, "running as non-root: app uid 1000"
    )
    docker = facts_for(tmp_path, containers=containers)
    assert check_container_user(docker).detail == "app: ps runs as root in p-app-1"


def test_rootless_docker_without_cgroups_cannot_list_processes(tmp_path: Path) -> None:
    make_project(tmp_path)
    rootless = recorded_engine("docker-rootless-28.5.2")
    found = check_container_user(facts_for(tmp_path, engine=rootless))
    assert found.status == SKIP
    assert found.detail == (
        "skipped: Docker Engine 28.5.2+dfsg4 (rootless) runs without cgroups here, "
        "so it cannot list a container's processes (`docker top`)"
    )
