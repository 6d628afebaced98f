"""The host's trust: the CAs it trusts beyond the public bundle, and
whether `dockhand.trust` hands them on (doctor); the Dockerfiles that
download over HTTPS without the build secret `dockhand-ca` (check).
The stores are read by docker/trust_store.py; docs/trust.md."""

from __future__ import annotations

import re
from collections.abc import Sequence

from dockhand.checks.facts import Facts
from dockhand.checks.image_build import each_dockerfile, with_left_out
from dockhand.checks.result import Check, failed, passed, warned
from dockhand.docker.dockerfile import Instruction
from dockhand.docker.trust import BUILD_SECRET, DOCKERFILE_LINE, Cert

SHOWN = 5  # CAs named in one line; the rest counted

# A RUN step that downloads over HTTPS: a package manager that fetches from
# its registry (pip, npm, ...), or any https:// URL (named by the tool
# that fetches it, for the report).
_MANAGER = re.compile(
    r"\b(?:pip3?\s+(?:install|download|wheel)|(?:npm|pnpm)\s+(?:ci|install|i)"
    r"|yarn\s+install|poetry\s+install|uv\s+(?:sync|pip\s+install)|gem\s+install"
    r"|cargo\s+(?:build|install|fetch)|go\s+(?:mod\s+download|get|install))\b"
    r"|-m\s+pip\s+(?:install|download|wheel)\b"
)
_TOOL = re.compile(
    r"\b(?:curl|wget|git|apt-get|apt|apk|pip3?|npm|pnpm|yarn|gem|cargo|go)\b"
)


def _named(certs: Sequence[Cert]) -> str:
    shown = "; ".join(c.line() for c in certs[:SHOWN])
    more = len(certs) - SHOWN
    return shown + (f"; and {more} more" if more > 0 else "")


def check_trust(facts: Facts) -> Check:
    name = "trust"
    host = facts.host_trust
    if host.problems:
        return failed(
            name,
            f"dockhand.trust_path: {'; '.join(host.problems)}",
            "name a PEM file or a folder of .crt/.pem files, or unset it",
        )
    extras, on = host.extras, facts.settings.trust
    count = f"{len(extras)} CA{'s' if len(extras) != 1 else ''}"
    if not extras:
        return passed(
            name,
            "the host trusts no CA beyond the public bundle"
            + ("; dockhand.trust mounts its bundle" if on else ""),
        )
    if on:
        return passed(
            name,
            f"containers and builds get the host's bundle with {count} beyond "
            f"the public one: {_named(extras)}",
        )
    return warned(
        name,
        f"the host trusts {count} the public bundle lacks, the containers and "
        f"builds do not: {_named(extras)}",
        "turn on dockhand.trust (`inv setup` offers it; docs/trust.md)",
    )


def downloads(instruction: Instruction) -> str:
    """What a RUN step downloads over HTTPS with ('' for nothing)."""
    text = " ".join([instruction.args, *instruction.heredocs])
    manager = _MANAGER.search(text)
    if manager is not None:
        return (
            "pip" if manager.group(0).startswith("-m") else manager.group(0).split()[0]
        )
    if "https://" not in text:
        return ""
    tool = _TOOL.search(text)
    return tool.group(0) if tool else "https"


def uses_secret(instruction: Instruction) -> bool:
    mounts = instruction.flags.get("mount", "").split()
    return any(
        "type=secret" in m and f"id={BUILD_SECRET}" in m.split(",") for m in mounts
    )


def check_build_trust(facts: Facts) -> Check:
    name = "build-trust"
    early, dockerfiles, left_out = each_dockerfile(name, facts)
    if early:
        return early
    found, mounted = [], 0
    for service, dockerfile in dockerfiles:
        assert service.build is not None
        dockerfile_path = service.build.dockerfile
        where = facts.rel(dockerfile_path) if dockerfile_path else service.name
        for stage in dockerfile.stages:
            for step in stage.all("RUN"):
                tool = downloads(step)
                if tool and uses_secret(step):
                    mounted += 1
                elif tool:
                    found.append(f"{where}:{step.line} ({tool})")
    if not found:
        said = (
            f"each of {mounted} download(s) over HTTPS mounts the secret {BUILD_SECRET}"
            if mounted
            else "no RUN step downloads over HTTPS"
        )
        return with_left_out(passed(name, said), left_out)
    return warned(
        name,
        "download over HTTPS without the host's CAs (behind an intercepting "
        f"proxy they fail): {', '.join(found)}",
        f"start each of those RUN lines with `{DOCKERFILE_LINE.removesuffix(' ...')}` "
        "(docs/trust.md)",
    )
