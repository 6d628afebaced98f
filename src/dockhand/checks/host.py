"""Pure: the argv of the host's own tools that doctor asks (not docker's,
which are in containers.py and compose.py)."""

from __future__ import annotations


def listener_argv(ss: str, port: int) -> list[str]:
    """`ss`: the process listening on TCP `port`, with its name and pid."""
    return [ss, "-Hltnp", f"sport = :{port}"]
