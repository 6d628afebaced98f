"""Fixtures for tests against a real Docker engine and the reference stack.

Without an engine these tests skip with the reason; with CI set (to anything
but empty, 0 or false) they fail instead, because a CI run that skipped them
proves nothing.
"""

from __future__ import annotations

import os
import re
import secrets
import shlex
import subprocess
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from harness import SET_UP, Stack, Stacks, Tmux, remove_images, remove_untagged
from sweep import sweep

from helpers import compose_argv, free_port, unavailable

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
DEV_FILES = ("docker-compose.yml",)
PROD_FILES = ("docker-compose.yml", "docker-compose.prod.yml")
# The example's values, so a developer's own .env never changes what is tested.
ENV_FILE = ROOT / ".env.example"


# Modules that are one scenario, run in the order they are written even when
# the rest is shuffled (pytest-randomly reorders first; this hook runs after).
# test_deploy: every test continues the one stack deployed on the Swarm lab
# (a redeploy, a rollback, a drained node, a service added then pruned);
# independent tests would cost a deploy each, about 40 s x 25.
SCENARIOS = ("test_deploy.py",)
# Handed to a worker first: the longest module (about 6 of a worker's 14
# minutes in CI), which, drawn late in a shuffled order, ran on alone after
# the other workers had finished. The rest keep their shuffled order.
FIRST = ("test_deploy.py",)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.integration)
    for name in SCENARIOS:
        slots = [i for i, item in enumerate(items) if item.path.name == name]
        written = sorted((items[i] for i in slots), key=lambda item: item.location[1])
        for slot, item in zip(slots, written, strict=True):
            items[slot] = item
    items.sort(key=lambda item: item.path.name not in FIRST)  # stable


def _answers(argv: list[str]) -> str | None:
    """None when the command succeeds, else why it did not."""
    try:
        result = subprocess.run(argv, capture_output=True, text=True, timeout=20)
    except FileNotFoundError:
        return f"{argv[0]} is not installed"
    except subprocess.TimeoutExpired:
        return f"`{shlex.join(argv)}` did not answer within 20 s"
    if result.returncode != 0:
        lines = result.stderr.strip().splitlines() or ["no output"]
        return f"`{shlex.join(argv)}` failed: {lines[-1]}"
    return None


@pytest.fixture(scope="session", autouse=True)
def images_removed_at_the_end() -> Iterator[None]:
    """The images the tests untagged go when the session ends (until then
    they are the build cache the next test project starts from)."""
    yield
    remove_untagged()


@pytest.fixture(scope="session", autouse=True)
def docker_engine() -> None:
    """The engine and Compose answer (scripts/engine makes them)."""
    for argv in (["docker", "info"], ["docker", "compose", "version"]):
        if reason := _answers(argv):
            unavailable(f"{reason}; run scripts/engine")
    # What a killed run left (sweep.py: only the tests' own, only when old),
    # once a run: by the first parallel worker, or the one process.
    if os.environ.get("PYTEST_XDIST_WORKER", "gw0") == "gw0":
        sweep(ROOT)


@pytest.fixture(scope="session")
def base_image() -> None:
    """BASE_IMAGE is present, pulled or built (fast when already present)."""
    if reason := _answers([str(ROOT / "scripts" / "base-image")]):
        unavailable(reason)


@dataclass(frozen=True)
class Compose:
    """`docker compose` for one project, with -p, every -f and the env file.

    Each *_PORT variable of the env file gets a host port that was free when
    the project was made, so the tests never collide with another stack on
    the same engine.
    """

    project: str
    ports: Mapping[str, int]
    files: tuple[str, ...] = DEV_FILES

    def url(self, port_variable: str, path: str) -> str:
        return f"http://127.0.0.1:{self.ports[port_variable]}{path}"

    def prod(self) -> Compose:
        """The same project with the production override."""
        return replace(self, files=PROD_FILES)

    def run(
        self, *args: str, check: bool = True, timeout: float = 300
    ) -> subprocess.CompletedProcess[str]:
        argv = [
            *compose_argv(self.project, ENV_FILE, (ROOT / f for f in self.files)),
            *args,
        ]
        # The shell's variables beat the env file's in Compose.
        env = os.environ | {name: str(port) for name, port in self.ports.items()}
        result = subprocess.run(
            argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
        )
        if check and result.returncode != 0:
            pytest.fail(
                f"`{shlex.join(argv)}` exited {result.returncode}\n"
                f"--- stdout\n{result.stdout[-3000:]}\n--- stderr\n{result.stderr[-3000:]}"
            )
        return result

    def compose(self, *args: str) -> subprocess.CompletedProcess[str]:
        """`run` that leaves the exit code to the caller (harness.Composed)."""
        return self.run(*args, check=False)


@contextmanager
def _compose_project() -> Iterator[Compose]:
    names = re.findall(r"^(\w+_PORT)=", ENV_FILE.read_text(), flags=re.MULTILINE)
    compose = Compose(
        f"dhtest-{secrets.token_hex(4)}", {name: free_port() for name in names}
    )
    try:
        yield compose
    finally:
        compose.run("down", "-v", "--remove-orphans", check=False, timeout=180)
        remove_images(compose.project)


@pytest.fixture
def project() -> Iterator[Compose]:
    """A fresh project for one test, removed with its volumes afterwards."""
    with _compose_project() as compose:
        yield compose


@pytest.fixture(scope="module")
def module_project() -> Iterator[Compose]:
    """A fresh project shared by one module, removed with its volumes afterwards."""
    with _compose_project() as compose:
        yield compose


@pytest.fixture
def stacks(tmp_path: Path) -> Iterator[Stacks]:
    """Makes the test's stacks (harness.Stacks); all taken down when it ends."""
    made = Stacks(tmp_path)
    try:
        yield made
    finally:
        made.close()


@pytest.fixture(scope="module")
def module_stacks(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stacks]:
    """Makes the module's stacks (harness.Stacks); all taken down after it."""
    made = Stacks(tmp_path_factory.mktemp("stacks"))
    try:
        yield made
    finally:
        made.close()


@pytest.fixture(scope="session")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The reference stack built, up and migrated, shared by the daily
    commands' files (stack, logs, migrate, shell, clean): one start for all
    of them. A test that stops, removes or changes anything of it puts it
    back before it ends, so none depends on another or on the order."""
    made = Stacks(tmp_path_factory.mktemp("running"))
    try:
        yield made.reference(*SET_UP)
    finally:
        made.close()


@pytest.fixture
def terminals() -> Iterator[list[Tmux]]:
    """The terminals (tmux sessions) a test opens, closed after it."""
    opened: list[Tmux] = []
    yield opened
    for terminal in opened:
        terminal.close()
