"""Fixtures the unit tests share."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest


@pytest.fixture
def listener() -> Iterator[int]:
    """A real listening socket on a free port of 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield int(sock.getsockname()[1])


@pytest.fixture(autouse=True)
def _own_cache(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What a test's Session remembers (dockhand.docker.service_names) goes to
    a folder of the test run, never the user's ~/.cache/dockhand."""
    monkeypatch.setenv("DOCKHAND_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
