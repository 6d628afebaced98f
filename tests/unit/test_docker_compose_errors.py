"""Compose's reason, read from its stderr: messages as Compose 5.6 and the
engine (20.10) wrote them here, and BuildKit on Engine 28 where it words them
otherwise."""

from __future__ import annotations

import sys

import pytest

from dockhand.docker import compose_errors
from dockhand.postgres import dumps

PORT = (
    " Container p-ok-1 Starting \n"
    "Error response from daemon: driver failed programming external connectivity "
    "on endpoint p-ok-1 (7962955fe868): Error starting userland proxy: listen tcp4 "
    "0.0.0.0:47124: bind: address already in use\n"
)

CASES = [
    ("no such service: nosuch\n", "unknown service 'nosuch'"),
    (PORT, "host port 47124 is already taken (wanted by container p-ok-1)"),
    (
        "Error response from daemon: driver failed programming external "
        "connectivity on endpoint p-db-1 (abc): Bind for 0.0.0.0:5432 failed: "
        "port is already allocated",
        "host port 5432 is already taken (wanted by container p-db-1)",
    ),
    (
        "error while interpolating services.ok.environment.TOKEN: required "
        "variable TOKEN is missing a value: set TOKEN in .env",
        "the variable TOKEN is not set (set TOKEN in .env)",
    ),
    (
        "required variable TOKEN is missing a value",
        "the variable TOKEN is not set",
    ),
    (
        "env file /p/missing.env not found: stat /p/missing.env: no such file or directory",
        "the env file /p/missing.env does not exist",
    ),
    (
        "failed to parse /p/compose.yaml: go-yaml load error in parser (while "
        "parsing a flow node) at L34.C1: did not find expected node content",
        "/p/compose.yaml is not valid YAML: go-yaml load error in parser (while "
        "parsing a flow node) at L34.C1: did not find expected node content",
    ),
    (
        "open /p/nope.yaml: no such file or directory",
        "the compose file /p/nope.yaml does not exist",
    ),
    (
        "Cannot connect to the Docker daemon at tcp://127.0.0.1:1. Is the docker "
        "daemon running?",
        "the Docker engine is not reachable at tcp://127.0.0.1:1",
    ),
    (
        # Compose 5's words for it (inv down and inv restart showed only
        # "Compose could not stop the stack").
        "failed to connect to the docker API at unix:///nonexistent/docker.sock; "
        "check if the path is correct and if the daemon is running: dial unix "
        "/nonexistent/docker.sock: connect: no such file or directory",
        "the Docker engine is not reachable at unix:///nonexistent/docker.sock",
    ),
    (
        'Failed to initialize: unable to resolve docker endpoint: context "nope": '
        "context not found: open /root/.docker/contexts/meta/ca37/meta.json",
        "the Docker context 'nope' does not exist",
    ),
    (
        ' Image nosuch:1 Pulling \n Image nosuch:1 Error Get "https://registry-1.'
        'docker.io/v2/": dial tcp: lookup registry-1.docker.io: no such host\n'
        'Error response from daemon: Get "https://registry-1.docker.io/v2/": dial '
        "tcp: lookup registry-1.docker.io: no such host",
        "the image nosuch:1 could not be pulled: Get",
    ),
    (
        "Error response from daemon: pull access denied for nosuch, repository "
        "does not exist or may require 'docker login'",
        "the image nosuch could not be pulled: pull access denied for nosuch",
    ),
    (
        "Step 2/3 : RUN false\n ---> Running in 145f\n"
        "The command '/bin/sh -c false' returned a non-zero code: 1",
        "a build step failed: `/bin/sh -c false` exited 1",
    ),
    (
        'failed to solve: process "/bin/sh -c false" did not complete '
        "successfully: exit code: 2",
        "a build step failed: `/bin/sh -c false` exited 2",
    ),
    (
        # Compose 2.26 and 2.40 building on Engine 20.10 (its BuildKit, without buildx)
        'failed to solve: executor failed running [/bin/sh -c echo "broken" && '
        "exit 7]: exit code: 7",
        'a build step failed: `/bin/sh -c echo "broken" && exit 7` exited 7',
    ),
    (
        # Compose 2.26 names no file for bad YAML (2.40 and 5.6 say "failed to parse FILE")
        "yaml: line 9: did not find expected ',' or ']'",
        "a compose file is not valid YAML: line 9: did not find expected ',' or ']'",
    ),
    (
        'yaml: unmarshal errors:\n  line 4: mapping key "a" already defined at line 2',
        'a compose file is not valid YAML: line 4: mapping key "a" already defined '
        "at line 2",
    ),
    (
        # BuildKit (Engine 28, buildx 0.29) escapes the quotes in the step
        'failed to solve: process "/bin/sh -c echo \\"broken\\" && exit 7" did '
        "not complete successfully: exit code: 7",
        'a build step failed: `/bin/sh -c echo "broken" && exit 7` exited 7',
    ),
    (
        # BuildKit, when the FROM image is neither here nor pullable
        "failed to solve: nosuch:1: failed to resolve source metadata for "
        'docker.io/library/nosuch:1: failed to do request: Head "https://registry-1'
        '.docker.io/v2/library/nosuch/manifests/1": dial tcp: lookup '
        "registry-1.docker.io: no such host",
        "the base image docker.io/library/nosuch:1 could not be pulled: failed to "
        "do request",
    ),
    (
        # Engine 20.10's BuildKit (Compose 2.26 and 2.40 there), the same
        "failed to solve: rpc error: code = Unknown desc = failed to solve with "
        "frontend dockerfile.v0: failed to create LLB definition: failed to do "
        'request: Head "https://registry-1.docker.io/v2/library/nosuch/manifests/1":'
        " dial tcp: lookup registry-1.docker.io: no such host",
        'a base image could not be pulled: failed to do request: Head "https://'
        'registry-1.docker.io/v2/library/nosuch/manifests/1"',
    ),
    (
        # Engine 20.10's classic builder (Compose 5.6 there, without buildx)
        'Step 2/5 : FROM ${BASE_IMAGE}\nGet "https://registry-1.docker.io/v2/": '
        "dial tcp: lookup registry-1.docker.io: no such host",
        'an image could not be pulled: Get "https://registry-1.docker.io/v2/"',
    ),
    (
        # Compose 2.26 and 2.40 name the service where 5.6 names the image
        ' app Pulling \n app Error Get "https://registry-1.docker.io/v2/": dial '
        "tcp: lookup registry-1.docker.io: no such host\nError response from "
        'daemon: Get "https://registry-1.docker.io/v2/": dial tcp: lookup '
        "registry-1.docker.io: no such host",
        "the image of service app could not be pulled: Get",
    ),
    (
        "network p_default is ambiguous (2 matches found based on name)",
        "two networks are named p_default",
    ),
    (
        'Error response from daemon: Conflict. The container name "/web" is '
        'already in use by container "abc"',
        "the container name web is already in use by another container",
    ),
    (
        "unknown flag: --wait-timeout",
        "Compose does not accept unknown flag: --wait-timeout",
    ),
    # No rule: the last error line, in its own words.
    (
        "Error response from daemon: something new went wrong.\n",
        "something new went wrong",
    ),
    (
        'time="2026-12-01T10:00:00Z" level=error msg="a plugin failed"',
        "a plugin failed",
    ),
    # Colours and carriage returns of a terminal's progress are ignored.
    ("\x1b[31mno such service: web\x1b[0m\r\n", "unknown service 'web'"),
]


