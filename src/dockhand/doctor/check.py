"""What every doctor check returns: a Check, and the JSON of a list of them."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

OK, FAIL, WARN, SKIP = "ok", "fail", "warn", "skip"


@dataclass(frozen=True)
class Check:
    name: str
    status: str  # ok, fail, warn (works, but look) or skip (could not check)
    detail: str
    fix: str = ""

    @property
    def ok(self) -> bool:
        return self.status != FAIL

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "ok": self.ok}


def passed(name: str, detail: str) -> Check:
    return Check(name, OK, detail)


def failed(name: str, detail: str, fix: str) -> Check:
    return Check(name, FAIL, detail, fix)


def warned(name: str, detail: str, fix: str = "") -> Check:
    return Check(name, WARN, detail, fix)


def skipped(name: str, detail: str) -> Check:
    return Check(name, SKIP, detail)


def as_json(checks: Sequence[Check]) -> str:
    return json.dumps(
        {"ok": all(c.ok for c in checks), "checks": [c.as_dict() for c in checks]},
        indent=2,
    )
