"""TAB completion in a real shell (tmux), with the script `dockhand
--print-completion-script SHELL` prints installed as docs/commands.md says,
and dockhand from the built wheel in a fresh virtualenv: `dockhand logs
w<TAB>` in a project outside this repository holding only a compose.yaml
(bash, zsh, fish), and `inv logs b<TAB>` in a copy of the reference stack
(bash). Nothing is remembered at the first TAB (a cache
folder of the test's own): Compose is asked once and the answer kept, and
the next TAB reads it back. The logic: tests/unit/test_cli_completion.py."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
from harness import Stack, Stacks, Tmux, unique_name
from test_adoption import constraints, dist, venv_with

from helpers import unavailable

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


# Each shell's prompt, and how it is started with dockhand's completion:
# the script printed as the docs say to install it (docs/commands.md).
PROMPTS = {"bash": "$ ", "zsh": "% ", "fish": "> "}


def terminal(shell: str, stack: Terminal, cache: Path) -> Tmux:
    """An interactive `shell` in the project's folder with dockhand's
    completion installed; it imports the wheel's dockhand (no PYTHONPATH)."""
    if shutil.which(shell) is None:
        unavailable(f"{shell} is not installed: scripts/test installs it")
    home = cache.parent / f"{shell}-home"
    home.mkdir()
    script = subprocess.run(
        [str(stack.bin / "dockhand"), "--print-completion-script", shell],
        capture_output=True,
        text=True,
        check=True,
        env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
    ).stdout
    cached = shlex.quote(str(cache))
    if shell == "fish":
        (home / "fish" / "conf.d").mkdir(parents=True)
        (home / "fish" / "conf.d" / "dockhand.fish").write_text(script)
        (home / "fish" / "config.fish").write_text(
            f"set -e PYTHONPATH\nset -gx DOCKHAND_CACHE_DIR {cached}\n"
            "function fish_prompt; echo -n '> '; end\nfunction fish_greeting; end\n"
        )
        args = [f"XDG_CONFIG_HOME={home}", "fish", "-i"]
    else:
        (home / "completion").write_text(script)
        rc = home / (".zshrc" if shell == "zsh" else ".bashrc")
        rc.write_text(
            f"unset PYTHONPATH\nexport DOCKHAND_CACHE_DIR={cached}\n"
            + (
                "PS1='%% '\nautoload -U compinit && compinit -u\n"
                if shell == "zsh"
                else "PS1='$ '\n"
            )
            + f"source {shlex.quote(str(home / 'completion'))}\n"
        )
        args = (
            [f"ZDOTDIR={home}", "zsh", "-i"]
            if shell == "zsh"
            else ["bash", "--rcfile", str(rc), "-i"]
        )
    return Tmux(unique_name("tab"), args, stack)


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_dockhand_logs_completes_the_service_of_a_compose_only_project(
    shell: str, tmp_path: Path, wheel_bin: Path, terminals: list[Tmux]
) -> None:
    root = tmp_path / unique_name()
    root.mkdir()
    (root / "compose.yaml").write_text(
        "services:\n  web:\n    image: debian:bookworm-slim\n"
    )
    stack = Terminal(root=root, env_file=root / ".env")
    stack.bin, stack.plain = wheel_bin, True
    cache = tmp_path / "cache"
    term = terminal(shell, stack, cache)
    terminals.append(term)
    prompt = PROMPTS[shell]
    term.wait(prompt)
    term.type("dockhand logs w", "Tab")  # cold: Compose asked, the answer kept
    term.wait(f"{prompt}dockhand logs web ")
    assert list(cache.glob("services-*.json")), sorted(cache.iterdir())
    term.type("", "C-u")
    term.type("dockhand logs w", "Tab")  # warm: read back
    term.wait(f"{prompt}dockhand logs web ", timeout=10)
    assert sorted(p.name for p in root.iterdir()) == ["compose.yaml"]


def test_inv_logs_completes_backend_in_the_reference_stack(
    stacks: Stacks, tmp_path: Path, wheel_bin: Path, terminals: list[Tmux]
) -> None:
    made = stacks.reference()
    stack = Terminal(root=made.root, env_file=made.env_file, project=made.project)
    stack.bin, stack.plain = wheel_bin, False
    term = terminal("bash", stack, tmp_path / "cache")
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