@pytest.mark.parametrize(("stderr", "cause"), CASES, ids=[c[1][:40] for c in CASES])
def test_the_cause_is_read_from_the_message(stderr: str, cause: str) -> None:
    reason = compose_errors.explain(stderr)
    assert reason is not None
    assert reason.cause.startswith(cause), reason.cause


@pytest.mark.parametrize("stderr", ["", " Container p-ok-1 Started \n", "\n\n"])
def test_nothing_said_is_no_reason(stderr: str) -> None:
    assert compose_errors.explain(stderr) is None


def test_a_failed_command_ends_with_the_cause_and_its_hint() -> None:
    from dockhand.docker.process import Runner
    from dockhand.errors import CommandFailed

    script = f"import sys; sys.stderr.write({PORT!r}); sys.exit(1)"
    with pytest.raises(CommandFailed) as failed:
        Runner().check(
            [sys.executable, "-c", script], failure="Compose could not start the stack"
        )
    assert failed.value.message == (
        "Compose could not start the stack: host port 47124 is already taken "
        "(wanted by container p-ok-1)"
    )
    assert "free port 47124" in failed.value.hint
    assert failed.value.code == 1


def test_without_a_cause_the_line_points_above() -> None:
    from dockhand.docker.process import Runner
    from dockhand.errors import CommandFailed

    with pytest.raises(CommandFailed) as failed:
        Runner().check(
            ["sh", "-c", "exit 17"], failure="the build failed", hint="see above"
        )
    assert (failed.value.message, failed.value.hint, failed.value.code) == (
        "the build failed",
        "see above",
        17,
    )


