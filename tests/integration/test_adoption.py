"""Another team adopts dockhand: the built wheel and sdist hold what they
should, and a Compose project outside this repository, with only a compose
file, a .env and the two-line tasks.py, runs the daily tasks from a fresh
virtualenv with the wheel installed (and with dockhand installed from a git
URL or a local path). Its own tasks sit beside dockhand's, and override one.
The `dockhand` command runs a project that holds only its compose file,
installed into a fresh virtualenv or with `uv tool install`, and says once
when the project pins another dockhand-compose."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import tarfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from harness import REPO, Stack, copy_checkout, output, write_env

import dockhand

COMPOSE = """\
services:
  app:
    image: ${BASE_IMAGE:-debian:bookworm-slim}
    init: true
    command: ["sh", "-c", "echo app started; while :; do sleep 1; done"]
"""
# A project's uv.lock locking dockhand-compose from the package index.
UV_LOCK = """\
version = 1
requires-python = ">=3.10"

[[package]]
name = "dockhand-compose"
version = "{version}"
source = {{ registry = "https://pypi.org/simple" }}
"""
TASKS = """\
from dockhand import namespace

ns = namespace(__file__)
"""
# The docs' recipe (docs/configuration.md): a task of the project's own, and
# dockhand's `ps` overridden by one that calls it and adds a line.
OWN_TASKS = '''\
from invoke import task

dockhand_ps = ns.tasks["ps"]


@task
def hello(c):
    """The project's own task."""
    print("hello from the project")


@task(help={"json": "print JSON to stdout instead of a table"})
def ps(c, json=False):
    """dockhand's ps, then the project's own line."""
    dockhand_ps(c, json=json)
    print("checked by the project")


