"""A daily command starts no process its answer does not need (issue 12).

A `docker` and a `docker-compose` first on PATH log each argv they are
given (tests/exec_log.py) while each daily command runs on the running
reference stack, with the Compose cache warm; the table below is the exact
list of what each may start, in order (or, for what starts at once, as a set). A new call before the user's own
Compose command (a look that only serves an error, a check that could be
remembered) fails here, and has to be added to the table on purpose.

The words are written with the project's Compose prefix as COMPOSE
(`docker compose -p NAME -f FILE --env-file ENV`) and each container id as
ID. The engine is read in process, on its socket (dockhand.docker.engine_socket),
so `inv ps` starts no process at all. A script named `docker` is not the
docker CLI, so the table's commands start Compose as `docker compose`; the
last test puts the real docker CLI back and logs the plugin instead, which
dockhand then starts directly (docker.compose_plugin).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from harness import Stack, output, reference_stack

from dockhand.docker import compose_plugin
from exec_log import VARIABLE, read, shim, shims

COMPOSE = "COMPOSE"

# (the command, what it starts: in order, or a set of what starts at once)
STARTS: list[tuple[tuple[str, ...], list[str] | set[str]]] = [
    (("ps",), []),
    (("logs", "backend", "--tail", "5"), ["COMPOSE logs --no-color --tail 5 backend"]),
    (("shell", "backend", "-c", "true"), ["COMPOSE exec -T backend bash -c true"]),
    (
        ("migrate", "--status"),
        [
            "COMPOSE exec -T backend alembic current",
            "COMPOSE exec -T backend-ts node migrate.js --status",
        ],
    ),
    # The model the wait needs is asked at the same moment as the user's
    # own command: a set, since either may start first.
    (("up",), {"COMPOSE config --format json", "COMPOSE up --detach"}),
    (("restart", "backend"), {"COMPOSE config --format json", "COMPOSE restart backend"}),
]  # fmt: skip


def said(argv: list[str], stack: Stack) -> str:
    """An argv in the table's words: the Compose prefix, ids and names
    replaced, so a row reads the same for every run."""
    prefix = [
        *("docker", "compose", "-p", stack.project),
        *("-f", str(stack.root / "docker-compose.yml")),
        *("--env-file", str(stack.env_file)),
    ]
    if argv[: len(prefix)] == prefix:
        argv = [COMPOSE, *argv[len(prefix) :]]
    words = [re.sub(r"^[0-9a-f]{64}$", "ID", word) for word in argv]
    return " ".join(words).replace(stack.project, "NAME")


@pytest.fixture(scope="module")
def logged(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Stack, Path]]:
    """The reference stack up and migrated, every docker and docker-compose
    it is driven with logged to the file returned."""
    folder = tmp_path_factory.mktemp("starts")
    log = folder / "exec.log"
    stack = reference_stack(
        folder / "test.env",
        PATH=f"{shims(folder / 'bin')}{os.pathsep}{os.environ['PATH']}",
        DOCKHAND_CACHE_DIR=str(folder / "cache"),
        **{VARIABLE: str(log)},
    )
    try:
        for args in (("up", "--build"), ("migrate",)):
            result = stack.inv(*args, timeout=1200)
            assert result.returncode == 0, output(result)
        yield stack, log
    finally:
        stack.destroy()


def starts(stack: Stack, log: Path, args: tuple[str, ...]) -> list[str]:
    """What `inv ARGS` starts, its cache warm (the same command just ran)."""
    first = stack.inv(*args)
    assert first.returncode == 0, output(first)
    log.write_text("")
    result = stack.inv(*args)
    assert result.returncode == 0, output(result)
    return [said(argv, stack) for argv in read(log)]


@pytest.mark.parametrize(
    ("args", "expected"), STARTS, ids=[" ".join(a) for a, _ in STARTS]
)
def test_a_daily_command_starts_only_what_its_answer_needs(
    logged: tuple[Stack, Path], args: tuple[str, ...], expected: list[str] | set[str]
) -> None:
    stack, log = logged
    started = starts(stack, log, args)
    seen = set(started) if isinstance(expected, set) else started
    assert len(started) == len(expected) and seen == expected, (
        "it started:\n" + "\n".join(started)
    )


def test_the_first_command_after_an_upgrade_asks_which_compose_runs(
    logged: tuple[Stack, Path],
) -> None:
    # Cold: no cache, as after an upgrade of docker or Compose. One question,
    # then the user's command; the next command asks nothing (the rows above).
    # (A real upgrade also checks the files once more, `config --quiet`: what
    # Compose accepts is remembered with its version. Here only the answer
    # of which Compose runs is forgotten, after a command has checked them.)
    stack, log = logged
    assert stack.inv("logs", "backend", "--tail", "5").returncode == 0
    for remembered in Path(stack.extra_env["DOCKHAND_CACHE_DIR"]).glob(
        "compose-*.json"
    ):
        remembered.unlink()
    log.write_text("")
    result = stack.inv("logs", "backend", "--tail", "5")
    assert result.returncode == 0, output(result)
    assert [said(argv, stack) for argv in read(log)] == [
        "docker compose version --short",
        "COMPOSE logs --no-color --tail 5 backend",
    ]


def test_compose_is_started_directly_where_the_docker_cli_would_start_it(
    logged: tuple[Stack, Path],
) -> None:
    # The real docker CLI on PATH (no shim), a logging plugin where it looks
    # first (DOCKER_CONFIG): `docker compose` would log the CLI's metadata
    # call, then `compose ...`; started directly, the plugin logs only the
    # user's command, as a standalone docker-compose (docker.compose_plugin).
    stack, _ = logged
    real = compose_plugin.candidate()
    assert real is not None, "no Compose plugin where the docker CLI looks"
    folder = Path(stack.extra_env["DOCKHAND_CACHE_DIR"]).parent / "direct"
    plugins = folder / "config" / "cli-plugins"
    plugins.mkdir(parents=True)
    log = folder / "exec.log"
    shim(plugins / "docker-compose", real)
    env = {
        "PATH": os.environ["PATH"],
        "DOCKER_CONFIG": str(folder / "config"),
        "DOCKHAND_CACHE_DIR": str(folder / "cache"),
        VARIABLE: str(log),
    }
    direct = replace(stack, extra_env={**stack.extra_env, **env})
    cold = direct.inv("logs", "backend", "--tail", "5")
    assert cold.returncode == 0, output(cold)
    assert [argv[1:] for argv in read(log)][:3] == [
        ["docker-cli-plugin-metadata"],  # `docker compose version --short`
        ["compose", "version", "--short"],
        ["version", "--short"],  # the plugin alone: the same version?
    ]
    log.write_text("")
    warm = direct.inv("logs", "backend", "--tail", "5")
    assert warm.returncode == 0, output(warm)
    assert [said(["docker", "compose", *a[1:]], stack) for a in read(log)] == [
        "COMPOSE logs --no-color --tail 5 backend"
    ]
    assert warm.stdout.startswith("backend"), output(warm)  # Compose's own lines


def test_a_cd_between_two_commands_keeps_the_next_one_warm(
    logged: tuple[Stack, Path],
) -> None:
    # After a cd (OLDPWD) and with inv started another way (`_`, the last
    # command's path), `inv up` starts what a warm one starts: the shell's
    # own variables are not part of what Compose's answers are kept under.
    stack, log = logged
    first = stack.inv("up")
    assert first.returncode == 0, output(first)
    log.write_text("")
    shell = {"OLDPWD": "/somewhere/else", "_": "/usr/bin/env"}
    moved = replace(stack, extra_env={**stack.extra_env, **shell})
    result = moved.inv("up")
    assert result.returncode == 0, output(result)
    started = [said(argv, stack) for argv in read(log)]
    assert sorted(started) == ["COMPOSE config --format json", "COMPOSE up --detach"], (
        "it started:\n" + "\n".join(started)
    )
