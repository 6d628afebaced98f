"""Pure: one image as the engine's inspect data describes it (the SDK's
inspect_image or `docker image inspect`), parsed once here: the checks
(image size, image user, base images) and the stale-image step read it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from dockhand.docker.jsondoc import items, mapping, strings, text


@dataclass(frozen=True)
class InspectedImage:
    id: str
    tags: tuple[str, ...] = ()  # RepoTags
    size: float = 0.0  # bytes
    user: str = ""  # the final USER; "" when none is set (root)
    labels: Mapping[str, str] = field(default_factory=dict)
    created: str = ""  # the engine's timestamp, as it gives it


def image_of(attrs: object) -> InspectedImage:
    found = mapping(attrs)
    config = mapping(found.get("Config"))
    return InspectedImage(
        id=text(found.get("Id")),
        tags=tuple(text(t) for t in items(found.get("RepoTags"))),
        size=float(text(found.get("Size")) or 0),
        user=text(config.get("User")),
        labels=strings(config.get("Labels")),
        created=text(found.get("Created")),
    )


# The registry prefixes Podman writes into a tag that Docker leaves out.
_FULL_NAME = ("docker.io/library/", "docker.io/", "localhost/")


def short_tag(tag: str) -> str:
    """The tag as Docker and Compose name it: docker.io/library/web:latest
    (how Podman 5 tags a built `web`) is web:latest."""
    for prefix in _FULL_NAME:
        if tag.startswith(prefix):
            return tag[len(prefix) :]
    return tag
