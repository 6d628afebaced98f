"""Drive the real `inv` against the reference stack, isolated per test.

Each Stack has its own Compose project name and env file (secrets generated,
every *_PORT a free host port), so stacks never collide, and it is always
taken down with its volumes afterwards.
"""

from __future__ import annotations

import atexit
import json
import os
import re
import secrets
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from dotenv import dotenv_values

from dockhand.docker import trust_store
from helpers import compose_argv, free_port

REPO = Path(__file__).resolve().parents[2]


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
    files: tuple[str, ...] = ("docker-compose.yml",)

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
        files: tuple[str, ...] | None = None,
        timeout: float = 600,
    ) -> subprocess.CompletedProcess[str]:
        """Plain `docker compose` on the same project, to check what inv did."""
        argv = compose_argv(
            self.project, self.env_file, (self.root / f for f in files or self.files)
        )
        return subprocess.run(
            [*argv, *args], capture_output=True, text=True, timeout=timeout, check=False
        )

    def port(self, key: str) -> int:
        return int(self.values[key])

    def destroy(self) -> None:
        """Remove containers, networks, volumes, this project's image tags,
        and the backups and snapshots it left in its folder."""
        self.compose(
            "--profile", "*", "down", "--volumes", "--remove-orphans", "--timeout", "3"
        )
        remove_images(self.project)
        backups = self.root / "backups"
        for leftover in [
            *backups.glob(f"{self.project}-*"),
            *backups.glob(f".{self.project}-*"),
        ]:
            leftover.unlink()
        shutil.rmtree(self.root / "snapshots" / self.project, ignore_errors=True)


# The commands that give the stack a developer has after `inv setup`.
SET_UP: tuple[tuple[str, ...], ...] = (("up", "--build"), ("migrate",))


class Stacks:
    """Makes the stacks of one test (or module) in `folder`, each started with
    the `inv` commands given, every one of which must succeed; close() takes
    every stack made down, even one whose start failed."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.made: list[Stack] = []

    def reference(
        self, *started: tuple[str, ...], env_name: str = "test.env", **extra_env: str
    ) -> Stack:
        """The reference stack (see reference_stack), its env file `env_name`."""
        stack = reference_stack(self._new_folder() / env_name, **extra_env)
        return self._start(stack, started)

    def copy(
        self,
        files: Iterable[str],
        *started: tuple[str, ...],
        own_cache: bool = False,
        **extra_env: str,
    ) -> Stack:
        """A copy of the reference stack's `files` and services (see
        copied_stack); `own_cache`: a cache folder no other run records in."""
        root = self._new_folder() / "repo"
        if own_cache:
            extra_env["DOCKHAND_CACHE_DIR"] = str(root / "cache")
        return self._start(copied_stack(root, files, extra_env), started)

    def project(self, folder: Path, *started: tuple[str, ...], **values: str) -> Stack:
        """One of the small projects under projects/ (see project_stack)."""
        return self._start(project_stack(folder, self._new_folder(), **values), started)

    def close(self) -> None:
        for stack in self.made:
            stack.destroy()

    def _new_folder(self) -> Path:
        folder = self.folder / f"stack-{len(self.made)}"
        folder.mkdir()
        return folder

    def _start(self, stack: Stack, started: tuple[tuple[str, ...], ...]) -> Stack:
        self.made.append(stack)  # before its start, which may fail
        for args in started:
            result = stack.inv(*args, timeout=1800)
            assert result.returncode == 0, output(result)
        return stack


# The images untag() took the last tag of: kept, as the build cache other
# test projects start from, until the session ends (remove_untagged).
_untagged: set[str] = set()


def untag(tags: list[str]) -> None:
    """Untag images; --no-prune keeps their layers for the session."""
    if not tags:
        return
    ids = subprocess.run(
        ["docker", "image", "inspect", "--format", "{{.Id}}", *tags],
        capture_output=True, text=True, timeout=60, check=False,
    ).stdout.split()  # fmt: skip
    subprocess.run(
        ["docker", "image", "rm", "--no-prune", *tags],
        capture_output=True,
        timeout=120,
        check=False,
    )
    _untagged.update(ids)


def remove_untagged() -> None:
    """At the session's end, the images untag() left without a tag, and the
    layers only they used: nothing made by another project or run."""
    dangling = subprocess.run(
        ["docker", "image", "ls", "-q", "--no-trunc", "--filter", "dangling=true"],
        capture_output=True, text=True, timeout=60, check=False,
    ).stdout.split()  # fmt: skip
    if ours := sorted(_untagged.intersection(dangling)):
        subprocess.run(
            ["docker", "image", "rm", *ours],
            capture_output=True,
            timeout=300,
            check=False,
        )
    _untagged.clear()


def remove_images(project: str) -> None:
    """Untag the project's images (their layers stay until the session ends)."""
    listed = subprocess.run(
        [
            "docker",
            "image",
            "ls",
            "--filter",
            f"reference={project}-*",
            "--filter",  # Compose v1 names them project_service (filters OR)
            f"reference={project}_*",
            "--format",
            "{{.Repository}}:{{.Tag}}",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    untag(listed.stdout.split())


def project_stack(folder: Path, tmp_path: Path, **values: str) -> Stack:
    """A Stack of one of the small projects under projects/ (compose.yaml)."""
    env_file = tmp_path / f"{folder.name}.env"
    write_env(env_file, {"BASE_IMAGE": "debian:bookworm-slim", **values})
    return Stack(root=folder, env_file=env_file, files=("compose.yaml",))


# The reference stack's own files: each test runs a copy of them (with
# services/), so the dumps and snapshots it makes land in its own folder,
# never in the repository's backups/ and snapshots/.
REFERENCE_FILES = (
    ".env.example",
    "docker-compose.yml",
    "docker-compose.prod.yml",
    "docker-compose.watch.yml",
    "invoke.yaml",
    "tasks.py",
)


def reference_stack(env_file: Path, **extra_env: str) -> Stack:
    """A Stack of the reference stack: a copy of its files in a folder beside
    `env_file` (named after it), with its own env file at `env_file`."""
    root = env_file.parent / f"{env_file.stem}-stack"
    if not root.exists():
        copy_reference(root, REFERENCE_FILES)
    write_env(env_file, env_lines(root / ".env.example"))
    return Stack(root=root, env_file=env_file, extra_env=extra_env)


def copy_reference(root: Path, files: Iterable[str]) -> Path:
    """`files` of the reference stack and its services/ copied into a new
    folder `root`, for a test that changes them."""
    root.mkdir(parents=True)
    for name in files:
        shutil.copy2(REPO / name, root / name)
    shutil.copytree(
        REPO / "services",
        root / "services",
        ignore=shutil.ignore_patterns("__pycache__", "node_modules", ".venv"),
    )
    return root


def copy_checkout(dest: Path) -> None:
    """This checkout's files (tracked and new, not ignored; no .env) copied
    into `dest`, for a test that would otherwise write into the checkout."""
    listed = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "-z"],
        cwd=REPO,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = REPO / name
        if name == ".env" or not source.is_file():
            continue
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)


