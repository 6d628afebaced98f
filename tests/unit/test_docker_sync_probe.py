"""The watch probe's pure parts (dockhand.docker.sync_probe): what a copy and
the file read back say. The probe itself runs on the engine:
tests/integration/test_watch.py."""

from __future__ import annotations

import io
import tarfile

from dockhand.docker.sync_probe import Answer, judge, owner


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
