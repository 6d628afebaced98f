"""The daily commands and the readiness rules of `inv up` on rootless Docker
(Debian sid's Docker 28 under rootlesskit, made by scripts/rootless-engine
beside the host's engine): the small crashloop project, which only needs
the base image. Without that engine these tests skip; under CI they fail."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from harness import Stack, Stacks, output

from helpers import unavailable

# Where scripts/rootless-engine puts the socket (the same variable moves it).
RUN_DIR = os.environ.get("ROOTLESS_ENGINE_RUN_DIR", "/run/dockhand-engine-rootless")
SOCKET = Path(RUN_DIR) / "docker.sock"
HOST = f"unix://{SOCKET}"
CRASHLOOP = Path(__file__).parent / "projects" / "crashloop"


def _rootless_answers(host: str) -> str | None:
    """None when a rootless engine answers at `host`, else why not."""
    try:
        found = subprocess.run(
            ["docker", "-H", host, "info", "--format", "{{json .SecurityOptions}}"],
            capture_output=True,
            text=True,
            timeout=20,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"docker -H {host} info: {exc}"
    if found.returncode != 0:
        return f"no engine answers at {host}: run scripts/rootless-engine up"
    if "name=rootless" not in found.stdout:
        return f"the engine at {host} is not rootless: {found.stdout.strip()}"
    return None


def _require_rootless(host: str) -> None:
    """Skip without the rootless engine; under CI fail."""
    if reason := _rootless_answers(host):
        unavailable(reason)


@pytest.fixture(scope="module")
def rootless(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The crashloop project on the rootless engine (DOCKER_HOST for every
    command of the module: inv, and the harness's own docker calls)."""
    _require_rootless(HOST)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DOCKER_HOST", HOST)
        stacks = Stacks(tmp_path_factory.mktemp("rootless"))
        try:
            yield stacks.project(CRASHLOOP)
        finally:
            stacks.close()


def test_doctor_names_rootless_docker(rootless: Stack) -> None:
    found = rootless.inv("doctor")
    said = output(found)
    assert "(rootless)" in said, said
    assert "ok    engine features" in said, said


def test_the_daily_commands_on_rootless_docker(rootless: Stack) -> None:
    started = rootless.inv("up", "web")
    assert started.returncode == 0, output(started)
    assert "ok all services are ready" in output(started)
    listed = rootless.inv("ps")
    assert listed.returncode == 0 and "running" in listed.stdout, output(listed)
    shell = rootless.inv("shell", "-s", "web", "-c", "echo rootless-$((40 + 2))")
    assert shell.returncode == 0 and "rootless-42" in shell.stdout, output(shell)
    logs = rootless.inv("logs", "-s", "web", "--tail", "5")
    assert logs.returncode == 0, output(logs)
    again = rootless.inv("restart", "-s", "web")
    assert again.returncode == 0, output(again)
    down = rootless.inv("down")
    assert down.returncode == 0, output(down)
    left = rootless.compose("ps", "-a", "-q")
    assert left.returncode == 0 and not left.stdout.strip(), output(left)


def test_a_crash_the_policy_mends_passes_with_a_warning(rootless: Stack) -> None:
    flaky = rootless.inv("up", "flaky")
    assert flaky.returncode == 0, output(flaky)
    assert "flaky crashed (exit code 4) and was restarted 1 time" in output(flaky)
    rootless.inv("down")


# Not "2" as on the host: under rootlesskit a start and a die each come
# 0.2-0.5 s later (measured on 28.5.2), so a crash 2 s in ends 2.4-2.5 s
# after StartedAt, at the end of the 2.5 s window: by the rules it stayed up.
@pytest.mark.parametrize("crash_after", ["0", "1"])
def test_a_crash_loop_fails_at_the_restart_limit(
    rootless: Stack, crash_after: str
) -> None:
    rootless.extra_env["CRASH_AFTER"] = crash_after
    try:
        looping = rootless.inv("up", "crashloop")
    finally:
        del rootless.extra_env["CRASH_AFTER"]
        rootless.inv("down")
    assert looping.returncode == 1, output(looping)
    assert "crashloop keeps restarting: exit code 5" in output(looping)


def test_the_engine_starts_again_over_a_stale_pid_file() -> None:
    """The run folder outlives the engine's container: `up` after the
    container is gone starts a new one even when the old pid files (dockerd's,
    containerd's) name a pid alive in the new container (1 always is). CI
    once failed here."""
    _require_rootless(HOST)
    # The rootless engine's container lives on the host's engine, whichever
    # engine the rest of the run talks to.
    hosting = {**os.environ, "DOCKER_HOST": "unix:///var/run/docker.sock"}
    subprocess.run(
        ["docker", "rm", "-f", "dockhand-engine-rootless"],
        env=hosting,
        check=True,
        capture_output=True,
    )
    for pid_file in ("docker.pid", "docker/containerd/containerd.pid"):
        (Path(RUN_DIR) / pid_file).write_text("1\n")
    script = Path(__file__).parents[2] / "scripts" / "rootless-engine"
    started = subprocess.run(
        [str(script), "up"], env=hosting, capture_output=True, text=True, timeout=300
    )
    assert started.returncode == 0, started.stderr
    assert _rootless_answers(HOST) is None
