"""The .dockerignore matcher, with Docker's rules: which paths a build context
leaves out."""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import PurePosixPath


def _pattern_regex(pattern: str) -> re.Pattern[str]:
    """Docker's (moby/patternmatcher) glob: * and ? stay within a path
    element, ** crosses them, [..] classes, \\ escapes."""
    out = []
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if pattern.startswith("**", i):
            i += 2
            if pattern.startswith("/", i):  # **/ : zero or more directories
                i += 1
                out.append("(?:.*/)?")
            else:
                out.append(".*")
            continue
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "\\" and i + 1 < len(pattern):
            i += 1
            out.append(re.escape(pattern[i]))
        elif char == "[":
            end = pattern.find("]", i + 1)
            if end == -1:
                out.append(re.escape(char))
            else:
                body = pattern[i + 1 : end]
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append(f"[{body}]")
                i = end
        else:
            out.append(re.escape(char))
        i += 1
    return re.compile("".join(out) + r"\Z")


def ignore_rules(text: str) -> list[tuple[bool, re.Pattern[str]]]:
    """(is an exception, pattern) for each line of a .dockerignore."""
    rules = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        exception = line.startswith("!")
        if exception:
            line = line[1:].strip()
        cleaned = os.path.normpath(line).replace(os.sep, "/").lstrip("/")
        if cleaned in ("", "."):
            continue
        rules.append((exception, _pattern_regex(cleaned)))
    return rules


def ignored(rules: Sequence[tuple[bool, re.Pattern[str]]], path: str) -> bool:
    """Whether the build context leaves `path` out: the last rule matching the
    path or one of its parent folders decides."""
    parts = PurePosixPath(path).parts
    prefixes = ["/".join(parts[: n + 1]) for n in range(len(parts))]
    excluded = False
    for exception, pattern in rules:
        if any(pattern.match(prefix) for prefix in prefixes):
            excluded = not exception
    return excluded
