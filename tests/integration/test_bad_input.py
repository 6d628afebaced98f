"""Every bad input a user can give, through the real `inv`: the battery's
table (battery.py, by class) of broken invoke.yaml, wrong INVOKE_DOCKHAND_*
variables, options, paths, env files, compose files, Docker endpoints and
service names. Each must exit non-zero with exactly one `error:` line naming
the culprit, never a traceback, and leave the project as it was: its files,
and no container, network or volume of its Compose project.

Each case runs against a fresh copy of the `faulty` project, for real (most
as `inv up ok`), so a missing check shows as a started container, not a hung
test and not a pass; the few under `inv --dry` say why in the battery.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from battery import BAD, DRY, Case, settings
from harness import Stack, output, write_env

FAULTY = Path(__file__).parent / "projects" / "faulty"


@dataclass
class Copy(Stack):
    """A Stack whose variables can be set over, or taken from, the harness's."""

    unset: tuple[str, ...] = ()
    over: dict[str, str] = field(default_factory=dict)  # set last, over the harness's

    def env(self) -> dict[str, str]:
        env = super().env()
        for name in self.unset:
            env.pop(name, None)
        env.update(self.over)
        return env


def copy_of_faulty(folder: Path) -> Copy:
    """A copy of `faulty`, never started: each case may rewrite its files."""
    root = folder / "faulty"
    shutil.copytree(FAULTY, root)
    env_file = folder / "faulty.env"
    write_env(env_file, {"BASE_IMAGE": "debian:bookworm-slim"})
    return Copy(root=root, env_file=env_file, files=("compose.yaml",))


@pytest.fixture
def project(tmp_path: Path) -> Copy:
    return copy_of_faulty(tmp_path)


def prepare(project: Copy, yaml: str | None, env: dict[str, str]) -> None:
    if yaml is not None:
        (project.root / "invoke.yaml").write_text(yaml)
    env = dict(env)
    # the harness sets INVOKE_DOCKHAND_PROJECT from the Stack's own name
    project.project = env.pop("INVOKE_DOCKHAND_PROJECT", project.project)
    project.over.update(env)


def set_up(project: Copy, case: Case) -> None:
    for name, text in case.files.items():
        path = project.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    for name in case.remove:
        (project.root / name).unlink()
    if case.env_file is not None:
        # surrogateescape: a case's \udcXX is the byte XX (a file not UTF-8)
        project.env_file.write_bytes(case.env_file.encode("utf-8", "surrogateescape"))
    prepare(project, case.yaml, case.env)
    project.unset = case.unset


def files(project: Copy) -> dict[str, tuple[int, str]]:
    """Every file of the project and the env file: mode and content."""
    found = {}
    for path in [project.env_file, *sorted(project.root.rglob("*"))]:
        if path.is_file() and "__pycache__" not in path.parts:
            data = path.read_bytes()
            found[str(path)] = (os.stat(path).st_mode, hashlib.sha256(data).hexdigest())
    return found


def engine_objects(project: str) -> dict[str, list[str]]:
    """What the engine holds of this Compose project, found by its label."""
    import docker

    client = docker.from_env()
    label = {"label": f"com.docker.compose.project={project}"}
    return {
        "containers": [c.name for c in client.containers.list(all=True, filters=label)],
        "networks": [n.name for n in client.networks.list(filters=label)],
        "volumes": [v.name for v in client.volumes.list(filters=label)],
    }


def error_lines(result: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("error:")]


@dataclass
class Outcome:
    result: subprocess.CompletedProcess[str]
    seconds: float
    files_before: dict[str, tuple[int, str]]
    files_after: dict[str, tuple[int, str]]
    left: dict[str, list[str]]  # on the engine afterwards


def attempt(case: Case, folder: Path) -> Outcome:
    project = copy_of_faulty(folder)
    set_up(project, case)
    before = files(project)
    began = time.monotonic()
    result = project.inv(*case.argv, timeout=120)
    took = time.monotonic() - began
    outcome = Outcome(
        result, took, before, files(project), engine_objects(project.project)
    )
    if any(outcome.left.values()):
        project.destroy()
    return outcome