def copied_stack(
    root: Path, files: Iterable[str], extra_env: dict[str, str] | None = None
) -> Stack:
    """A Stack of a copy of the reference stack in `root`, with its own env file."""
    copy_reference(root, files)
    env_file = root / "test.env"
    write_env(env_file, env_lines(root / ".env.example"))
    return Stack(root=root, env_file=env_file, extra_env=extra_env or {})


def wait_for(
    predicate: Callable[[], bool], timeout: float = 60, what: str = ""
) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


# A tmux server of this test process's own: a user's own server (and its
# environment) is left alone, and none of theirs is touched. It ends with its
# last session; its socket's folder at the process's end.
_TMUX_FOLDER = tempfile.mkdtemp(prefix="dockhand-tmux-")
atexit.register(shutil.rmtree, _TMUX_FOLDER, ignore_errors=True)
TMUX = ("tmux", "-S", f"{_TMUX_FOLDER}/socket")


class Tmux:
    """One command in a real terminal (tmux), to type into and read."""

    def __init__(self, name: str, args: list[str], stack: Stack) -> None:
        self.name = name
        exports = [
            f"{k}={v}"
            for k, v in stack.env().items()
            # PYTHONPATH: the `inv` in the terminal imports this tree, as
            # every other `inv` a test starts does, whatever the tmux
            # server's own environment holds.
            if k.startswith(("INVOKE_", "NO_COLOR", "DOCKER_", "PATH", "PYTHONPATH"))
        ]
        script = (
            f"cd {shlex.quote(str(stack.root))} && "
            f"{shlex.join(['env', *exports, *args])}; echo EXIT=$?; sleep 60"
        )
        subprocess.run(
            [*TMUX, "new-session", "-d", "-s", name, "-x", "200", "-y", "50", script],
            check=True,
        )

    def screen(self) -> str:
        return subprocess.run(
            [*TMUX, "capture-pane", "-p", "-J", "-t", self.name],
            capture_output=True,
            text=True,
            check=False,
        ).stdout

    def line(self, text: str) -> None:
        """Type `text` literally, then Enter (tmux still takes a final ; as a
        separator of its own commands: end SQL with \\g instead)."""
        subprocess.run([*TMUX, "send-keys", "-t", self.name, "-l", text], check=True)
        subprocess.run([*TMUX, "send-keys", "-t", self.name, "Enter"], check=True)

    def type(self, text: str, *keys: str) -> None:
        """Type `text` literally, then press `keys` (tmux's names: Tab, C-u)."""
        subprocess.run([*TMUX, "send-keys", "-t", self.name, "-l", text], check=True)
        for key in keys:
            subprocess.run([*TMUX, "send-keys", "-t", self.name, key], check=True)

    def wait(self, text: str, timeout: float = 60) -> None:
        wait_for(
            lambda: text in self.screen(), timeout, f"{text!r} on\n{self.screen()}"
        )

    def close(self) -> None:
        subprocess.run(
            [*TMUX, "kill-session", "-t", self.name], capture_output=True, check=False
        )


