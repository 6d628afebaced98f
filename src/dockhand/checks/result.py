"""What every check returns, for `inv doctor` and `inv check` alike: a
`Check` with a status (OK, WARN, FAIL or SKIP); why a fact could not be had
(`Problem`); the helpers the checks share to turn what they found into a
Check; and the one JSON form of a list of them."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

OK, WARN, FAIL, SKIP = "ok", "warn", "fail", "skip"
STATUSES = (OK, WARN, FAIL, SKIP)


@dataclass(frozen=True)
class Check:
    """One line of the report. `fix` says what to do on a failure or a
    warning (and, on a skip, how to make the check run)."""

    name: str
    status: str  # ok, warn (works, but look), fail, or skip (could not check)
    detail: str
    fix: str = ""

    @property
    def ok(self) -> bool:
        """Everything but a failure: a skip is not a failure (nor a pass)."""
        return self.status != FAIL

    def as_dict(self) -> dict[str, str | bool]:
        return {
            "name": self.name,
            "status": self.status,
            "ok": self.ok,
            "detail": self.detail,
            "fix": self.fix,
        }


def passed(name: str, detail: str) -> Check:
    return Check(name, OK, detail)


def failed(name: str, detail: str, fix: str) -> Check:
    return Check(name, FAIL, detail, fix)


def warned(name: str, detail: str, fix: str = "") -> Check:
    return Check(name, WARN, detail, fix)


def skipped(name: str, detail: str, fix: str = "") -> Check:
    return Check(name, SKIP, detail, fix)


def summary(checks: Iterable[Check]) -> dict[str, int]:
    counts = dict.fromkeys(STATUSES, 0)
    for check in checks:
        counts[check.status] += 1
    return counts


def as_json(checks: Sequence[Check]) -> str:
    """The one JSON form: {"ok", "summary": {ok, warn, fail, skip}, "checks"}."""
    return json.dumps(
        {
            "ok": all(c.ok for c in checks),
            "summary": summary(checks),
            "checks": [c.as_dict() for c in checks],
        },
        indent=2,
    )


@dataclass(frozen=True)
class Problem:
    """Why a fact could not be had: FAIL (it is wrong) or SKIP (not there yet)."""

    detail: str
    fix: str = ""
    status: str = FAIL
    valid: bool = False  # Compose accepted the files; only their model is missing


def from_problems(name: str, problems: Sequence[tuple[str, str]], good: str) -> Check:
    """FAIL with every problem (detail; fix) when there are any, else OK."""
    if not problems:
        return passed(name, good)
    details = "; ".join(detail for detail, _ in problems)
    fixes = list(dict.fromkeys(fix for _, fix in problems if fix))
    return failed(name, details, "; ".join(fixes))


def as_check(name: str, problem: Problem) -> Check:
    """The problem as it is, with its own status."""
    return Check(name, problem.status, problem.detail, problem.fix)


def skipped_for(name: str, problem: Problem) -> Check:
    """SKIP because a fact the check needs is missing."""
    return skipped(name, f"skipped: {problem.detail}", problem.fix)