@pytest.fixture(scope="module")
def outcomes(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    base_image: None,
) -> dict[str, Outcome]:
    """Every case of the battery that was selected, run four at a time: each
    has its own copy of the project and its own Compose project name, so
    they cannot meet."""
    from concurrent.futures import ThreadPoolExecutor

    base = tmp_path_factory.mktemp("battery")
    chosen = {
        item.callspec.params["case"].name
        for item in request.session.items
        if hasattr(item, "callspec") and "case" in item.callspec.params
    }

    def one(pair: tuple[int, Case]) -> tuple[str, Outcome]:
        index, case = pair
        folder = base / str(index)
        folder.mkdir()
        return case.name, attempt(case, folder)

    with ThreadPoolExecutor(max_workers=4) as pool:
        done = dict(
            pool.map(one, [(i, c) for i, c in enumerate(BAD) if c.name in chosen])
        )
    slowest = sorted(done.items(), key=lambda item: -item[1].seconds)[:8]
    print("slowest:", ", ".join(f"{name} {o.seconds:.1f} s" for name, o in slowest))
    return done


@pytest.mark.parametrize("case", BAD, ids=[f"{c.cls}: {c.name}" for c in BAD])
def test_a_bad_input_is_one_line_naming_the_culprit(
    outcomes: dict[str, Outcome], case: Case
) -> None:
    outcome = outcomes[case.name]
    result = outcome.result
    assert result.returncode == case.code, output(result)
    assert "Traceback" not in result.stdout + result.stderr, output(result)
    errors = error_lines(result)
    assert len(errors) == 1, output(result)
    for fragment in case.says:
        assert fragment in errors[0], output(result)
    # nothing changed: not a file, and nothing on the engine
    assert outcome.files_after == outcome.files_before
    assert outcome.left == {"containers": [], "networks": [], "volumes": []}, output(
        result
    )


def test_the_troubleshooting_page_counts_the_battery() -> None:
    """docs/troubleshooting.md's table of classes is the battery's."""
    from battery import CLASSES

    page = (Path(__file__).parents[2] / "docs" / "troubleshooting.md").read_text()
    table = page.split("\n## The battery\n", 1)[1].split("\n## ", 1)[0]
    rows = {
        cells[0].strip(): int(cells[1])
        for line in table.splitlines()
        if line.startswith("| ")
        and (cells := line.strip("| ").split(" | "))[1].isdigit()
    }
    assert rows == {name: len(cases) for name, cases in CLASSES.items()}


def test_the_battery_covers_every_class() -> None:
    """At least 120 bad inputs, no two with one name, and none of its class
    empty (the counts by class are in docs/troubleshooting.md)."""
    from battery import CLASSES

    assert len(BAD) >= 120
    assert len({case.name for case in BAD}) == len(BAD)
    assert all(CLASSES.values())


def test_a_case_runs_for_real_or_says_why_not() -> None:
    """Under --dry, "nothing left on the engine" cannot fail: a case that runs
    there says why (battery.py's dry_because), and one that says so runs there."""
    assert [c.name for c in BAD if ("--dry" in c.argv) != bool(c.dry_because)] == []


def test_a_broken_runtime_config_file_is_named(project: Copy, tmp_path: Path) -> None:
    (tmp_path / "ci.yaml").write_text("dockhand: {wait_timeout: [1\n")
    project.extra_env["INVOKE_RUNTIME_CONFIG"] = str(tmp_path / "ci.yaml")
    result = project.inv(*DRY, timeout=120)
    assert result.returncode == 1 and "Traceback" not in result.stderr, output(result)
    assert error_lines(result) == [
        f"error: {tmp_path / 'ci.yaml'}, line 2, column 1: expected ',' or ']', but got '<stream end>'"
    ], output(result)


def test_a_runtime_config_file_with_a_list_at_the_top_is_named(
    project: Copy, tmp_path: Path
) -> None:
    (tmp_path / "ci.yaml").write_text("- wait_timeout: 5\n")
    result = project.inv("-f", str(tmp_path / "ci.yaml"), *DRY, timeout=120)
    assert result.returncode == 1 and "Traceback" not in result.stderr, output(result)
    assert error_lines(result) == [
        f"error: {tmp_path / 'ci.yaml'}: the top level is a list, expected a mapping "
        "(dockhand: followed by its settings)"
    ], output(result)


# Inputs that were misread before and are now read as meant: what Compose is
# asked shows the reading.
@dataclass(frozen=True)
class Reading:
    name: str
    shows: tuple[str, ...]
    hides: tuple[str, ...] = ()
    yaml: str | None = None
    env: dict[str, str] = field(default_factory=dict)
    argv: tuple[str, ...] = ("--dry", "up", "--no-wait")
    # Files the case names, made for it: Compose refuses a file that does not
    # exist, and so does every command, dry runs included.
    files: tuple[str, ...] = ()