def output(result: subprocess.CompletedProcess[str]) -> str:
    return f"exit {result.returncode}\n--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"


# --- looking past dockhand: psql, `inv ps`, and the engine's own listings --------


class Composed(Protocol):
    """Anything that runs `docker compose ARGS` on its project."""

    def compose(self, *args: str) -> subprocess.CompletedProcess[str]: ...


def sql(stack: Composed, query: str, database: str = "neuroagent") -> str:
    """One query through psql in the db container (its socket: no password),
    as the reference stack's user (.env.example), unaligned, without headers."""
    result = stack.compose(
        "exec", "-T", "db", "psql", "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1",
        "-U", "neuroagent", "-d", database, "-c", query,
    )  # fmt: skip
    assert result.returncode == 0, f"psql -c {query!r}\n{result.stderr}"
    return result.stdout.strip()


def ps(stack: Stack) -> dict[str, dict[str, Any]]:
    """Service name -> its row of `inv ps --json`."""
    result = stack.inv("ps", "--json")
    assert result.returncode == 0, output(result)
    return {row["service"]: row for row in json.loads(result.stdout)}


def docker(*args: str) -> list[str]:
    """The words `docker ARGS` prints: ids or names, one a line."""
    return subprocess.run(
        ["docker", *args], capture_output=True, text=True, timeout=120, check=True
    ).stdout.split()


def of_project(project: str) -> str:
    """The filter for what Compose made for `project`."""
    return f"label=com.docker.compose.project={project}"


def containers_of(project: str, *, stopped_too: bool = True) -> list[str]:
    """The ids of the project's containers, stopped ones too unless told."""
    return docker(
        "ps", "-q", *(["-a"] if stopped_too else []), "--filter", of_project(project)
    )


def volumes_of(project: str) -> list[str]:
    return sorted(docker("volume", "ls", "-q", "--filter", of_project(project)))


def networks_of(project: str) -> list[str]:
    return docker("network", "ls", "-q", "--filter", of_project(project))


def running_compose() -> str:
    """The Compose `docker compose` runs, as X.Y.Z (Debian's 2.40.3-3: 2.40.3)."""
    short = subprocess.run(
        ["docker", "compose", "version", "--short"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    return re.match(r"v?(\d+\.\d+\.\d+)", short)[1]  # type: ignore[index]


def compose_status() -> str:
    """What `inv doctor` and `inv check` rightly say of Compose here: ok
    where the one invoke.yaml pins runs, warn elsewhere (Engine 28's run has
    Debian's Compose 2.40)."""
    pinned = re.search(
        r'^\s*compose_version:\s*"?([^"\s]+)', (REPO / "invoke.yaml").read_text(), re.M
    )
    return "ok" if pinned and pinned[1] == running_compose() else "warn"


def trust_status() -> str:
    """What `inv doctor` rightly says of this machine's CAs: warn where its
    store holds some beyond the public bundle (a proxy's, a sandbox's), ok
    elsewhere."""
    return "warn" if trust_store.read().extras else "ok"


def duplicate_network(name: str, labels: dict[str, str]) -> str | None:
    """A second network named `name` (what two racing `up`s left before the
    lock), its ID; None on an engine that refuses a name twice (Engine 25+,
    API 1.44: the state cannot arise there), after checking that it does."""
    import docker

    client = docker.from_env()
    try:
        return str(
            client.networks.create(name, labels=labels, check_duplicate=False).id
        )
    except docker.errors.APIError as refused:
        api = tuple(int(n) for n in client.version()["ApiVersion"].split("."))
        assert api >= (1, 44) and refused.status_code == 409, refused
        assert f"network with name {name} already exists" in str(refused), refused
        return None


def image_id(name: str) -> str:
    """The id of the image `name`, or "" when the engine has none."""
    return subprocess.run(
        ["docker", "image", "inspect", "--format", "{{.Id}}", name],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    ).stdout.strip()


def inspect(name: str) -> dict[str, Any]:
    """`docker inspect` of one container or image."""
    return _inspect(name)[0]


def _inspect(*names: str) -> list[dict[str, Any]]:
    out = subprocess.run(
        ["docker", "inspect", *names],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    found: list[dict[str, Any]] = json.loads(out)
    return found


def inspect_service(stack: Stack, service: str) -> dict[str, Any]:
    """`docker inspect` of the one container of `service`, running or not."""
    ids = stack.compose("ps", "--all", "--quiet", service).stdout.split()
    assert len(ids) == 1, f"{service}: {ids}"
    return inspect(ids[0])


def inspect_running(project: str) -> dict[str, dict[str, Any]]:
    """Service name -> `docker inspect` of its running container."""
    ids = containers_of(project, stopped_too=False)
    assert ids, "no containers"
    return {
        c["Config"]["Labels"]["com.docker.compose.service"]: c for c in _inspect(*ids)
    }