ns.add_task(hello)
ns.add_task(ps)
'''


def uv(
    *args: str, timeout: float = 300, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [str(REPO / "scripts" / "uv"), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        check=False,
    )
    assert result.returncode == 0, output(result)
    return result


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    built = subprocess.run(
        [str(REPO / "scripts" / "build"), str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert built.returncode == 0, output(built)
    return out


@pytest.fixture(scope="module")
def constraints(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The runtime pins of uv.lock, so the adopter's venv gets what CI tested."""
    path = tmp_path_factory.mktemp("lock") / "constraints.txt"
    uv(
        "export", "--project", str(REPO), "--no-dev", "--no-emit-project",
        "--no-hashes", "--quiet", "-o", str(path),
    )  # fmt: skip
    return path


def venv_with(folder: Path, requirement: str, constraints: Path) -> Path:
    """A fresh virtualenv in `folder` with `requirement` installed; its bin/."""
    uv("venv", "--quiet", "--no-project", str(folder))
    python = folder / "bin" / "python"
    uv("pip", "install", "--quiet", "--python", str(python), "-c", str(constraints), requirement)  # fmt: skip
    return folder / "bin"


@pytest.fixture(scope="module")
def uv_tool(
    tmp_path_factory: pytest.TempPathFactory, dist: Path, constraints: Path
) -> Path:
    """The wheel installed with `uv tool install`, as a user would, with the
    tools and their commands in a folder of the test (UV_TOOL_DIR,
    UV_TOOL_BIN_DIR), never ~/.local; the folder holding both."""
    (wheel,) = dist.glob("*.whl")
    home = tmp_path_factory.mktemp("uv-tool")
    env = {
        **os.environ,
        "UV_TOOL_DIR": str(home / "tools"),
        "UV_TOOL_BIN_DIR": str(home / "bin"),
    }
    uv("tool", "install", "--quiet", "--no-python-downloads", "-c", str(constraints), str(wheel), env=env)  # fmt: skip
    assert sorted(p.name for p in (home / "bin").iterdir()) == ["dockhand"]
    return home


class Adopter(Stack):
    """A Stack whose `inv` is the one in the adopter's virtualenv, importing
    the installed dockhand, never this tree (no PYTHONPATH)."""

    bin: Path

    def env(self) -> dict[str, str]:
        env = super().env()
        env.pop("PYTHONPATH", None)
        env["PATH"] = f"{self.bin}{os.pathsep}{env['PATH']}"
        return env

    def inv(
        self, *args: str, timeout: float = 600, input: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.bin / "inv"), *args],
            cwd=self.root,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
            check=False,
        )


def adopter(root: Path, bin: Path, tasks: str = TASKS) -> Adopter:
    root.mkdir()
    (root / "docker-compose.yml").write_text(COMPOSE)
    (root / "tasks.py").write_text(tasks)
    write_env(root / ".env", {"BASE_IMAGE": "debian:bookworm-slim"})
    stack = Adopter(root=root, env_file=root / ".env")
    stack.bin = bin
    return stack


@pytest.fixture
def wheel_project(
    tmp_path: Path, dist: Path, constraints: Path, base_image: None
) -> Iterator[Adopter]:
    (wheel,) = dist.glob("*.whl")
    bin = venv_with(tmp_path / "venv", str(wheel), constraints)
    stack = adopter(tmp_path / "shop", bin, TASKS + "\n" + OWN_TASKS)
    yield stack
    stack.destroy()


def test_the_wheel_holds_the_package_and_nothing_else(dist: Path) -> None:
    (wheel,) = dist.glob("*.whl")
    assert wheel.name == f"dockhand_compose-{dockhand.__version__}-py3-none-any.whl"
    names = zipfile.ZipFile(wheel).namelist()
    info = f"dockhand_compose-{dockhand.__version__}.dist-info/"
    assert all(n.startswith(("dockhand/", info)) for n in names), names
    assert "dockhand/py.typed" in names and "dockhand/cli/stack.py" in names
    assert f"{info}licenses/LICENSE" in names
    metadata = zipfile.ZipFile(wheel).read(f"{info}METADATA").decode()
    assert "Name: dockhand-compose\n" in metadata
    assert "License-Expression: MIT\n" in metadata
    assert "Description-Content-Type: text/markdown" in metadata
    assert "\n# dockhand\n" in metadata  # the README is the long description


def test_the_sdist_builds_the_same_package(dist: Path) -> None:
    (sdist,) = dist.glob("*.tar.gz")
    top = f"dockhand_compose-{dockhand.__version__}/"
    with tarfile.open(sdist) as archive:
        names = archive.getnames()
    for name in ("LICENSE", "README.md", "pyproject.toml", "src/dockhand/py.typed"):
        assert top + name in names, names
    assert not [n for n in names if n.startswith((top + "services", top + "tests"))]


def test_an_adopting_project_runs_the_daily_tasks_from_the_wheel(
    wheel_project: Adopter,
) -> None:
    listed = wheel_project.inv("--list")
    assert listed.returncode == 0, output(listed)
    for name in ("up", "down", "logs", "version", "hello"):
        assert f"\n  {name} " in listed.stdout, listed.stdout

    version = wheel_project.inv("version")
    assert f"dockhand-compose {dockhand.__version__}" in version.stdout, output(version)

    up = wheel_project.inv("up")
    assert up.returncode == 0 and "all services are ready" in up.stderr, output(up)

    ps = wheel_project.inv("ps", "--json")
    assert ps.returncode == 0, output(ps)
    # the override ran dockhand's ps and then its own line
    rows, own = ps.stdout.rstrip().rsplit("\n", 1)
    assert own == "checked by the project", output(ps)
    assert [(r["service"], r["state"]) for r in json.loads(rows)] == [
        ("app", "running")
    ]

    hello = wheel_project.inv("hello")
    assert hello.stdout == "hello from the project\n", output(hello)

    down = wheel_project.inv("down")
    assert down.returncode == 0, output(down)
    left = wheel_project.compose("ps", "-a", "-q")
    assert left.returncode == 0 and left.stdout.strip() == "", output(left)


@pytest.mark.parametrize("source", ["git", "path"])
def test_installed_from_a_git_url_or_a_local_path(
    tmp_path: Path, constraints: Path, source: str
) -> None:
    if source == "git":
        requirement = f"dockhand-compose @ git+file://{REPO}"
    else:  # a copy: pip builds a local path in place (build/, *.egg-info)
        copy_checkout(tmp_path / "source")
        requirement = str(tmp_path / "source")
    bin = venv_with(tmp_path / "venv", requirement, constraints)
    stack = adopter(tmp_path / "shop", bin)
    listed = stack.inv("--list")
    assert listed.returncode == 0 and "\n  up " in listed.stdout, output(listed)
    version = stack.inv("version", "--json")
    assert f'"dockhand-compose {dockhand.__version__}"' in version.stdout, output(
        version
    )


@pytest.mark.parametrize("install", ["venv", "uv tool"])
def test_dockhand_runs_a_project_holding_only_its_compose_file(
    tmp_path: Path, request: pytest.FixtureRequest, base_image: None, install: str
) -> None:
    """No tasks.py, no invoke.yaml, no .env: `dockhand` from the wheel
    (installed into a fresh virtualenv, or with `uv tool install`), from the
    project's folder and from one below it. The project is named as Compose
    names it, after its folder."""
    if install == "venv":
        (wheel,) = request.getfixturevalue("dist").glob("*.whl")
        constraints = request.getfixturevalue("constraints")
        home = tmp_path / "venv"
        bin = venv_with(home, str(wheel), constraints)
    else:
        home = request.getfixturevalue("uv_tool")
        bin = home / "bin"
    name = f"dhtest-{secrets.token_hex(4)}"
    root = tmp_path / name
    (root / "src" / "deep").mkdir(parents=True)
    (root / "compose.yaml").write_text(COMPOSE)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}

    def dockhand_in(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(bin / "dockhand"), *args],
            cwd=folder,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            stdin=subprocess.DEVNULL,
            check=False,
        )

    below = root / "src" / "deep"
    version = dockhand_in(below, "version", "--json")
    assert version.returncode == 0, output(version)
    where = json.loads(version.stdout)["from"]  # the wheel's, not this tree's
    assert where.startswith(str(home)), where
    assert "warning" not in version.stderr, output(version)  # the project pins none
    try:
        up = dockhand_in(root, "up")
        assert up.returncode == 0 and "all services are ready" in up.stderr, output(up)
        for folder in (root, below):
            ps = dockhand_in(folder, "ps", "--json")
            assert ps.returncode == 0, output(ps)
            assert [(r["service"], r["state"]) for r in json.loads(ps.stdout)] == [
                ("app", "running")
            ], output(ps)
            logs = dockhand_in(folder, "logs", "app", "--tail", "1")
            assert logs.returncode == 0 and "app started" in logs.stdout, output(logs)
            shell = dockhand_in(folder, "shell", "app", "-c", "echo $((6 * 7))")
            assert shell.returncode == 0 and shell.stdout.strip() == "42", output(shell)
        check = dockhand_in(below, "check", "--json")
        rows = {row["name"]: row for row in json.loads(check.stdout)["checks"]}
        assert rows["compose-prod"]["status"] == "skip", rows["compose-prod"]
        assert rows["compose files"]["status"] == "ok", rows["compose files"]
        down = dockhand_in(below, "down")
        assert down.returncode == 0, output(down)
        left = subprocess.run(
            ["docker", "ps", "-aq", "--filter", f"label=com.docker.compose.project={name}"],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        assert left.stdout.strip() == "", left.stdout
        assert sorted(p.name for p in root.iterdir()) == ["compose.yaml", "src"]
    finally:
        subprocess.run(
            ["docker", "compose", "-p", name, "down", "--volumes", "--timeout", "3"],
            capture_output=True, check=False,
        )  # fmt: skip


@pytest.mark.parametrize("pin", ["uv.lock", "requirements.txt", None])
def test_dockhand_says_once_which_dockhand_the_project_pins(
    tmp_path: Path, uv_tool: Path, pin: str | None
) -> None:
    """`dockhand` installed with `uv tool install`, in a project holding only
    its compose file and a lock or requirements pinning another version:
    every command says so in one line, once; without the pin, nothing."""
    root = tmp_path / "shop"
    (root / "src").mkdir(parents=True)
    (root / "compose.yaml").write_text(COMPOSE)
    if pin == "uv.lock":
        (root / pin).write_text(UV_LOCK.format(version="0.0.1"))
    elif pin == "requirements.txt":
        (root / pin).write_text("requests==2.32.3\ndockhand-compose==0.0.1\n")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    hint = {
        "uv.lock": "`uv run dockhand {}` runs the project's own",
        "requirements.txt": "`uv tool install dockhand-compose==0.0.1` puts that one on PATH",
    }  # fmt: skip
    package = uv_tool / "tools" / "dockhand-compose"
    for folder, args in [
        (root, ["--version"]),
        (root, ["version", "--json"]),
        (root / "src", ["--version"]),
    ]:
        ran = subprocess.run(
            [str(uv_tool / "bin" / "dockhand"), *args],
            cwd=folder, env=env, capture_output=True, text=True, timeout=120,
            stdin=subprocess.DEVNULL, check=False,
        )  # fmt: skip
        assert ran.returncode == 0, output(ran)
        if pin is None:
            assert ran.stderr == "", output(ran)
            continue
        (line,) = ran.stderr.splitlines()
        assert line.startswith(
            f"warning: this project pins dockhand-compose 0.0.1 ({pin}); "
            f"running {dockhand.__version__} from {package}/"
        ), line
        assert line.endswith(hint[pin].format(" ".join(args))), line
    version = subprocess.run(
        [str(uv_tool / "bin" / "dockhand"), "version", "--json"],
        cwd=root, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    rows = json.loads(version.stdout)
    assert rows["from"].startswith(str(package)), rows
    assert rows.get("pinned") == (
        None if pin is None else f"dockhand-compose 0.0.1 ({pin}, not this one)"
    ), rows
