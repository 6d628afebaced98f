"""The one result type: a Check, its JSON form."""

from __future__ import annotations

import json

from dockhand.checks.result import as_json, failed, passed, warned


def test_json_has_one_entry_per_check_a_summary_and_the_overall_result() -> None:
    found = [
        passed("a", "fine"),
        failed("b", "broken", "fix it"),
        warned("c", "odd"),
    ]
    data = json.loads(as_json(found))
    assert list(data) == ["ok", "summary", "checks"]
    assert data["ok"] is False
    assert data["summary"] == {"ok": 1, "warn": 1, "fail": 1, "skip": 0}
    assert data["checks"][1] == {
        "name": "b",
        "status": "fail",
        "ok": False,
        "detail": "broken",
        "fix": "fix it",
    }
    assert data["checks"][2]["ok"] is True  # a warning does not fail
