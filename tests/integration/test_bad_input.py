"""Every bad input a user can give, through the real `inv`: a broken
invoke.yaml, a wrong INVOKE_DOCKHAND_* variable, a wrong option. Each must
exit non-zero with exactly one `error:` line naming the culprit, and never a
traceback. Add a row to a table for each new check.

Every command runs under `inv --dry` against a copy of the `faulty` project,
so nothing is started even when a check is missing: a bad input stops the
command before Compose is asked.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from harness import Stack, output, write_env

FAULTY = Path(__file__).parent / "projects" / "faulty"
SETTINGS = (
    "dockhand:\n  project: faulty\n  compose_files: [compose.yaml]\n  prod_files: []\n"
)
DRY = ("--dry", "down")


@dataclass(frozen=True)
class Case:
    name: str
    says: tuple[str, ...]  # fragments of the one error line
    yaml: str | None = None  # invoke.yaml; None keeps the project's own
    env: dict[str, str] = field(default_factory=dict)
    argv: tuple[str, ...] = DRY
    code: int = 1
    unset: tuple[str, ...] = ()  # of the variables the harness sets


def settings(*lines: str) -> str:
    return SETTINGS + "".join(f"  {line}\n" for line in lines)


BAD: list[Case] = [
    # invoke.yaml that Invoke itself cannot read
    Case(
        "yaml syntax",
        ("invoke.yaml, line 6, column 1:", "expected ',' or ']'"),
        settings("wait_timeout: [1"),
    ),
    Case(
        "a tab",
        ("invoke.yaml, line 5, column 1:", "'\\t'"),
        SETTINGS + "\twait_timeout: 5\n",
    ),
    Case(
        "a list at the top", ("invoke.yaml: the top level is a list",), "- dockhand\n"
    ),
    Case(
        "yaml syntax under --list",
        ("invoke.yaml, line 6",),
        settings("x: [1"),
        argv=("--list",),
    ),
    # invoke.yaml with values of the wrong shape or range
    Case(
        "dockhand: 5",
        ("invoke.yaml: dockhand is 5, expected a mapping",),
        "dockhand: 5\n",
    ),
    Case(
        "services as a list",
        ("dockhand.services is", "expected a mapping"),
        settings("services: [backend, db]"),
    ),
    Case(
        "migrations as a mapping",
        ("dockhand.migrations is", "expected a list"),
        settings("migrations: {service: ok, run: 'true'}"),
    ),
    Case("database: 5", ("dockhand.database is 5",), settings("database: 5")),
    Case(
        "a port that is a word",
        ("dockhand.services.ok.port is 'http'", "a port number"),
        settings("services: {ok: {port: http}}"),
    ),
    Case(
        "a service name YAML reads as a number",
        ("dockhand.services.8080", 'quote it: "8080"'),
        settings("services: {8080: {shell: sh}}"),
    ),
    Case(
        "an unbalanced quote in a migration",
        ("dockhand.migrations[0].run", "no closing quotation"),
        settings("""migrations: [{service: ok, run: "sh -c 'echo"}]"""),
    ),
    Case(
        "env_file as a list",
        ("dockhand.env_file is", "a file name (one string)"),
        settings("env_file: [a, b]"),
        unset=("INVOKE_DOCKHAND_ENV_FILE",),
    ),
    Case(
        "prod: maybe",
        ("dockhand.prod is 'maybe'", "true or false"),
        settings("prod: maybe"),
    ),
    Case(
        "a negative wait_timeout",
        ("dockhand.wait_timeout is -5", "greater than 0"),
        settings("wait_timeout: -5"),
    ),
    Case(
        "a misspelt key",
        ("dockhand.wait_timout is not a setting", "did you mean wait_timeout?"),
        settings("wait_timout: 5"),
    ),
    Case(
        "a misspelt service key",
        ("dockhand.services.ok.shel is not a setting", "did you mean shell?"),
        settings("services: {ok: {shel: bash}}"),
    ),
    Case(
        "an unquoted version YAML reads as 5.1",
        (
            "dockhand.compose_version is 5.1",
            "a quoted version",
            "YAML reads 5.10 as 5.1",
        ),
        settings("compose_version: 5.10"),
    ),
    # INVOKE_DOCKHAND_* variables
    Case(
        "a word for a number",
        ("INVOKE_DOCKHAND_WAIT_TIMEOUT=abc is not valid", "seconds greater than 0"),
        env={"INVOKE_DOCKHAND_WAIT_TIMEOUT": "abc"},
    ),
    Case(
        "a word for a flag",
        ("INVOKE_DOCKHAND_PROD=maybe is not valid", "true or false"),
        env={"INVOKE_DOCKHAND_PROD": "maybe"},
    ),
    Case(
        "a misspelt variable",
        (
            "INVOKE_DOCKHAND_WAIT_TIMOUT is not a setting",
            "INVOKE_DOCKHAND_WAIT_TIMEOUT?",
        ),
        env={"INVOKE_DOCKHAND_WAIT_TIMOUT": "5"},
    ),
    Case(
        "a nested setting from a variable",
        ("INVOKE_DOCKHAND_SERVICES_OK_PORT", "cannot be set by a variable"),
        env={"INVOKE_DOCKHAND_SERVICES_OK_PORT": "80"},
    ),
    # options
    Case(
        "up --timeout abc",
        ("--timeout takes a number of seconds greater than 0, not 'abc'",),
        argv=("--dry", "up", "--timeout", "abc"),
    ),
    Case(
        "up --timeout 0",
        ("--timeout", "not '0'"),
        argv=("--dry", "up", "--timeout", "0"),
    ),
    Case(
        "up --timeout -5",
        ("--timeout", "not '-5'"),
        argv=("--dry", "up", "--timeout", "-5"),
    ),
    Case(
        "restart --timeout abc",
        ("--timeout", "not 'abc'"),
        argv=("--dry", "restart", "--timeout", "abc"),
    ),
    Case(
        "setup --timeout abc",
        ("--timeout", "not 'abc'"),
        argv=("--dry", "setup", "--timeout", "abc"),
    ),
    Case(
        "logs --tail ten",
        ("--tail takes a number of lines, not 'ten'",),
        argv=("--dry", "logs", "--tail", "ten"),
    ),
    Case(
        "logs --tail -5", ("--tail", "not '-5'"), argv=("--dry", "logs", "--tail", "-5")
    ),
    Case(
        "a routing no cluster has",
        ("INVOKE_DOCKHAND_DEPLOY_ROUTING=ipvs is not valid", "auto, mesh or host"),
        env={"INVOKE_DOCKHAND_DEPLOY_ROUTING": "ipvs"},
    ),
    Case(
        "deploy --timeout abc",
        ("--timeout", "not 'abc'"),
        argv=("--dry", "deploy", "--timeout", "abc"),
    ),
    Case(
        "rollback without cluster",
        ("inv rollback works on the cluster's stack",),
        argv=("--dry", "rollback"),
    ),
    Case(
        "logs --since yesterday",
        ("--since takes a duration, a date or a time, not 'yesterday'",),
        argv=("--dry", "logs", "--since", "yesterday"),
    ),
]


@dataclass
class Copy(Stack):
    """A Stack whose variables can be set over, or taken from, the harness's."""

    unset: tuple[str, ...] = ()

    def env(self) -> dict[str, str]:
        env = super().env()
        for name in self.unset:
            env.pop(name, None)
        return env


