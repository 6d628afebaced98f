"""The watch probe's pure parts (dockhand.docker.sync_probe): what a copy and
the file read back say. The probe itself runs on the engine:
tests/integration/test_watch.py."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest

from dockhand.docker.sync_probe import Answer, answer, judge, owner
from helpers import FakeEngine, FakeRunner


def test_a_failed_copy_is_the_engines_own_words() -> None:
    said = (
        "Successfully copied 2.05kB to x:/\n"
        'Error response from daemon: getent unable to find entry "app" in passwd database\n'
    )
    assert judge(False, said, None, (1000, 1000)) == Answer(
        False, 'getent unable to find entry "app" in passwd database'
    )


def test_a_file_owned_by_other_ids_fails() -> None:
    """moby#34142: the host's user of the same name, under its ids."""
    found = judge(True, "", (1010, 1010), (2020, 2020))
    assert not found.works and "1010:1010" in found.why and "2020:2020" in found.why


def test_the_services_own_ids_work() -> None:
    assert judge(True, "", (1001, 1001), (1001, 1001)).works


def test_owner_reads_the_tar_header() -> None:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as tar:
        info = tarfile.TarInfo(".dockhand-watch-probe")
        info.uid, info.gid, info.size = 1001, 1002, 0
        tar.addfile(info)
    assert owner(out.getvalue()) == (1001, 1002)
    assert owner(b"not a tar") is None


def test_the_answer_is_remembered_per_engine_image_and_user(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOCKHAND_CACHE_DIR", str(tmp_path))
    failing = 'Error response from daemon: getent unable to find entry "app"'

    def reply(argv: list[str]) -> tuple[int, str, str]:
        if argv[:2] == ["docker", "create"]:
            return 0, "c0ffee\n", ""
        if argv[:3] == ["docker", "cp", "-a"]:
            return 1, "", failing
        return 0, "", ""

    runner = FakeRunner(reply=reply)
    engine = FakeEngine(lambda path: (200, {"ID": "E1", "ServerVersion": "20.10.24"}))
    first = answer(runner, engine, "sha256:img", "app", (1000, 1000))
    assert first == Answer(False, 'getent unable to find entry "app"')
    assert ["docker", "rm", "--force", "--volumes", "c0ffee"] in runner.calls
    made = len(runner.calls)
    again = answer(runner, engine, "sha256:img", "app", (1000, 1000))
    assert again == first and len(runner.calls) == made  # nothing asked
    answer(runner, engine, "sha256:img", "other", (1000, 1000))
    assert len(runner.calls) > made  # another user: probed
