"""Pure: one sample of the engine's stats stream (`GET /containers/ID/stats`,
one a second) read as `docker stats` reads it: CPU % from the deltas the
sample carries (cpu_stats against precpu_stats), memory without the page
cache the kernel can drop (cgroup v1 `total_inactive_file`, v2
`inactive_file`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from dockhand.docker.jsondoc import items, mapping


@dataclass(frozen=True)
class Usage:
    """What one sample says: CPU % of one core (200.0 is two cores busy),
    None when the sample cannot tell (a stopped container, the first
    sample); memory in bytes, None when the engine reports none."""

    cpu: float | None
    memory: int | None
    memory_limit: int | None


def _number(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def cpu_percent(sample: Mapping[str, object]) -> float | None:
    """Docker's formula: the container's CPU time over the host's, in the
    same interval, times the CPUs online."""
    now, before = mapping(sample.get("cpu_stats")), mapping(sample.get("precpu_stats"))
    used = _number(mapping(now.get("cpu_usage")).get("total_usage")) - _number(
        mapping(before.get("cpu_usage")).get("total_usage")
    )
    system = _number(now.get("system_cpu_usage")) - _number(
        before.get("system_cpu_usage")
    )
    if system <= 0 or used < 0 or not _number(before.get("system_cpu_usage")):
        return None
    online = _number(now.get("online_cpus")) or len(
        items(mapping(now.get("cpu_usage")).get("percpu_usage"))
    )
    return used / system * max(online, 1) * 100.0


def memory_bytes(sample: Mapping[str, object]) -> int | None:
    memory = mapping(sample.get("memory_stats"))
    usage = _number(memory.get("usage"))
    if not usage:
        return None
    detail = mapping(memory.get("stats"))
    cache = _number(detail.get("total_inactive_file")) or _number(
        detail.get("inactive_file")
    )
    return usage - cache if cache < usage else usage


def usage(sample: Mapping[str, object]) -> Usage:
    limit = _number(mapping(sample.get("memory_stats")).get("limit"))
    return Usage(cpu_percent(sample), memory_bytes(sample), limit or None)