@pytest.fixture
def project(tmp_path: Path) -> Copy:
    """A copy of `faulty`, never started: each case may rewrite its invoke.yaml."""
    root = tmp_path / "faulty"
    shutil.copytree(FAULTY, root)
    env_file = tmp_path / "faulty.env"
    write_env(env_file, {"BASE_IMAGE": "debian:bookworm-slim"})
    return Copy(root=root, env_file=env_file, files=("compose.yaml",))


def prepare(project: Copy, yaml: str | None, env: dict[str, str]) -> None:
    if yaml is not None:
        (project.root / "invoke.yaml").write_text(yaml)
    env = dict(env)
    # the harness sets INVOKE_DOCKHAND_PROJECT from the Stack's own name
    project.project = env.pop("INVOKE_DOCKHAND_PROJECT", project.project)
    project.extra_env.update(env)


def run(project: Copy, case: Case) -> subprocess.CompletedProcess[str]:
    prepare(project, case.yaml, case.env)
    project.unset = case.unset
    return project.inv(*case.argv, timeout=120)


def error_lines(result: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("error:")]


@pytest.mark.parametrize("case", BAD, ids=[c.name for c in BAD])
def test_a_bad_input_is_one_line_naming_the_culprit(project: Copy, case: Case) -> None:
    result = run(project, case)
    assert result.returncode == case.code, output(result)
    assert "Traceback" not in result.stdout + result.stderr, output(result)
    errors = error_lines(result)
    assert len(errors) == 1, output(result)
    for fragment in case.says:
        assert fragment in errors[0], output(result)


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
    ),
]


@pytest.mark.parametrize("reading", READINGS, ids=[r.name for r in READINGS])
def test_an_input_is_read_as_meant(project: Copy, reading: Reading) -> None:
    prepare(project, reading.yaml, reading.env)
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
from dockhand.cli import command

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
