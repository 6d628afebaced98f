"""Pure: dump files, their names and headers (dockhand.postgres.dumps)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from dockhand.postgres import dumps


def test_backup_names_are_utc_and_sortable() -> None:
    local = datetime(2026, 1, 2, 17, 4, 5, tzinfo=timezone(timedelta(hours=2)))
    assert dumps.timestamp(local) == "20260102T150405Z"
    folder = Path("/repo/backups")
    assert dumps.backup_path(folder, "proj", local) == folder / (
        "proj-20260102T150405Z.dump"
    )
    assert dumps.backup_path(folder, "proj", local, "before-restore").name == (
        "proj-20260102T150405Z-before-restore.dump"
    )


def test_a_backup_never_takes_a_used_name() -> None:
    taken = {Path("b/p-1.dump"), Path("b/p-1-2.dump")}
    assert dumps.unused(Path("b/p-1.dump"), taken.__contains__) == Path("b/p-1-3.dump")
    assert dumps.unused(Path("b/p-9.dump"), taken.__contains__) == Path("b/p-9.dump")


def test_partial_files_are_hidden_beside_the_dump() -> None:
    assert dumps.partial_path(Path("b/p-1.dump")) == Path("b/.p-1.dump.partial")


@pytest.mark.parametrize(
    ("head", "problem"),
    [
        (b"PGDMP\x01\x0f\x00", None),
        (b"", "it is empty"),
        (b"--\n-- PostgreSQL database dump\n", "plain SQL"),
        (b"CREATE TABLE items (id int);", "plain SQL"),
        (b"\x00" * 257 + b"ustar\x00", "tar archive"),
        (b"\x89PNG\r\n\x1a\n", "not a pg_dump -Fc archive"),
    ],
)
def test_archive_problem(head: bytes, problem: str | None) -> None:
    found = dumps.archive_problem(head)
    if problem is None:
        assert found is None
    else:
        assert found is not None and problem in found


LISTING = """\
;
; Archive created at 2026-11-26 20:37:12 UTC
;     dbname: neuroagent
;     TOC Entries: 23
;     Compression: gzip
;     Dump Version: 1.15-0
;     Format: CUSTOM
;     Dumped from database version: 15.14 (Debian 15.14-0+deb12u1)
;     Dumped by pg_dump version: 15.14 (Debian 15.14-0+deb12u1)
;
;
; Selected TOC Entries:
;
216; 1259 16389 TABLE public items neuroagent
"""


def test_parse_listing_reads_the_header() -> None:
    info = dumps.parse_listing(LISTING)
    assert info.database == "neuroagent"
    assert info.created == "2026-11-26 20:37:12 UTC"
    assert info.entries == 23
    assert info.server_version.startswith("15.14")
    assert dumps.parse_listing("garbage") == dumps.DumpInfo()


def test_restore_command_is_exact_and_pasteable(tmp_path: Path) -> None:
    inside = tmp_path / "backups" / "p-1.dump"
    assert dumps.restore_command(inside, tmp_path) == "inv db.restore backups/p-1.dump"
    assert dumps.restore_command(inside, tmp_path, prod=True) == (
        "inv prod db.restore backups/p-1.dump"
    )
    spaced = tmp_path / "my dumps" / "p.dump"
    assert dumps.restore_command(spaced, tmp_path / "elsewhere") == (
        f"inv db.restore '{spaced}'"
    )