OVERRIDE = "services: {}\n"

READINGS = [
    Reading(
        "profiles: storage is one profile",
        ("--profile storage up",),
        ("--profile s ",),
        settings("profiles: storage"),
    ),
    Reading(
        "a comma-separated profile variable",
        ("--profile storage --profile debug up",),
        env={"INVOKE_DOCKHAND_PROFILES": "storage,debug"},
    ),
    Reading(
        "INVOKE_DOCKHAND_PROD=false is false",
        ("-f compose.yaml --env-file",),
        ("prod.yml",),
        settings("prod_files: [prod.yml]", "prod: true"),
        {"INVOKE_DOCKHAND_PROD": "false"},
    ),
    Reading(
        "inv prod beats INVOKE_DOCKHAND_PROD=0",
        ("-f compose.yaml -f prod.yml --env-file",),
        yaml=settings("prod_files: [prod.yml]"),
        env={"INVOKE_DOCKHAND_PROD": "0"},
        argv=("--dry", "prod", "down"),
        files=("prod.yml",),
    ),
    Reading(
        "a variable beats project: 42 in invoke.yaml",
        ("-p review-42 ",),
        yaml=settings("project: 42"),
        env={"INVOKE_DOCKHAND_PROJECT": "review-42"},
    ),
    Reading(
        "a list of files from a variable",
        ("-f compose.yaml -f extra.yml",),
        env={"INVOKE_DOCKHAND_COMPOSE_FILES": "compose.yaml,extra.yml"},
        argv=DRY,
        files=("extra.yml",),
    ),
]


@pytest.mark.parametrize("reading", READINGS, ids=[r.name for r in READINGS])
def test_an_input_is_read_as_meant(project: Copy, reading: Reading) -> None:
    prepare(project, reading.yaml, reading.env)
    for name in reading.files:
        (project.root / name).write_text(OVERRIDE)
    result = project.inv(*reading.argv, timeout=120)
    assert result.returncode == 0, output(result)
    commands = " ".join(
        line.replace(str(project.root) + "/", "")
        for line in result.stderr.splitlines()
        if line.startswith("$ ")
    )
    for fragment in reading.shows:
        assert fragment in commands, output(result)
    for fragment in reading.hides:
        assert fragment not in commands, output(result)


BUGGY_TASKS = """\
from dockhand import namespace
from dockhand.cli.task import command

ns = namespace(__file__)


@command()
def boom(c):
    \"\"\"A task with a bug in it.\"\"\"
    raise RuntimeError("the bug")


ns.add_task(boom)
"""


def test_a_bug_is_one_line_and_exit_70(project: Copy) -> None:
    (project.root / "tasks.py").write_text(BUGGY_TASKS)
    result = project.inv("boom", timeout=120)
    assert result.returncode == 70, output(result)
    assert result.stderr == (
        "error: internal error: RuntimeError: the bug; this is a bug, "
        "rerun with DOCKHAND_DEBUG=1 to see the traceback\n"
    ), output(result)


def test_dockhand_debug_shows_the_traceback(project: Copy) -> None:
    (project.root / "tasks.py").write_text(BUGGY_TASKS)
    project.extra_env["DOCKHAND_DEBUG"] = "1"
    result = project.inv("boom", timeout=120)
    assert result.returncode == 70, output(result)
    assert (
        "Traceback" in result.stderr
        and 'raise RuntimeError("the bug")' in result.stderr
    )
    assert result.stderr.splitlines()[-1].startswith(
        "error: internal error: RuntimeError"
    )


@pytest.mark.parametrize("argv", [("--list",), ("--dry", "ps", "--json")])
def test_a_reader_that_goes_away_is_not_an_error(
    project: Copy, argv: tuple[str, ...]
) -> None:
    """`inv --list | head -1`: the pipe is closed before inv writes."""
    import sys

    child = subprocess.Popen(
        [sys.executable, "-m", "invoke", *argv],
        cwd=project.root,
        env=project.env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
    )
    assert child.stdout is not None and child.stderr is not None
    child.stdout.close()
    stderr = child.stderr.read().decode()
    assert child.wait(timeout=120) == 141, stderr
    assert stderr == ""
