"""The router's image (dockhand.docker.router_recipe): its tag follows the
recipe and the base; a router is made again when the files changed only."""

from __future__ import annotations

from dockhand.docker import router_recipe


def test_the_build_argv_labels_both_digests() -> None:
    folder = router_recipe.RECIPE
    assert router_recipe.build_argv("t", folder, "b:1", "abc", "def") == [
        "docker", "build", "--quiet", "--tag", "t", "--build-arg", "BASE_IMAGE=b:1",
        "--label", "dockhand.router=image", "--label", "dockhand.router.recipe=abc",
        "--label", "dockhand.router.files=def",
        str(folder),
    ]  # fmt: skip
    assert router_recipe.files_label_argv("dockhand-router:abc") == [
        "docker", "image", "inspect", "--format",
        '{{index .Config.Labels "dockhand.router.files"}}', "dockhand-router:abc",
    ]  # fmt: skip


def test_the_image_tag_follows_the_recipe_and_the_base() -> None:
    files = router_recipe.files()
    assert set(files) == set(router_recipe.RECIPE_FILES)
    one = router_recipe.recipe_digest(files, "debian:bookworm-slim")
    assert len(one) == 12
    assert router_recipe.recipe_digest(files, "debian:trixie-slim") != one
    changed = {**files, "Caddyfile": b"x"}
    assert router_recipe.recipe_digest(changed, "debian:bookworm-slim") != one
    assert router_recipe.image_tag(one) == f"dockhand-router:{one}"


def test_a_router_of_other_files_is_outdated_of_another_base_only_not() -> None:
    tag = "dockhand-router:new"
    assert not router_recipe.outdated(tag, tag, "", "f1")  # this recipe's
    assert router_recipe.outdated("dockhand-router:old", tag, "f0\n", "f1")
    # Before the files label: an older dockhand's, made again (then labelled).
    assert router_recipe.outdated("dockhand-router:old", tag, "\n", "f1")
    # The same files FROM another base image (another checkout's BASE_IMAGE):
    # shared as it is, not made again at each checkout's `inv up`.
    assert not router_recipe.outdated("dockhand-router:other", tag, "f1\n", "f1")
