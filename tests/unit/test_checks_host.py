"""The argv of the host's own tools."""

from __future__ import annotations

from dockhand.checks import host


def test_ss_is_asked_for_the_listener_of_one_port_with_its_process() -> None:
    assert host.listener_argv("/usr/bin/ss", 8078) == [
        "/usr/bin/ss",
        "-Hltnp",
        "sport = :8078",
    ]
