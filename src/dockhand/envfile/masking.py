"""Which env values are secret, and keeping them out of output."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from dockhand.envfile.reading import read
from dockhand.errors import DockhandError

SECRET_WORDS = ("PASSWORD", "SECRET", "TOKEN", "KEY")
MASK = "********"

_URL_PASSWORD = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*://[^:/@\s]*:)[^@\s/]+@")


def secret_like(key: str, marked: Iterable[str] = ()) -> bool:
    upper = key.upper()
    return key in set(marked) or any(word in upper for word in SECRET_WORDS)


def secret_values(env_path: Path, example_path: Path) -> list[str]:
    """Every secret-like value `env_path` holds (nothing when it is unreadable),
    so that output can be scrubbed of them."""
    try:
        env = read(env_path)
    except DockhandError:
        return []
    try:
        marked: frozenset[str] = read(example_path).secret_keys
    except DockhandError:
        marked = frozenset()
    marked |= env.secret_keys
    return [v for k, v in env.values.items() if v and secret_like(k, marked)]


def mask(value: str | None) -> str:
    return MASK if value else ""


def redact(text: str, values: Iterable[str | None]) -> str:
    """`text` with every secret value in it replaced by the mask."""
    for value in sorted(
        {v for v in values if v and len(v) >= 4}, key=len, reverse=True
    ):
        text = text.replace(value, MASK)
    return _redact_url_passwords(text)


def _redact_url_passwords(text: str) -> str:
    """scheme://user:password@host -> scheme://user:********@host"""
    return _URL_PASSWORD.sub(rf"\g<1>{MASK}@", text)
