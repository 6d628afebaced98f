"""How each image is built: stages, a non-root USER, a healthcheck."""

from __future__ import annotations

from pathlib import Path

from checked_project import GOOD_DOCKERFILE, by_name, dev_model, facts_for, make_project

from dockhand.checks.image_build import (
    check_dockerfiles,
    check_healthcheck,
    check_non_root_user,
)
from dockhand.checks.registry import FAIL, OK
from dockhand.docker.dockerfile import parse_dockerfile


def test_user_from_an_arg(tmp_path: Path) -> None:
    dockerfile = GOOD_DOCKERFILE.replace("USER app", "ARG UID=1000\nUSER ${UID}")
    make_project(tmp_path, Dockerfile=dockerfile)
    assert check_non_root_user(facts_for(tmp_path)).detail == "final USER: app=1000"
    dev = dev_model(tmp_path)
    dev["services"]["app"]["build"]["args"]["UID"] = "0"
    facts = facts_for(tmp_path, dev=dev)
    assert check_non_root_user(facts).status == FAIL


def test_build_target_is_the_image_that_ships(tmp_path: Path) -> None:
    dockerfile = (
        GOOD_DOCKERFILE.replace("FROM ${BASE_IMAGE}\n", "FROM ${BASE_IMAGE} AS prod\n")
        + "\nFROM prod AS debug\nUSER root\n"
    )
    make_project(tmp_path, Dockerfile=dockerfile)
    # Built to the last stage, the image runs as root...
    assert check_non_root_user(facts_for(tmp_path)).status == FAIL
    # ... but built to `prod`, the debug stage is never part of it.
    dev = dev_model(tmp_path)
    dev["services"]["app"]["build"]["target"] = "prod"
    facts = facts_for(tmp_path, dev=dev)
    assert check_non_root_user(facts).status == OK
    dev = dev_model(tmp_path)
    dev["services"]["app"]["build"]["target"] = "nope"
    facts = facts_for(tmp_path, dev=dev)
    result = check_dockerfiles(facts)
    assert result.status == FAIL and "no stage named 'nope'" in result.detail


def test_healthcheck_from_compose_or_disabled(tmp_path: Path) -> None:
    make_project(
        tmp_path,
        Dockerfile=GOOD_DOCKERFILE.replace("HEALTHCHECK CMD", "LABEL x=1\n#"),
    )
    dev = dev_model(tmp_path)
    dev["services"]["app"]["healthcheck"] = {"test": ["CMD", "true"]}
    facts = facts_for(tmp_path, dev=dev)
    assert check_healthcheck(facts).detail == "health checked: app (compose)"
    dev["services"]["app"]["healthcheck"] = {"disable": True}
    facts = facts_for(tmp_path, dev=dev)
    result = check_healthcheck(facts)
    assert result.status == FAIL and "disabled" in result.detail


def test_image_only_services(tmp_path: Path) -> None:
    make_project(tmp_path)
    dev = dev_model(tmp_path)
    dev["services"]["cache"] = {"image": "redis:latest"}
    facts = facts_for(tmp_path, dev=dev)
    results = by_name(facts)
    assert results["pinned-base"].status == FAIL
    assert "cache: image redis:latest is not pinned" in results["pinned-base"].detail
    assert results["healthcheck"].status == FAIL
    assert "cache: no healthcheck" in results["healthcheck"].detail
    assert "Dockerfile" not in results["healthcheck"].fix.split(";")[-1]


def test_the_add_user_hint_fits_the_final_stage_s_base() -> None:
    from dockhand.checks.image_build import add_user_command

    alpine = parse_dockerfile(
        "ARG BASE=alpine:3.20\nFROM debian:bookworm-slim AS build\n"
        "FROM ${BASE} AS run\nFROM run AS final\n"
    )
    assert add_user_command(alpine, {}).startswith("addgroup -S")
    assert add_user_command(alpine, {"BASE": "debian:bookworm-slim"}).startswith(
        "useradd"
    )
    debian = parse_dockerfile("FROM alpine:3.20 AS tools\nFROM debian:bookworm-slim\n")
    assert add_user_command(debian, {}).startswith("useradd")
