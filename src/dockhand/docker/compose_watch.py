"""Pure: what one line of `docker compose --verbose watch` says, in the
words of Compose 2.26 to 5.x (pkg/compose/watch.go): watching began, a
service's files are being synced or it is rebuilt, a restart, a failure,
and the end of a batch of changes (`batch complete`, a debug line)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

# logrus's text lines: time="..." level=warning msg="..." (msg Go-quoted)
_LOGRUS = re.compile(r'^time="[^"]*" level=(\w+) msg="((?:[^"\\]|\\.)*)"')
_SYNC = re.compile(
    r'Syncing (?:service )?"([^"]+)" after (?:\d+ )?changes were detected(?:: (.*))?$'
)
_REBUILD = re.compile(r"Rebuilding service(?:\(s\))? (.+) after changes were detected")
_RESTARTED = re.compile(r"service\(s\) (.+) restarted$")
_FAILED = re.compile(
    r"(?:Build failed|Failed to recreate services? after update"
    r"|Application failed to start after update)\. Error: (.*)$"
)
_HANDLING = re.compile(
    r"Error handling changed files(?: for service (\S+))?: ([\s\S]*)$"
)
_QUOTED = re.compile(r'"([^"]+)"')
_DAEMON = "Error response from daemon: "
# What `rm` says in the container when Compose deletes as the service's
# user, passed on raw (a stream header's bytes before it).
# `rm` writes in pieces: a frame's header can fall inside the words too.
_REFUSED = re.compile(r"rm: .{0,8}?cannot remove '([^']*)': Permission denied")
_UNPRINTABLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


@dataclass(frozen=True)
class Said:
    """kind: enabled, sync, rebuild, restarted, failed, done (a batch
    ended), refused (a delete the service's user may not make), warning,
    debug (nothing for the user) or other (shown as is)."""

    kind: str
    services: tuple[str, ...] = ()
    paths: tuple[str, ...] = ()
    text: str = ""


def reason(text: str) -> str:
    """The engine's own words at the end of a Compose error, without the
    container id and the wrapping before them."""
    return text.rsplit(_DAEMON, 1)[-1].strip() if _DAEMON in text else text.strip()


def _unquote(text: str) -> str:
    """A Go-quoted string's text (JSON's escapes are Go's, but for \\x)."""
    try:
        return str(json.loads(f'"{text}"'))
    except ValueError:
        return re.sub(r"\\(.)", r"\1", text)


def read(line: str) -> Said:
    found = _LOGRUS.match(line)
    level, text = (found.group(1), _unquote(found.group(2))) if found else ("", line)
    text = text.strip()
    if (handling := _HANDLING.search(text)) is not None:
        services = (handling.group(1),) if handling.group(1) else ()
        # errors.Join: one line per container and step (delete, copy)
        each = [reason(part) for part in handling.group(2).splitlines() if part.strip()]
        return Said("failed", services, text="\n".join(each))
    if text.startswith("batch complete"):
        service = re.search(r"service\[([^\]]+)\]", text)
        return Said("done", (service.group(1),) if service else ())
    if level == "debug":
        return Said("debug")
    if level in ("warning", "error", "fatal"):
        return Said("warning", text=text)
    if text.endswith("Watch enabled"):
        return Said("enabled")
    if (sync := _SYNC.search(text)) is not None:
        paths = tuple(p for p in (sync.group(2) or "").split(", ") if p)
        return Said("sync", (sync.group(1),), paths)
    if (rebuild := _REBUILD.search(text)) is not None:
        return Said("rebuild", tuple(_QUOTED.findall(rebuild.group(1))))
    if (restarted := _RESTARTED.search(text)) is not None:
        return Said("restarted", tuple(_QUOTED.findall(restarted.group(1))))
    if (failed := _FAILED.search(text)) is not None:
        return Said("failed", text=reason(failed.group(1)))
    plain = _UNPRINTABLE.sub("", line)
    if (refused := _REFUSED.search(plain)) is not None:
        return Said(
            "refused", text=f"rm: cannot remove '{refused.group(1)}': Permission denied"
        )
    return Said("other", text=plain)
