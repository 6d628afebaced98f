"""steps/trust.py: the override written before up and build, with the
build secret only where BuildKit builds, and the project that includes it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_docker_trust import CORP

from dockhand.config.settings import load
from dockhand.docker.compose import ComposeCli
from dockhand.errors import DockhandError
from dockhand.session import Session
from dockhand.steps import trust
from helpers import FakeRunner

MODEL = {
    "name": "p",
    "services": {
        "web": {"build": {"context": "/p/web"}, "image": "p-web"},
        "db": {"image": "postgres:15"},
    },
}


def session(
    tmp_path: Path, *, buildx: bool = True, dry: bool = False, **keys: object
) -> tuple[Session, FakeRunner]:
    (tmp_path / "docker-compose.yml").write_text("services: {}\n")
    (tmp_path / "corp.pem").write_text(CORP)

    def reply(argv: list[str]) -> tuple[int, str, str]:
        if argv[-2:] == ["--format", "json"]:
            return 0, json.dumps(MODEL), ""
        if argv[:2] == ["docker", "buildx"]:
            return (0, "github.com/docker/buildx 0.29.1", "") if buildx else (1, "", "")
        return 0, "", ""

    runner = FakeRunner(reply=reply, dry=dry)
    settings = load(
        {"root": str(tmp_path), "project": "p", "trust_path": "corp.pem", **keys}
    )
    cli = ComposeCli(("docker", "compose"), (2, 40, 3))
    return Session(settings, runner, compose_cli=cli), runner


def test_on_every_service_mounts_the_bundle_and_builds_get_the_secret(
    tmp_path: Path,
) -> None:
    s, runner = session(tmp_path, trust=True)
    assert s.project.files == (tmp_path / "docker-compose.yml",)
    trust.prepare(s)
    override = s.project.files[-1]
    assert s.project.files[:-1] == (tmp_path / "docker-compose.yml",)
    written = json.loads(override.read_text())
    bundle = str(override.parent / "ca-certificates.crt")
    assert sorted(written["services"]) == ["db", "web"]
    assert written["services"]["web"]["build"] == {"secrets": ["dockhand-ca"]}
    assert "build" not in written["services"]["db"]
    assert written["secrets"] == {"dockhand-ca": {"file": bundle}}
    assert Path(bundle).read_text().endswith(CORP)
    assert ["docker", "buildx", "version"] in runner.calls


def test_a_second_call_with_nothing_changed_asks_nothing(tmp_path: Path) -> None:
    s, runner = session(tmp_path, trust=True)
    trust.prepare(s)
    asked = len(runner.calls)
    trust.prepare(s)
    assert len(runner.calls) == asked


def test_the_classic_builder_gets_no_secret_and_a_line_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    s, _ = session(tmp_path, trust=True, buildx=False)
    trust.prepare(s)
    written = json.loads(s.project.files[-1].read_text())
    assert "secrets" not in written and "build" not in written["services"]["web"]
    assert "classic builder" in capsys.readouterr().err


def test_off_or_dry_writes_nothing(tmp_path: Path) -> None:
    for s, runner in (session(tmp_path), session(tmp_path, trust=True, dry=True)):
        trust.prepare(s)
        assert runner.calls == []
        assert s.project.files == (tmp_path / "docker-compose.yml",)


def test_a_named_path_without_certificates_stops_it(tmp_path: Path) -> None:
    s, runner = session(tmp_path, trust=True)
    (tmp_path / "corp.pem").write_text("no certificate here")
    with pytest.raises(DockhandError, match="holds no certificate"):
        trust.prepare(s)
    assert runner.calls == []


def test_turned_off_the_project_drops_the_override(tmp_path: Path) -> None:
    s, _ = session(tmp_path, trust=True)
    trust.prepare(s)
    off, _ = session(tmp_path)
    assert off.project.files == (tmp_path / "docker-compose.yml",)


def test_a_host_without_any_bundle_stops_it_or_says_what_is_missing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from dockhand.docker import trust as certs
    from dockhand.docker.trust_store import HostTrust

    s, runner = session(tmp_path, trust=True)
    monkeypatch.setattr(trust.trust_store, "read", lambda named: HostTrust([], None))
    with pytest.raises(DockhandError, match="no CA bundle dockhand knows"):
        trust.prepare(s)
    assert runner.calls == []
    named = certs.parse(CORP.encode(), "corp.pem")
    monkeypatch.setattr(
        trust.trust_store, "read", lambda named_: HostTrust(named, None)
    )
    trust.prepare(s)
    assert "holds only dockhand.trust_path's CAs" in capsys.readouterr().err
    assert (s.project.files[-1].parent / "ca-certificates.crt").read_text() == CORP
