"""What dockhand reads in `docker compose --verbose watch`'s lines
(dockhand.docker.compose_watch): the lines of Compose 5.6.1 on this machine,
and those Compose 2.26 and 2.40 write (pkg/compose/watch.go at v2.26.1, v2.40.3)."""

from __future__ import annotations

import pytest

from dockhand.docker.compose_watch import Said, read

LOGRUS = 'time="2026-12-06T15:59:04Z" level={} msg="{}"'


@pytest.mark.parametrize(
    ("line", "said"),
    [
        ("Watch enabled", Said("enabled")),
        (
            'Syncing service "app" after changes were detected: /w/src/d, /w/src/d/c.txt',
            Said("sync", ("app",), ("/w/src/d", "/w/src/d/c.txt")),
        ),
        (
            'Syncing service "app" after 12 changes were detected',
            Said("sync", ("app",)),
        ),
        ('Syncing "app" after changes were detected', Said("sync", ("app",))),  # 2.26
        (
            'Rebuilding service(s) ["api" "web"] after changes were detected...',
            Said("rebuild", ("api", "web")),
        ),
        (
            'Rebuilding service "api" after changes were detected...',
            Said("rebuild", ("api",)),
        ),  # 2.26
        ('service(s) ["api"] restarted', Said("restarted", ("api",))),
        (
            "Build failed. Error: failed to solve: exit code 1",
            Said("failed", text="failed to solve: exit code 1"),
        ),
        (
            LOGRUS.format(
                "warning",
                "Error handling changed files: copying files to 5c3e: Error response"
                ' from daemon: getent unable to find entry \\"1001\\" in passwd database',
            ),
            Said(
                "failed", text='getent unable to find entry "1001" in passwd database'
            ),
        ),
        (
            LOGRUS.format(
                "warning", "Error handling changed files for service api: exit code 1"
            ),
            Said("failed", ("api",), text="exit code 1"),
        ),
        (
            LOGRUS.format("debug", "batch complete: duration[84.5ms] count[1]"),
            Said("done"),
        ),
        (
            LOGRUS.format(
                "debug", "batch complete: service[api] duration[1s] count[2]"
            ),
            Said("done", ("api",)),
        ),  # 2.26: a batch per service
        (LOGRUS.format("debug", "batch start: count[1]"), Said("debug")),
        (
            LOGRUS.format("warning", "path '/w' also declared by a bind mount volume"),
            Said("warning", text="path '/w' also declared by a bind mount volume"),
        ),
        (
            "#1 [internal] load build definition",
            Said("other", text="#1 [internal] load build definition"),
        ),
    ],
)
def test_each_line_says_what_compose_did(line: str, said: Said) -> None:
    assert read(line) == said


def test_a_prefixed_line_is_read_too() -> None:
    """Compose 2.40 can put its watch logger's mark before the words."""
    assert read('   ⦿ Syncing service "app" after 1 changes were detected') == Said(
        "sync", ("app",)
    )


def test_a_failed_delete_and_copy_are_each_a_line() -> None:
    """Compose joins the errors of one batch (errors.Join): a line each."""
    msg = (
        "Error handling changed files: deleting paths in 5c3e: exit code 1\\n"
        "copying files to 5c3e: Error response from daemon: no space left on device"
    )
    said = read(LOGRUS.format("warning", msg))
    assert said == Said(
        "failed",
        text="deleting paths in 5c3e: exit code 1\nno space left on device",
    )


def test_a_refused_delete_is_read_without_its_stream_header() -> None:
    """Compose passes the container's `rm` stderr on raw, header bytes and all."""
    line = (
        "\x02\x00\x00\x00\x00\x00\x00Arm: cannot remove '/app/x.txt': Permission denied"
    )
    assert read(line) == Said(
        "refused", text="rm: cannot remove '/app/x.txt': Permission denied"
    )
    split = (
        "rm: \x02\x00\x00\x00\x00\x00\x00)cannot remove '/app/x.txt': Permission denied"
    )
    assert read(split) == read(line)  # seen on Engine 28: a header inside
    assert read("a\x00b") == Said("other", text="ab")
