"""Pure: the router's image, `dockhand-router:DIGEST`, built from its
recipe (`router_image/`, package data: Dockerfile, Caddyfile,
`dockhand-route`) FROM the base image; the tag is a digest of both. A
router running another image is made again by `inv up` when the recipe's
files changed, not when only the base image did (checkouts with another
BASE_IMAGE share one router: it is not made again at each one's `inv up`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path

from dockhand.docker.router_tls import LABEL

RECIPE_LABEL = "dockhand.router.recipe"  # on the image: the digest of its recipe
FILES_LABEL = "dockhand.router.files"  # on the image: the digest of its files alone
RECIPE = Path(__file__).with_name("router_image")
RECIPE_FILES = ("Dockerfile", "Caddyfile", "dockhand-route")


def files() -> dict[str, bytes]:
    return {name: (RECIPE / name).read_bytes() for name in RECIPE_FILES}


def recipe_digest(files: Mapping[str, bytes], base_image: str) -> str:
    """What the image is built from, as 12 hex digits: its tag."""
    digest = hashlib.sha256(base_image.encode())
    for name in sorted(files):
        digest.update(name.encode() + b"\0" + files[name] + b"\0")
    return digest.hexdigest()[:12]


def image_tag(digest: str) -> str:
    return f"dockhand-router:{digest}"


def image_exists_argv(tag: str) -> list[str]:
    return ["docker", "image", "inspect", "--format", "{{.Id}}", tag]


def files_label_argv(image: str) -> list[str]:
    """The digest of the files an image was built from ("" before the label)."""
    return [
        "docker", "image", "inspect", "--format",
        f'{{{{index .Config.Labels "{FILES_LABEL}"}}}}', image,
    ]  # fmt: skip


def build_argv(
    tag: str, folder: Path, base_image: str, digest: str, files_digest: str
) -> list[str]:
    return [
        "docker", "build", "--quiet", "--tag", tag,
        "--build-arg", f"BASE_IMAGE={base_image}",
        "--label", f"{LABEL}=image", "--label", f"{RECIPE_LABEL}={digest}",
        "--label", f"{FILES_LABEL}={files_digest}",
        str(folder),
    ]  # fmt: skip


def outdated(
    running_image: str, tag: str, running_files: str, files_digest: str
) -> bool:
    """Whether a router running `running_image` (whose files label is
    `running_files`) is to be made again from `tag`: its files differ (an
    image without the label predates it: made again once)."""
    return running_image != tag and running_files.strip() != files_digest
