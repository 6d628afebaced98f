"""Immutable tags, digests, which services a deploy builds, the registry."""

from __future__ import annotations

import pytest

from dockhand.errors import DockhandError
from dockhand.swarm.images import (
    built_services,
    digest_of,
    immutable_tag,
    require_registry,
)


def test_the_tag_is_the_commit_and_the_content() -> None:
    assert (
        immutable_tag("0123456789ab", "sha256:fedcba9876543210")
        == "0123456789ab-fedcba987654"
    )
    assert immutable_tag("", "sha256:fedcba9876543210") == "nocommit-fedcba987654"


def test_the_digest_is_read_for_the_pushed_repository_only() -> None:
    digests = ["other/web@sha256:1", "127.0.0.1:5000/shop/web@sha256:2"]
    assert digest_of(digests, "127.0.0.1:5000/shop/web") == "sha256:2"
    assert digest_of(digests, "127.0.0.1:5000/shop/db") == ""


def test_only_services_with_a_build_are_built_under_composes_image_names() -> None:
    model = {
        "name": "shop",
        "services": {
            "web": {"build": {}},
            "api": {"build": {}, "image": "me/api"},
            "cache": {"image": "redis"},
        },
    }
    assert built_services(model) == {"web": "shop-web", "api": "me/api"}


def test_no_registry_or_one_that_does_not_answer_is_one_line() -> None:
    with pytest.raises(DockhandError, match=r"dockhand\.deploy_registry is not set"):
        require_registry("")
    with pytest.raises(
        DockhandError,
        match=r"^the registry 127.0.0.1:9 does not answer .*nothing was built",
    ):
        require_registry("127.0.0.1:9", timeout=2)


def test_under_dry_the_pushes_are_said_and_the_pins_are_placeholders() -> None:
    from dockhand.swarm import argv, images
    from helpers import FakeRunner

    runner = FakeRunner(dry=True)
    pinned = images.push_pinned(
        runner,
        {"web": "shop-web"},
        project="shop",
        registry="127.0.0.1:5000",
        pull_registry="registry:5000",
        commit="0123456789ab",
    )
    ref = "127.0.0.1:5000/shop/web:0123456789ab-CONTENT"
    assert runner.calls == [argv.tag("shop-web", ref), argv.push(ref)]
    assert pinned == {"web": "registry:5000/shop/web@sha256:DRY"}
