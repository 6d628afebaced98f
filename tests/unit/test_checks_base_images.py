"""The images each build starts FROM, and whether each is pinned."""

from __future__ import annotations

from pathlib import Path

import pytest
from checked_project import GOOD_DOCKERFILE, dev_model, facts_for, make_project

from dockhand.checks.base_images import check_pinned_base, image_pinned
from dockhand.checks.registry import FAIL, OK


@pytest.mark.parametrize(
    ("ref", "pinned"),
    [
        ("debian:bookworm-slim", True),
        ("postgres:15.6", True),
        ("localhost:5000/team/app:1.2", True),
        ("debian@sha256:" + "a" * 64, True),
        ("scratch", True),
        ("debian", False),
        ("debian:latest", False),
        ("localhost:5000/team/app", False),
    ],
)
def test_image_pinned(ref: str, pinned: bool) -> None:
    assert image_pinned(ref) is pinned


def test_base_from_an_arg_is_judged_on_its_default_and_on_compose(
    tmp_path: Path,
) -> None:
    no_default = GOOD_DOCKERFILE.replace(
        "ARG BASE_IMAGE=debian:bookworm-slim", "ARG BASE_IMAGE"
    )
    make_project(tmp_path, Dockerfile=no_default)
    # Compose passes a pinned value: pinned.
    assert check_pinned_base(facts_for(tmp_path)).status == OK
    # Compose passes latest: not pinned.
    dev = dev_model(tmp_path)
    dev["services"]["app"]["build"]["args"] = {"BASE_IMAGE": "debian:latest"}
    facts = facts_for(tmp_path, dev=dev)
    result = check_pinned_base(facts)
    assert result.status == FAIL and "debian:latest is not pinned" in result.detail
    # Nobody gives a value: no default.
    dev = dev_model(tmp_path)
    dev["services"]["app"]["build"]["args"] = {}
    facts = facts_for(tmp_path, dev=dev)
    result = check_pinned_base(facts)
    assert result.status == FAIL and "BASE_IMAGE has no default" in result.detail
