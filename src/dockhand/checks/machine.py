"""The checks of this machine (`inv doctor`): the images the stack needs
(present, or a registry that answers) and free disk where the engine keeps
its data; the host ports are in ports.py.

The probes of the host itself (disk usage, a registry) are passed in, so
each check is tested with the real thing and a stand-in."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from dockhand.checks.base_images import build_bases
from dockhand.checks.facts import Facts
from dockhand.checks.result import Check, Problem, failed, passed, skipped
from dockhand.docker.dockerfile import Dockerfile
from dockhand.docker.image import InspectedImage
from dockhand.docker.model import ComposeModel
from dockhand.ui import sizes

if TYPE_CHECKING:
    from docker import DockerClient

# --- images ---------------------------------------------------------------

BASE_IMAGE_VAR = "BASE_IMAGE"
DEFAULT_BASE_IMAGE = "debian:bookworm-slim"


@dataclass(frozen=True)
class NeededImage:
    image: str
    why: str
    base: bool  # the base images scripts/base-image provides


def needed_images(
    model: ComposeModel | None,
    base_image: str,
    froms: Mapping[str, Sequence[str]] | None = None,
) -> list[NeededImage]:
    """What the stack needs from a registry or the local store: the images
    each build starts FROM (`froms`, read from its Dockerfile with the build
    args resolved; else its BASE_IMAGE, or the configured one), and the
    images of services it does not build."""
    services = model.services if model else {}
    froms = froms or {}
    found: dict[str, NeededImage] = {}
    for name, built in services.items():
        if built.build is None:
            continue
        if name in froms:
            for image in froms[name]:
                found.setdefault(
                    image,
                    NeededImage(image, f"FROM of {name}", image == base_image),
                )
            continue
        image = built.build.args.get(BASE_IMAGE_VAR) or base_image
        found.setdefault(image, NeededImage(image, f"base of {name}", True))
    if not services:
        found[base_image] = NeededImage(base_image, "the base image", True)
    for name, service in services.items():
        if service.build is None and service.image:
            image = service.image
            found.setdefault(image, NeededImage(image, f"image of {name}", False))
    return list(found.values())


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


# --- disk -------------------------------------------------------------------


class DiskUsage(Protocol):
    @property
    def free(self) -> float: ...


def disk_check(
    path: Path,
    min_free_gb: float,
    usage: Callable[[Path], DiskUsage] = shutil.disk_usage,
    where: str = "",
) -> Check:
    try:
        free = usage(path).free
    except OSError as exc:
        return skipped("disk", f"cannot measure {path}: {exc.strerror}")
    detail = f"{sizes.size(free)} free on {path}{where} (needs {min_free_gb:g} GB)"
    if free < min_free_gb * 1e9:
        return failed(
            "disk",
            detail,
            "free space: `docker system prune` (unused images and build cache), "
            "`inv clean` in projects you no longer need, or lower "
            "dockhand.min_free_disk_gb",
        )
    return passed("disk", detail)


def docker_data_dir(client: DockerClient | None, fallback: Path) -> tuple[Path, str]:
    """Where the engine keeps images, when it is on this machine."""
    if client is not None:
        try:
            root = Path(client.info().get("DockerRootDir", ""))
        except Exception:
            root = Path()
        if str(root) not in ("", ".") and root.exists():
            return root, " (the engine's data)"
        return fallback, " (the engine's data is not on this machine)"
    return fallback, ""


# --- the checks, over the facts -----------------------------------------------


def check_images(facts: Facts) -> Check:
    client = facts.client
    if client is None:
        return skipped("images", "the engine is not reachable")
    model = None if isinstance(facts.dev, Problem) else facts.dev
    base = facts.values.get(BASE_IMAGE_VAR) or DEFAULT_BASE_IMAGE
    froms = {}
    if model is not None:
        for service in facts.builds:
            parsed = facts.dockerfiles[service.name]
            if isinstance(parsed, Dockerfile) and service.build is not None:
                froms[service.name] = build_bases(parsed, service.build.args)
    return images_check(
        needed_images(model, base, froms),
        lambda image: isinstance(facts.image(image), InspectedImage),
        lambda image: registry_answers(client, image),
    )


def check_disk(facts: Facts) -> Check:
    folder, where = docker_data_dir(facts.client, facts.root)
    return disk_check(folder, facts.settings.min_free_disk_gb, where=where)
