"""The env file's password against the verifier PostgreSQL keeps (both
verifiers made by PostgreSQL 15 for the password 'pencil')."""

from __future__ import annotations

from dockhand import credentials

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
