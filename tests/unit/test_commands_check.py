"""`inv check`'s op over facts passed in: the report, its JSON, secrets
masked, the failure (exit code 1)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from checked_project import facts_for, make_project

from dockhand.checks.registry import Facts, Problem
from dockhand.commands import check
from dockhand.errors import DockhandError
from dockhand.session import Session
from helpers import FakeRunner


def run_check(facts: Facts, as_json: bool = False) -> None:
    """`inv check`'s op over the facts given, on a session that runs nothing."""
    check.check(Session(facts.settings, FakeRunner()), as_json=as_json, facts=facts)


def test_check_reports_a_line_per_check_and_fails_with_code_1(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make_project(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")
    run_check(facts_for(tmp_path, containers=[]))
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert lines[0].split() == [
        *("ok", "docker", "CLI", "Docker", "version", "28.2.2,"),
        *("build", "x", "(/usr/bin/docker)"),
    ]
    assert any(line.startswith("skip  container-user") for line in lines)
    assert "23 ok, 0 warn, 0 failed, 1 skipped" in err

    with pytest.raises(DockhandError) as exited:
        run_check(
            facts_for(tmp_path, images={"app": {"Size": 1, "Config": {}}}),
        )
    assert exited.value.code == 1
    out, err = capsys.readouterr()
    failing = [line for line in out.splitlines() if line.startswith("FAIL")]
    assert failing == [
        "FAIL  image-user         app: the image runs as root (no user set)"
    ]
    assert "fix: app: end its Dockerfile with a non-root USER and rebuild" in out
    assert "23 ok, 0 warn, 1 failed, 0 skipped" in err
    assert exited.value.message == "1 of 24 checks failed: image-user"


def test_check_json(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make_project(tmp_path)
    with pytest.raises(DockhandError):
        run_check(
            facts_for(tmp_path, containers=[], variables={"NEW"}),
            True,
        )
    data = json.loads(capsys.readouterr().out)
    assert data["ok"] is False
    assert data["summary"] == {"ok": 22, "warn": 0, "fail": 1, "skip": 1}
    rows = {row["name"]: row for row in data["checks"]}
    assert (
        rows["env example"]["status"] == "fail" and rows["env example"]["ok"] is False
    )
    assert rows["env example"]["fix"].startswith("add NEW to .env.example")
    assert rows["container-user"] == {
        "name": "container-user",
        "status": "skip",
        "ok": True,
        "detail": "skipped: not running (no containers of project p)",
        "fix": "start the stack (`inv up`), then run `inv check` again",
    }


def test_check_masks_secrets_in_text_and_json(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Any detail or fix that quotes a secret of the env file shows it masked,
    # in inv check as in inv doctor: one report.
    make_project(tmp_path)
    secret = "s3cr3t-Value-0123456789"
    (tmp_path / ".env.example").write_text(
        "BASE_IMAGE=debian:bookworm-slim\nAPP_PORT=80\n# @secret\nAPI_TOKEN=change-me\n"
    )
    (tmp_path / ".env").write_text(f"API_TOKEN={secret}\n")
    leaky = Problem(f"the engine said: bad token {secret}", f"unset {secret}")
    facts = facts_for(tmp_path, containers=[], engine=leaky)
    for as_json in (False, True):
        with pytest.raises(DockhandError, match="1 of 24 checks failed: engine"):
            run_check(facts, as_json)
        out, err = capsys.readouterr()
        assert secret not in out + err
        assert "bad token ********" in out and "unset ********" in out
