"""Doctor's images check: what the stack pulls or builds on, whether the
engine has it, and whether a registry would answer for what it lacks."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dockhand.doctor.check import Check, failed, passed

if TYPE_CHECKING:
    from docker import DockerClient

BASE_IMAGE_VAR = "BASE_IMAGE"
DEFAULT_BASE_IMAGE = "debian:bookworm-slim"


@dataclass(frozen=True)
class NeededImage:
    image: str
    why: str
    base: bool  # the base images scripts/base-image provides


def needed_images(
    model: Mapping[str, Any] | None, base_image: str
) -> list[NeededImage]:
    """What the stack needs from a registry or the local store: each build's
    BASE_IMAGE (or the configured one), and the images of services it does
    not build."""
    services = (model or {}).get("services") or {}
    found: dict[str, NeededImage] = {}
    builds = [n for n, s in services.items() if s.get("build")]
    for name in builds:
        args = (services[name].get("build") or {}).get("args") or {}
        image = args.get(BASE_IMAGE_VAR) or base_image
        found.setdefault(image, NeededImage(image, f"base of {name}", True))
    if not services:
        found[base_image] = NeededImage(base_image, "the base image", True)
    for name, service in services.items():
        if not service.get("build") and service.get("image"):
            image = service["image"]
            found.setdefault(image, NeededImage(image, f"image of {name}", False))
    return list(found.values())


def image_present(client: DockerClient, image: str) -> bool:
    from docker.errors import ImageNotFound

    try:
        client.images.get(image)
    except ImageNotFound:
        return False
    return True


def registry_answers(client: DockerClient, image: str) -> tuple[bool, str]:
    """Ask the engine to look the image up in its registry (no pull)."""
    from docker.errors import APIError

    try:
        client.api.inspect_distribution(image)
    except APIError as exc:
        text = str(exc.explanation or exc)
        # A registry that answers "denied"/"unauthorized" is still reachable.
        if re.search(r"unauthorized|denied|authentication required", text, re.I):
            return True, "the registry wants a login"
        return False, text.rsplit(": ", 1)[-1][:160]
    except Exception as exc:  # timeouts come from requests
        return False, str(exc)[:160]
    return True, ""


def images_check(
    needed: Sequence[NeededImage],
    present: Callable[[str], bool],
    registry: Callable[[str], tuple[bool, str]],
) -> Check:
    name = "images"
    missing = [n for n in needed if not present(n.image)]
    if not missing:
        return passed(name, ", ".join(f"{n.image} present" for n in needed))
    answers, reason = registry(missing[0].image)
    listed = ", ".join(f"{n.image} ({n.why})" for n in missing)
    if answers:
        extra = f" ({reason})" if reason else ""
        return passed(name, f"not present yet, a registry answers{extra}: {listed}")
    bases = [n.image for n in missing if n.base]
    others = [n.image for n in missing if not n.base]
    fixes = []
    if bases:
        fixes.append(
            f"run scripts/base-image (builds {', '.join(bases)} from Debian packages, "
            "no registry needed)"
        )
    if others:
        fixes.append(
            f"`docker pull {others[0]}` where a registry answers, or `docker load` it"
        )
    return failed(
        name, f"missing and no registry answers ({reason}): {listed}", "; ".join(fixes)
    )
