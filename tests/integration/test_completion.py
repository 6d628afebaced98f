"""TAB completion in a real bash (tmux), with the script `dockhand
--print-completion-script bash` prints sourced, and dockhand from the built
wheel in a fresh virtualenv: `dockhand logs w<TAB>` in a project outside
this repository holding only a compose.yaml, and `inv logs b<TAB>` in a copy
of the reference stack. Nothing is remembered at the first TAB (a cache
folder of the test's own): Compose is asked once and the answer kept, and
the next TAB reads it back. The logic: tests/unit/test_cli_completion.py."""

from __future__ import annotations

import os
import shlex
from pathlib import Path

import pytest
from harness import Stack, Stacks, Tmux, unique_name
from test_adoption import constraints, dist, venv_with

__all__ = ["constraints", "dist"]  # fixtures, used by name


@pytest.fixture(scope="module")
def wheel_bin(
    tmp_path_factory: pytest.TempPathFactory, dist: Path, constraints: Path
) -> Path:
    """bin/ of a fresh virtualenv holding the wheel: `dockhand` and `inv`."""
    (wheel,) = dist.glob("*.whl")
    return venv_with(tmp_path_factory.mktemp("venv") / "venv", str(wheel), constraints)


class Terminal(Stack):
    """What the terminal's bash gets: the wheel's bin/ first on PATH."""

    bin: Path
    plain: bool  # no INVOKE_DOCKHAND_* (a project that names nothing)

    def env(self) -> dict[str, str]:
        env = dict(os.environ) if self.plain else super().env()
        env["PATH"] = f"{self.bin}{os.pathsep}{env['PATH']}"
        return env


def bash(stack: Terminal, cache: Path) -> Tmux:
    """An interactive bash in the project's folder with dockhand's
    completion sourced; it imports the wheel's dockhand (no PYTHONPATH)."""
    rc = cache.parent / "bashrc"
    rc.write_text(
        "unset PYTHONPATH\n"
        f"export DOCKHAND_CACHE_DIR={shlex.quote(str(cache))}\n"
        "PS1='$ '\n"
        "source <(dockhand --print-completion-script bash)\n"
    )
    return Tmux(unique_name("tab"), ["bash", "--rcfile", str(rc), "-i"], stack)


def test_dockhand_logs_completes_the_service_of_a_compose_only_project(
    tmp_path: Path, wheel_bin: Path, terminals: list[Tmux]
) -> None:
    root = tmp_path / unique_name()
    root.mkdir()
    (root / "compose.yaml").write_text(
        "services:\n  web:\n    image: debian:bookworm-slim\n"
    )
    stack = Terminal(root=root, env_file=root / ".env")
    stack.bin, stack.plain = wheel_bin, True
    cache = tmp_path / "cache"
    term = bash(stack, cache)
    terminals.append(term)
    term.wait("$ ")
    term.type("dockhand logs w", "Tab")  # cold: Compose asked, the answer kept
    term.wait("$ dockhand logs web ")
    assert list(cache.glob("services-*.json")), sorted(cache.iterdir())
    term.type("", "C-u")
    term.type("dockhand logs ", "Tab", "Tab")  # warm: read back
    term.wait("$ dockhand logs web ")
    assert sorted(p.name for p in root.iterdir()) == ["compose.yaml"]


def test_inv_logs_completes_backend_in_the_reference_stack(
    stacks: Stacks, tmp_path: Path, wheel_bin: Path, terminals: list[Tmux]
) -> None:
    made = stacks.reference()
    stack = Terminal(root=made.root, env_file=made.env_file, project=made.project)
    stack.bin, stack.plain = wheel_bin, False
    term = bash(stack, tmp_path / "cache")
    terminals.append(term)
    term.wait("$ ")
    # backend and backend-ts: the first TAB completes what they share, the
    # next two list both
    term.type("inv logs b", "Tab")
    term.wait("$ inv logs backend")
    term.type("", "Tab", "Tab")
    term.wait("backend-ts")
    screen = term.screen()
    listed = screen.split("$ inv logs backend")[1].split()
    assert sorted(set(listed) - {"$", "inv", "logs"}) == ["backend", "backend-ts"], (
        screen
    )
    # Invoke's answer where no service is typed: the task names
    term.type("", "C-u")
    term.type("inv snapshot.l", "Tab")
    term.wait("$ inv snapshot.list ")
