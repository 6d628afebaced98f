"""Which of a project's same-named networks `inv up` removes."""

from __future__ import annotations

from typing import Any

from dockhand.steps import networks
from helpers import FakeRunner


def net(
    id: str, name: str = "p_default", created: str = "", used: bool = False
) -> dict[str, Any]:
    return {
        "Id": id,
        "Name": name,
        "Created": created or f"2026-12-01T10:00:0{id[-1]}Z",
        "Containers": {"c1": {}} if used else {},
    }


def test_one_network_per_name_is_nothing_to_do() -> None:
    assert networks.duplicates([net("a1"), net("b2", name="p_back")]) == []


def test_the_used_one_is_kept_and_the_empty_ones_removed() -> None:
    found = networks.duplicates([net("a1"), net("b2", used=True), net("c3")])
    assert found == [networks.Duplicate("p_default", "b2", ("a1", "c3"))]


def test_with_none_in_use_the_oldest_is_kept() -> None:
    found = networks.duplicates([net("b2"), net("a1")])
    assert found == [networks.Duplicate("p_default", "a1", ("b2",))]


def test_two_in_use_are_not_decided() -> None:
    [found] = networks.duplicates([net("a1", used=True), net("b2", used=True)])
    assert found.busy == ("a1", "b2") and found.remove == ()


def test_the_argv_are_filtered_by_the_project_label() -> None:
    assert networks.ls_argv("p")[-2:] == [
        "--filter",
        "label=com.docker.compose.project=p",
    ]
    assert networks.rm_argv(["a1"]) == ["docker", "network", "rm", "a1"]


def test_ids_listed_already_are_not_listed_again() -> None:
    runner = FakeRunner()
    networks.repair(runner, "p", ["a1"])
    assert runner.calls == []  # one network: nothing to look at
    networks.repair(runner, "p")
    assert runner.calls == [networks.ls_argv("p")]
