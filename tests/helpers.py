"""What unit and integration tests share: the one fake runner, the one free
port, whether this run is CI. A Session takes its runner (and its Compose CLI) as arguments, so a
test hands it a FakeRunner; nothing is patched."""

from __future__ import annotations

import json
import os
import random
import shlex
import socket
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, NoReturn

import pytest

from dockhand.docker.process import Captured, Completed, Runner
from dockhand.ui import console

Answer = Callable[[list[str], "IO[bytes] | None"], int]
Reply = Callable[[list[str]], "tuple[int, str, str]"]


def _zero(argv: list[str], stdout: IO[bytes] | None) -> int:
    return 0


def _empty(argv: list[str]) -> tuple[int, str, str]:
    return (0, "", "")


@dataclass(frozen=True)
class FakeRunner(Runner):
    """The real Runner's rules (--dry, `check`, `pass_on`) over commands
    that are recorded in `calls` and answered, never started: `answer` gives
    a run command's exit code (and may write to its stdout), `reply` a
    probe's (code, stdout, stderr)."""

    answer: Answer = _zero
    reply: Reply = _empty
    said: Callable[[list[str]], str] = lambda argv: ""  # a run command's stderr
    calls: list[list[str]] = field(default_factory=list)

    def capture(self, argv: Sequence[str], *, timeout: float | None = None) -> Captured:
        self.calls.append(list(argv))
        return Captured(tuple(argv), *self.reply(list(argv)))

    def run(
        self,
        argv: Sequence[str],
        *,
        stdout: IO[bytes] | None = None,
        stdin: IO[bytes] | int | None = None,
        until: float | None = None,
        keep_stderr: bool = False,
    ) -> Completed:
        if self.dry or self.echo:
            console.command(shlex.join(argv))
        self.calls.append(list(argv))
        if self.dry:
            return Completed(tuple(argv), 0)
        stderr = self.said(list(argv)) if keep_stderr else ""
        return Completed(tuple(argv), self.answer(list(argv), stdout), stderr)


@dataclass
class FakeEngine:
    """The engine's API on its socket (a Session's read_engine): each path
    asked is recorded in `asked` and answered by `answer`."""

    answer: Callable[[str], tuple[int, Any] | None]
    asked: list[str] = field(default_factory=list)

    def __call__(self, path: str) -> tuple[int, Any] | None:
        self.asked.append(path)
        return self.answer(path)


def replying(code: int = 0, stdout: str = "", stderr: str = "") -> FakeRunner:
    """A runner whose every probe gives the same answer."""
    return FakeRunner(reply=lambda argv: (code, stdout, stderr))


# Below the kernel's ephemeral range (32768-60999 on Linux), which every
# outgoing connection and every bind(0) draws from: a port picked there can be
# taken by someone else before Compose publishes it.
# Parallel workers (pytest-xdist) each draw from their own share of it, so
# two never hand out one port between its check and Compose's bind.
_WORKER = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
_WORKERS = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
_PORTS = range(20000 + _WORKER, 32000, _WORKERS)
_handed_out: set[int] = set()  # never twice in one run, bound yet or not


def free_port() -> int:
    """A host port nothing listens on now, on any address, picked at random
    from outside the ephemeral range."""
    for _ in range(200):
        port = random.choice(_PORTS)
        if port in _handed_out:
            continue
        try:
            with socket.socket() as sock:
                sock.bind(("0.0.0.0", port))  # noqa: S104 - the address Compose binds
        except OSError:
            continue
        _handed_out.add(port)
        return port
    raise AssertionError("no free host port in 20000-31999")


def inspect_backend() -> dict[str, Any]:
    """`docker inspect` data of one running, healthy backend container."""
    path = Path(__file__).parent / "unit" / "data" / "inspect_backend.json"
    return dict(json.loads(path.read_text()))


def compose_argv(project: str, env_file: Path, files: Iterable[Path]) -> list[str]:
    """Plain `docker compose` for one project (-p, the env file, every -f),
    written out here rather than taken from dockhand: what checks dockhand's
    work must not share its bugs."""
    argv = ["docker", "compose", "-p", project, "--env-file", str(env_file)]
    for file in files:
        argv += ["-f", str(file)]
    return argv


# What CI runners set CI to is not one word (true, 1, yes, a name): any value
# counts but the two that plainly mean "not CI".
NOT_CI = ("", "0", "false")


def is_ci(value: str | None) -> bool:
    """Whether the variable CI, holding `value`, marks a CI run, where a test
    that needs the engine must fail rather than skip."""
    return value is not None and value.strip().lower() not in NOT_CI


def unavailable(reason: str) -> NoReturn:
    """A part the test needs is missing: skip, or under CI fail."""
    if is_ci(ci := os.environ.get("CI")):
        pytest.fail(f"{reason} (CI={ci}: integration tests must not skip)")
    pytest.skip(reason)