@pytest.mark.parametrize(
    ("stderr", "code", "says"),
    [
        (
            "pg_restore: error: could not execute query: server closed the "
            "connection unexpectedly",
            1,
            "the database server went away",
        ),
        ("", 137, "the database server went away"),
        (
            "pg_restore: error: could not read from input file: end of file\n"
            "pg_restore: error: unexpected end of file",
            1,
            "the file is damaged or incomplete",
        ),
        ("pg_restore: error: something else", 1, "pg_restore's reason is above"),
    ],
)
def test_a_failed_restore_blames_only_what_it_saw(
    stderr: str, code: int, says: str
) -> None:
    hint = dumps.restore_failure_hint(stderr, code)
    assert says in hint
    if "server" in says:
        assert "damaged" not in hint
    if says == "pg_restore's reason is above":
        assert hint == says


def test_a_missing_build_context_is_named() -> None:
    reason = compose_errors.explain(
        ' Image p-built Building \nunable to prepare context: path "/p/nowhere" not found'
    )
    assert reason is not None
    assert reason.cause == "the build context /p/nowhere does not exist"


def test_a_missing_dockerfile_is_named() -> None:
    reason = compose_errors.explain(
        "unable to prepare context: unable to evaluate symlinks in Dockerfile "
        "path: lstat /p/Dockerfile: no such file or directory"
    )
    assert reason is not None
    assert reason.cause == "the Dockerfile /p/Dockerfile does not exist"


def test_each_reason_comes_with_its_hint() -> None:
    unset = compose_errors.explain("required variable TOKEN is missing a value:  ")
    assert unset == compose_errors.Reason(
        "the variable TOKEN is not set",  # a blank reason adds nothing
        "set TOKEN in the env file or the environment (`inv env` shows what is set)",
    )
    yaml = compose_errors.explain(
        "failed to parse /p/compose.yaml: yaml: line 3: did not find expected key"
    )
    assert yaml is not None
    assert yaml.hint == (
        "fix the YAML at the line named; check with "
        "`docker compose -f /p/compose.yaml config`"
    )


def test_a_pull_that_names_no_image_blames_an_image() -> None:
    said = "manifest for example/app:9 not found: manifest unknown"
    assert compose_errors.explain(f"Error response from daemon: {said}") == (
        compose_errors.Reason(
            f"an image could not be pulled: {said}",
            "build it or load it (`docker load`), or set BASE_IMAGE to an image "
            "this engine has",
        )
    )


def test_an_unknown_message_gives_its_last_error_line_shortened() -> None:
    explain = compose_errors.explain
    assert explain("Error: .env is odd...") == compose_errors.Reason(".env is odd", "")
    exact = "x" * 200
    assert explain(f"Error: {exact}") == compose_errors.Reason(exact, "")
    long = explain("Error: " + "y" * 201)
    assert long is not None and long.cause == "y" * 197 + "..."
    assert explain("Error: first\nsome detail\nError: last\ntrailing noise") == (
        compose_errors.Reason("last", "")
    )


def test_a_taken_port_without_a_container_named_says_so_and_what_to_do() -> None:
    said = "Error starting userland proxy: listen tcp4 0.0.0.0:8080: bind: address already in use"
    assert compose_errors.explain(said) == compose_errors.Reason(
        "host port 8080 is already taken",
        "free port 8080 (`inv doctor` names who holds it), "
        "or publish the service on another port",
    )


def test_only_the_trailing_dots_of_a_cause_go() -> None:
    reason = compose_errors.explain("Error: ...no such thing: fooX.")
    assert reason == compose_errors.Reason("...no such thing: fooX", "")


def test_a_missing_dockerfile_is_named_by_buildkit() -> None:
    # Compose 2.40 through buildx bake on Engine 28: BuildKit names the file
    # relative to the build context.
    reason = compose_errors.explain(
        "failed to solve: failed to read dockerfile: open Dockerfile: "
        "no such file or directory\n"
    )
    assert reason is not None
    assert (
        reason.cause == "the Dockerfile Dockerfile does not exist in the build context"
    )
    assert "(dockerfile)" in reason.hint
