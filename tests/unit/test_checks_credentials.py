"""The env file's password against the verifier PostgreSQL keeps (both
verifiers made by PostgreSQL 15 for the password 'pencil')."""

from __future__ import annotations

from pathlib import Path

import pytest

from dockhand.checks import credentials
from dockhand.config import settings
from dockhand.docker import containers
from dockhand.docker.compose import ComposeCli
from dockhand.session import Session
from helpers import FakeRunner

SCRAM = (
    "SCRAM-SHA-256$4096:NiO5K5aAU//Ur82c3HVjPA==$"
    "OCIEYeyJQx/e0fD4gjLWOKAZVPtLACOx9bH8j7Y6R7M=:"
    "WE3U+CcaTw0L6vhWURGff0XhVLw2WwLsHGF8nBmqn1M="
)
MD5 = "md58bbf3f45673bf67d02e4214911f3417f"  # role m


def test_scram_verifier() -> None:
    assert credentials.password_matches(SCRAM, "pencil", "u") is True
    assert credentials.password_matches(SCRAM, "pencil2", "u") is False


def test_md5_verifier() -> None:
    assert credentials.password_matches(MD5, "pencil", "m") is True
    assert credentials.password_matches(MD5, "pencil", "u") is False


def test_unknown_or_broken_verifiers_cannot_be_told() -> None:
    assert credentials.password_matches("", "pencil", "u") is None
    assert credentials.password_matches("SCRAM-SHA-256$x", "pencil", "u") is None


def test_the_mismatch_is_one_line_naming_volume_time_and_choices() -> None:
    login = credentials.Login(False, "shop_db-data", "2026-12-01T10:02:03Z")
    message, hint = credentials.mismatch_message(login, ".env")
    assert message == (
        "the database volume shop_db-data (made 2026-12-01 10:02 UTC) was "
        "initialised with another POSTGRES_PASSWORD than .env has"
    )
    assert "restore the .env it was made with" in hint
    assert "inv down --volumes" in hint
    assert credentials.when("") == "at an unknown time"


def test_the_volume_is_the_containers_named_mount() -> None:
    inspected = {
        "Mounts": [
            {"Type": "bind", "Name": "", "Source": "/x"},
            {"Type": "volume", "Name": "shop_db-data"},
        ]
    }
    assert credentials.volume_of(inspected) == "shop_db-data"
    assert credentials.volume_of({}) == ""


def remembering(
    tmp_path: Path, created: str = "2026-12-01T10:02:03Z"
) -> tuple[Session, FakeRunner]:
    """A session whose env file says 'pencil', over a runner whose volume
    was made at `created`; the cache in tmp_path."""
    (tmp_path / "docker-compose.yml").write_text("services: {db: {}}\n")
    env = tmp_path / ".env"
    env.write_text("POSTGRES_PASSWORD=pencil\n")
    runner = FakeRunner(reply=lambda argv: (0, created + "\n", ""))
    s = Session(
        settings.load({"root": str(tmp_path), "project": "proj", "env_file": str(env)}),
        runner,
        compose_cli=ComposeCli(("docker", "compose"), (5, 6, 1)),
    )
    return s, runner


def test_a_verified_login_is_remembered_with_its_volume(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOCKHAND_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("POSTGRES_PASSWORD", raising=False)
    s, runner = remembering(tmp_path)
    assert credentials.remembered_match(s) is False  # nothing kept yet
    assert runner.calls == []
    login = credentials.Login(
        True, "proj_db-data", "2026-12-01T10:02:03Z", verifier=SCRAM, user="u"
    )
    credentials.remember_match(s, login)
    [kept] = (tmp_path / "cache").glob("login-*.json")
    assert kept.stat().st_mode & 0o777 == 0o600
    assert "pencil" not in kept.read_text()
    assert credentials.remembered_match(s) is True
    assert runner.calls == [containers.volume_created_argv("proj_db-data")]
    # another password: not told by the memory (the probe tells)
    assert credentials.remembered_match(s, {"POSTGRES_PASSWORD": "pencil2"}) is False
    # the volume made again: asked again
    again, _ = remembering(tmp_path, created="2026-12-01T11:00:00Z")
    assert credentials.remembered_match(again) is False
    # the env file changed: a new fingerprint, nothing remembered for it
    (tmp_path / ".env").write_text("POSTGRES_PASSWORD=pencil\nX=1\n")
    assert credentials.remembered_match(remembering_again(tmp_path)) is False


def remembering_again(tmp_path: Path) -> Session:
    return Session(
        settings.load(
            {
                "root": str(tmp_path),
                "project": "proj",
                "env_file": str(tmp_path / ".env"),
            }
        ),
        FakeRunner(reply=lambda argv: (0, "2026-12-01T10:02:03Z\n", "")),
        compose_cli=ComposeCli(("docker", "compose"), (5, 6, 1)),
    )


def test_only_a_scram_match_with_its_volume_is_remembered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOCKHAND_CACHE_DIR", str(tmp_path / "cache"))
    s, _ = remembering(tmp_path)
    for login in (
        credentials.Login(True, "v", "t", verifier=MD5, user="m"),
        credentials.Login(False, "v", "t", verifier=SCRAM, user="u"),
        credentials.Login(True, "", "t", verifier=SCRAM, user="u"),
    ):
        credentials.remember_match(s, login)
    assert not (tmp_path / "cache").exists()
