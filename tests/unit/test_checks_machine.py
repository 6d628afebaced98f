"""Doctor's checks of this machine: the images the stack needs, free disk."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

from checked_project import MODEL, never

from dockhand.checks import machine
from dockhand.checks.facts import Engine, Facts
from dockhand.config.settings import load
from dockhand.docker import model
from dockhand.docker.image import image_of


def test_needed_images_are_build_bases_and_pulled_images() -> None:
    needed = machine.needed_images(model.parse(MODEL), "debian:bookworm-slim")
    assert [(n.image, n.base) for n in needed] == [
        ("debian:custom", True),
        ("debian:bookworm-slim", True),
        ("redis:7", False),
    ]
    assert [n.image for n in machine.needed_images(None, "base:1")] == ["base:1"]


def test_images_present() -> None:
    needed = machine.needed_images(None, "base:1")
    check = machine.images_check(needed, lambda _: True, never)
    assert check.ok and "base:1 present" in check.detail


def test_images_missing_but_a_registry_answers() -> None:
    needed = machine.needed_images(None, "base:1")
    check = machine.images_check(needed, lambda _: False, lambda _: (True, ""))
    assert check.ok and "a registry answers" in check.detail


def test_no_base_image_and_no_registry_points_to_scripts_base_image() -> None:
    needed = machine.needed_images(model.parse(MODEL), "debian:bookworm-slim")
    check = machine.images_check(
        needed,
        lambda image: image == "debian:custom",
        lambda _: (False, "no such host"),
    )
    assert not check.ok
    assert "no such host" in check.detail
    assert "debian:bookworm-slim (base of db)" in check.detail
    assert "scripts/base-image" in check.fix
    assert "docker pull redis:7" in check.fix


def test_an_image_is_asked_for_once_whoever_reads_it(tmp_path: Path) -> None:
    from docker.errors import NotFound

    asked: list[str] = []

    def inspect_image(name: str) -> dict[str, Any]:
        asked.append(name)
        if name == "redis:7":
            return {"Size": 1, "Config": {"User": "redis"}}
        raise NotFound(f"no such image: {name}")

    client = SimpleNamespace(api=SimpleNamespace(inspect_image=inspect_image))
    found = Facts(
        load({"root": str(tmp_path)}),
        engine=Engine(client, {}, "here"),  # type: ignore[arg-type]
        dev=model.parse({"services": {"cache": {"image": "redis:7"}}}),
        values={},
    )
    check = machine.check_images(found)
    assert check.ok and check.detail == "redis:7 present"
    assert found.image("redis:7") == image_of({"Size": 1, "Config": {"User": "redis"}})
    assert found.image("base:none") is None
    assert asked == ["redis:7", "base:none"]


def test_disk_low_and_enough(tmp_path: Path) -> None:
    low = machine.disk_check(tmp_path, 2, usage=lambda _: SimpleNamespace(free=1.5e9))
    assert not low.ok and "1.5 GB free" in low.detail and "prune" in low.fix
    plenty = machine.disk_check(tmp_path, 2, usage=lambda _: SimpleNamespace(free=9e9))
    assert plenty.ok
    real = machine.disk_check(tmp_path, 0)  # the real disk_usage
    assert real.ok and str(tmp_path) in real.detail


def test_needed_images_are_what_the_dockerfiles_start_from() -> None:
    from dockhand.checks.base_images import build_bases
    from dockhand.docker.dockerfile import parse_dockerfile

    dockerfile = parse_dockerfile(
        "ARG BASE=debian:bookworm-slim\n"
        "FROM ${BASE} AS build\n"
        "FROM gcr.io/distroless/base:nonroot\n"
        "COPY --from=build /app /app\n"
        "FROM build AS test\n"
        "FROM scratch\n"
    )
    assert build_bases(dockerfile, {}) == [
        "debian:bookworm-slim",
        "gcr.io/distroless/base:nonroot",
    ]
    assert build_bases(dockerfile, {"BASE": "debian:trixie"})[0] == "debian:trixie"
    froms = {"backend": ["python:3.12-slim"]}
    needed = machine.needed_images(model.parse(MODEL), "debian:bookworm-slim", froms)
    # backend's Dockerfile wins over its BASE_IMAGE build arg; db has none read
    assert [(n.image, n.base) for n in needed] == [
        ("python:3.12-slim", False),
        ("debian:bookworm-slim", True),
        ("redis:7", False),
    ]
