"""checks/support.py: the support table, and doctor's word outside it."""

from __future__ import annotations

from pathlib import Path

from checked_project import facts_for, make_project, recorded_engine

from dockhand.checks.result import OK, WARN
from dockhand.checks.support import (
    TESTED,
    Supported,
    judge,
    outside,
    running_versions,
    table_rows,
)

DOCS = Path(__file__).resolve().parents[2] / "docs" / "support.md"
ENGINE = Supported("Docker Engine", (20, 10), (28, 5), "")


def test_inside_the_range_is_inside() -> None:
    assert outside(ENGINE, (20, 10, 24)) is None
    assert outside(ENGINE, (25, 0, 1)) is None  # between the ends
    assert outside(ENGINE, (28, 5, 2)) is None


def test_older_and_newer_are_named_with_the_tested_end() -> None:
    assert outside(ENGINE, (19, 3, 15)) == (
        "Docker Engine 19.3 is older than the oldest tested (20.10)"
    )
    assert outside(ENGINE, (29, 0)) == (
        "Docker Engine 29.0 is newer than the newest tested (28.5)"
    )


def test_a_combination_outside_warns_naming_each_part() -> None:
    check = judge(
        {"Docker Engine": (29, 1, 0), "Compose": (5, 6, 1), "Python": (3, 14)}
    )
    assert check.status == WARN
    assert "Docker Engine 29.1 is newer" in check.detail
    assert "Python 3.14 is newer" in check.detail
    assert "Compose" not in check.detail
    assert "docs/support.md" in check.fix


def test_inside_passes_and_names_what_runs() -> None:
    check = judge({"Docker Engine": (20, 10, 24), "Compose": (5, 6, 1)})
    assert check.status == OK
    assert check.detail == (
        "inside what the tests run on: Docker Engine 20.10.24, Compose 5.6.1"
    )


def test_the_docs_table_is_the_one_doctor_compares_against() -> None:
    rows = [line for line in DOCS.read_text().splitlines() if line.startswith("| ")]
    assert rows[2:] == table_rows(TESTED)


def test_podman_is_judged_as_podman_not_as_an_old_docker() -> None:
    check = judge({"Podman": (5, 8, 6), "Compose": (5, 6, 1)})
    assert check.status == OK
    assert "Podman 5.8.6" in check.detail


def test_the_engine_is_read_from_its_own_answer(tmp_path: Path) -> None:
    make_project(tmp_path)
    for recorded, part, version in (
        ("podman-5.8.6", "Podman", (5, 8, 6)),
        ("docker-20.10.24", "Docker Engine", (20, 10, 24)),
        ("docker-rootless-28.5.2", "Docker Engine", (28, 5, 2)),
    ):
        facts = facts_for(tmp_path, engine=recorded_engine(recorded))
        found = running_versions(facts, library=lambda _: None)
        assert {k: v for k, v in found.items() if k != "Python"} == {
            part: version,
            "Compose": (5, 6, 1),
        }
