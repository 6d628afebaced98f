"""The docker CLI commands of a deploy, against the manager."""

from __future__ import annotations

from pathlib import Path

import pytest

from dockhand.swarm import argv


def test_the_stack_is_deployed_without_asking_the_registry_again() -> None:
    command = argv.stack_deploy("unix:///m.sock", "shop", Path("/tmp/s.yml"))
    assert command == [
        "docker", "--host", "unix:///m.sock", "stack", "deploy",
        "--compose-file", "/tmp/s.yml", "--resolve-image", "never", "shop",
    ]  # fmt: skip


def test_a_migration_job_runs_once_on_the_stack_network() -> None:
    command = argv.job(
        "ssh://m",
        "shop_migrate-web",
        "shop",
        "r/web@sha256:1",
        "shop_default",
        {"B": "2", "A": "1"},
        ("alembic", "upgrade", "head"),
    )
    assert command[:3] == ["docker", "--host", "ssh://m"]
    assert command[command.index("--mode") + 1] == "replicated-job"
    assert command[command.index("--restart-condition") + 1] == "none"
    assert "--no-healthcheck" in command  # never killed as unhealthy
    assert command[command.index("--network") + 1] == "shop_default"
    assert command[-4:] == ["r/web@sha256:1", "alembic", "upgrade", "head"]
    assert command.index("A=1") < command.index("B=2")


def test_a_shell_in_a_task_is_an_exec_on_the_manager() -> None:
    assert argv.exec_in("ssh://m", "c1", "bash", "echo hi", "root", False) == [
        "docker", "--host", "ssh://m", "exec", "-i", "--user", "root", "c1", "bash", "-c", "echo hi",
    ]  # fmt: skip
    assert argv.exec_in("ssh://m", "c1", "sh", None, None, True)[4:] == [
        "-it",
        "c1",
        "sh",
    ]


def test_an_ssh_url_dials_as_the_docker_cli_does() -> None:
    start = ["ssh", "-o", "ConnectTimeout=30", "-T"]
    dial = ["docker", "system", "dial-stdio"]
    assert argv.ssh_dial("ssh://deploy@Manager-1:2222") == [
        *start, "-l", "deploy", "-p", "2222", "--", "Manager-1", *dial,
    ]  # fmt: skip
    assert argv.ssh_dial("ssh://m1") == [*start, "--", "m1", *dial]
    assert argv.ssh_dial("ssh://me@[fd00::5]:22/run/user/1000/docker.sock") == [
        *start, "-l", "me", "-p", "22", "--", "fd00::5",
        "docker", "--host=unix:///run/user/1000/docker.sock", "system", "dial-stdio",
    ]  # fmt: skip


@pytest.mark.parametrize(
    "url", ["ssh://m1:port", "ssh://me:secret@m1", "tcp://m1:2375", "ssh://"]
)
def test_a_url_ssh_cannot_take_is_refused(url: str) -> None:
    with pytest.raises(ValueError):
        argv.ssh_dial(url)
