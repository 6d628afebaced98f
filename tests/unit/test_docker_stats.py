"""The stats maths: CPU % from a sample's own deltas, memory without the
page cache, on samples two real engines sent (a container held to half a
core: `--cpus 0.5` running a busy loop)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dockhand.docker import stats

DATA = Path(__file__).parent / "data"


def samples(name: str) -> tuple[dict[str, object], dict[str, object]]:
    found = json.loads((DATA / name).read_text())
    return found["first"], found["second"]


@pytest.mark.parametrize("name", ["stats_engine_20_10.json", "stats_engine_28.json"])
def test_half_a_core_reads_as_about_50_percent(name: str) -> None:
    first, later = samples(name)
    assert stats.cpu_percent(first) is None  # no earlier sample to compare with
    cpu = stats.cpu_percent(later)
    assert cpu is not None and 45 < cpu < 55
    used = stats.usage(later)
    assert used.memory is not None and 0 < used.memory < 2 << 20
    assert used.memory_limit == 25276182528


def test_cpu_is_the_container_s_share_of_the_host_s_time_times_its_cpus() -> None:
    sample = {
        "cpu_stats": {
            "cpu_usage": {"total_usage": 3_000},
            "system_cpu_usage": 20_000,
            "online_cpus": 4,
        },
        "precpu_stats": {
            "cpu_usage": {"total_usage": 1_000},
            "system_cpu_usage": 10_000,
        },
    }
    assert stats.cpu_percent(sample) == pytest.approx(80.0)  # 2000/10000 * 4
    without_online = json.loads(json.dumps(sample))
    del without_online["cpu_stats"]["online_cpus"]
    without_online["cpu_stats"]["cpu_usage"]["percpu_usage"] = [1, 2]
    assert stats.cpu_percent(without_online) == pytest.approx(40.0)


@pytest.mark.parametrize(
    "cpu_stats, precpu_stats",
    [
        ({}, {}),  # a stopped container: zeros, no system time
        (  # the system's time did not move
            {"cpu_usage": {"total_usage": 5}, "system_cpu_usage": 10},
            {"cpu_usage": {"total_usage": 1}, "system_cpu_usage": 10},
        ),
        (  # the container's counter went back (restarted between samples)
            {"cpu_usage": {"total_usage": 1}, "system_cpu_usage": 20},
            {"cpu_usage": {"total_usage": 5}, "system_cpu_usage": 10},
        ),
    ],
)
def test_no_cpu_where_the_sample_cannot_tell(
    cpu_stats: dict[str, object], precpu_stats: dict[str, object]
) -> None:
    sample = {"cpu_stats": cpu_stats, "precpu_stats": precpu_stats}
    assert stats.cpu_percent(sample) is None


@pytest.mark.parametrize(
    "memory, expected",
    [
        ({"usage": 1000, "stats": {"total_inactive_file": 300}}, 700),  # cgroup v1
        ({"usage": 1000, "stats": {"inactive_file": 200}}, 800),  # cgroup v2
        ({"usage": 1000, "stats": {"inactive_file": 5000}}, 1000),  # never below 0
        ({"usage": 1000}, 1000),
        ({}, None),  # stopped
        ({"usage": None}, None),
    ],
)
def test_memory_leaves_out_the_page_cache(
    memory: dict[str, object], expected: int | None
) -> None:
    assert stats.memory_bytes({"memory_stats": memory}) == expected
