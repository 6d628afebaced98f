"""What a check returns: a `Result` with a status (PASS, FAIL or SKIP); why a
fact could not be had (`Problem`); and the helpers the checks share to turn
what they found into a Result."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dockhand.checks.facts import Facts

PASS, FAIL, SKIP = "pass", "fail", "skip"


@dataclass(frozen=True)
class Result:
    """One line of the report. `fix` says what to do on a failure (and, on a
    skip, how to make the check run)."""

    name: str
    status: str
    detail: str
    fix: str = ""

    @property
    def ok(self) -> bool | None:
        """True passed, False failed, None skipped (not a pass)."""
        return None if self.status == SKIP else self.status == PASS

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "status": self.status,
            "ok": self.ok,
            "detail": self.detail,
            "fix": self.fix,
        }


@dataclass(frozen=True)
class Problem:
    """Why a fact could not be had: FAIL (it is wrong) or SKIP (not there yet)."""

    detail: str
    fix: str = ""
    status: str = FAIL
    valid: bool = False  # Compose accepted the files; only their model is missing


def from_problems(
    name: str, problems: Sequence[tuple[str, str]], passed: str
) -> Result:
    """FAIL with every problem (detail; fix) when there are any, else PASS."""
    if not problems:
        return Result(name, PASS, passed)
    details = "; ".join(detail for detail, _ in problems)
    fixes = list(dict.fromkeys(fix for _, fix in problems if fix))
    return Result(name, FAIL, details, "; ".join(fixes))


def as_result(name: str, problem: Problem) -> Result:
    """The problem as it is, with its own status."""
    return Result(name, problem.status, problem.detail, problem.fix)


def skipped(name: str, problem: Problem) -> Result:
    return Result(name, SKIP, f"skipped: {problem.detail}", problem.fix)


def needs_model(name: str, facts: Facts) -> Result | None:
    """SKIP when the dev model could not be had: the check needs it."""
    if isinstance(facts.dev, Problem):
        why = (
            "needs Compose v2 (`config --format json`)"
            if facts.dev.status == SKIP
            else "the compose files are invalid"
        )
        return Result(name, SKIP, f"skipped: {why} (see compose-dev)", facts.dev.fix)
    return None
