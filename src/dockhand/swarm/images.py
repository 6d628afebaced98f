"""Images for a deploy: each built service's image tagged immutably (the
commit and the image's own content), pushed, and named by digest as the
cluster's nodes pull it, so every node runs the bytes that were built."""

from __future__ import annotations

import json
import sys
import urllib.error
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dockhand.docker.process import Runner
from dockhand.errors import DockhandError
from dockhand.swarm import argv


def built_services(model: Mapping[str, Any]) -> dict[str, str]:
    """{service: the local image Compose builds it as}."""
    project = str(model.get("name") or "")
    return {
        name: str(spec.get("image") or f"{project}-{name}")
        for name, spec in (model.get("services") or {}).items()
        if "build" in spec
    }


def immutable_tag(commit: str, image_id: str) -> str:
    """`<commit>-<content>`: the same commit and bytes give the same tag."""
    return f"{commit or 'nocommit'}-{image_id.removeprefix('sha256:')[:12]}"


def repository(registry: str, project: str, service: str) -> str:
    return f"{registry.rstrip('/')}/{project}/{service}"


def digest_of(repo_digests: list[str], repo: str) -> str:
    for entry in repo_digests:
        name, _, digest = entry.partition("@")
        if name == repo and digest:
            return digest
    return ""


def require_registry(registry: str, timeout: float = 5) -> None:
    """The registry answers its API (/v2/; 401 is an answer), else one line.
    Loopback registries speak plain HTTP (Docker allows them unencrypted)."""
    if not registry:
        raise DockhandError(
            "no registry to push the images to: dockhand.deploy_registry is not set",
            hint="set it in invoke.yaml, or INVOKE_DOCKHAND_DEPLOY_REGISTRY=HOST:PORT "
            '(the lab: eval "$(scripts/swarm-lab env)")',
        )
    host = registry.split("/")[0]
    local = host.split(":")[0] in ("127.0.0.1", "localhost", "::1")
    url = f"{'http' if local else 'https'}://{host}/v2/"
    try:
        urllib.request.urlopen(url, timeout=timeout).close()  # noqa: S310 - http(s) only
    except urllib.error.HTTPError as exc:
        if exc.code in (401, 403):
            return
        raise DockhandError(
            f"the registry {registry} answered {exc.code} at {url}",
            hint="check dockhand.deploy_registry",
        ) from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise DockhandError(
            f"the registry {registry} does not answer ({reason}): nothing was built or deployed",
            hint="start it (the lab: scripts/swarm-lab up), or fix dockhand.deploy_registry",
        ) from None


def commit_of(runner: Runner, root: Path) -> str:
    found = runner.capture(argv.commit(root), timeout=20)
    return found.stdout.strip() if found.ok else ""


def push_pinned(
    runner: Runner,
    built: Mapping[str, str],
    *,
    project: str,
    registry: str,
    pull_registry: str,
    commit: str,
) -> dict[str, str]:
    """Tag and push each image; {service: PULL_REGISTRY/PROJECT/SERVICE@DIGEST}."""
    pinned = {}
    for service, local in built.items():
        repo = repository(registry, project, service)
        if runner.dry:  # nothing was built: say what would be pushed
            ref = f"{repo}:{commit or 'nocommit'}-CONTENT"
            runner.run(argv.tag(local, ref))
            runner.run(argv.push(ref))
            pinned[service] = (
                f"{repository(pull_registry, project, service)}@sha256:DRY"
            )
            continue
        found = runner.capture(argv.image_id(local), timeout=30)
        if not found.ok:
            raise DockhandError(
                f"the image {local} of {service} was not built",
                hint="see the build output above",
            )
        ref = f"{repo}:{immutable_tag(commit, found.stdout.strip())}"
        if not runner.run(argv.tag(local, ref), stdout=sys.stderr.buffer).ok:
            raise DockhandError(f"could not tag {local} as {ref}", hint="see above")
        if not runner.run(argv.push(ref), stdout=sys.stderr.buffer).ok:
            raise DockhandError(
                f"could not push {ref}: nothing was deployed",
                hint="check that the registry takes pushes (docker push)",
            )
        listed = runner.capture(argv.repo_digests(ref), timeout=30)
        digest = digest_of(json.loads(listed.stdout or "[]") if listed.ok else [], repo)
        if not digest:
            raise DockhandError(
                f"the registry gave no digest for {ref}",
                hint="push it by hand to see why",
            )
        pinned[service] = f"{repository(pull_registry, project, service)}@{digest}"
    return pinned
