"""Drive the real `inv` against the reference stack, isolated per test.

Each Stack has its own Compose project name and env file (secrets generated,
every *_PORT a free host port), so stacks never collide, and it is always
taken down with its volumes afterwards.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from dotenv import dotenv_values

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def unique_name(prefix: str = "dhtest") -> str:
    return f"{prefix}-{secrets.token_hex(4)}"


def env_lines(example: Path, overrides: dict[str, str] | None = None) -> dict[str, str]:
    """The example's variables with secrets generated and free host ports."""
    values = {k: v or "" for k, v in dotenv_values(example).items()}
    for key, value in values.items():
        if value == "change-me":
            values[key] = secrets.token_urlsafe(24)
        elif key.endswith("_PORT"):
            values[key] = str(free_port())
    values.update(overrides or {})
    return values


def write_env(path: Path, values: dict[str, str]) -> None:
    path.write_text("".join(f"{k}={v}\n" for k, v in values.items()))
    path.chmod(0o600)


@dataclass
class Stack:
    """One isolated copy of a Compose project, driven through `inv`."""

    root: Path  # the folder with tasks.py and invoke.yaml
    env_file: Path
    project: str = field(default_factory=unique_name)
    extra_env: dict[str, str] = field(default_factory=dict)

    @property
    def values(self) -> dict[str, str]:
        return {k: v or "" for k, v in dotenv_values(self.env_file).items()}

    def env(self) -> dict[str, str]:
        env = {
            k: v for k, v in os.environ.items() if not k.startswith("INVOKE_DOCKHAND_")
        }
        env.update(
            INVOKE_DOCKHAND_PROJECT=self.project,
            INVOKE_DOCKHAND_ENV_FILE=str(self.env_file),
            NO_COLOR="1",
            **self.extra_env,
        )
        return env

    def inv(
        self, *args: str, timeout: float = 600, input: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        """Run `inv ARGS` in the project folder, capturing its output."""
        return subprocess.run(
            [sys.executable, "-m", "invoke", *args],
            cwd=self.root,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
            input=input,
            stdin=None if input is not None else subprocess.DEVNULL,
            check=False,
        )

    def compose(
        self,
        *args: str,
        files: tuple[str, ...] = ("docker-compose.yml",),
        timeout: float = 600,
    ) -> subprocess.CompletedProcess[str]:
        """Plain `docker compose` on the same project, to check what inv did."""
        argv = [
            "docker",
            "compose",
            "-p",
            self.project,
            "--env-file",
            str(self.env_file),
        ]
        for file in files:
            argv += ["-f", str(self.root / file)]
        return subprocess.run(
            [*argv, *args], capture_output=True, text=True, timeout=timeout, check=False
        )

    def port(self, key: str) -> int:
        return int(self.values[key])

    def destroy(self) -> None:
        """Remove containers, networks and volumes; keep images (shared cache)."""
        self.compose(
            "--profile", "*", "down", "--volumes", "--remove-orphans", "--timeout", "3"
        )


def output(result: subprocess.CompletedProcess[str]) -> str:
    return f"exit {result.returncode}\n--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"
