"""The env files: the example covers what Compose reads; the env file parses, is complete, private, without placeholders."""

from __future__ import annotations

from pathlib import Path

import pytest
from checked_project import by_name, facts_for, make_project, only_failure

from dockhand import envfile
from dockhand.checks.env import check_env_example, env_checks
from dockhand.checks.facts import Facts
from dockhand.checks.registry import SKIP
from dockhand.checks.result import Check
from dockhand.config.settings import load


def test_env_example(tmp_path: Path) -> None:
    make_project(tmp_path)
    failed = only_failure(
        facts_for(
            tmp_path, variables={"BASE_IMAGE", "APP_PORT", "SECRET_KEY", "DB_URL"}
        )
    )
    assert failed.name == "env example"
    assert (
        failed.detail
        == "used by the compose files but not in .env.example: DB_URL, SECRET_KEY"
    )
    (tmp_path / ".env.example").write_text("BASE_IMAGE=x\nAPP_PORT 80\n")
    failed = only_failure(facts_for(tmp_path))
    assert (failed.name, failed.fix) == (
        "env example",
        "fix that line (git diff shows it)",
    )
    assert "line 2" in failed.detail


def test_no_env_files_is_a_skip_and_an_env_file_without_example_a_warning(
    tmp_path: Path,
) -> None:
    # The project takes its variables from the shell: nothing to compare,
    # the same answer as doctor's.
    make_project(tmp_path)
    (tmp_path / ".env.example").unlink()
    result = by_name(facts_for(tmp_path))["env example"]
    assert result.status == SKIP and result.ok
    assert result.detail == (
        "neither .env nor .env.example exists (a project without env files); "
        "the compose files use APP_PORT, BASE_IMAGE"
    )
    (tmp_path / ".env").write_text("APP_PORT=80\n")
    result = by_name(facts_for(tmp_path))["env example"]
    assert result.status == "warn" and result.ok
    assert result.detail.startswith(".env.example does not exist")
    assert "dockhand.env_example" in result.fix


EXAMPLE = """\
BASE_IMAGE=debian:bookworm-slim
POSTGRES_USER=app
# @secret
POSTGRES_PASSWORD=change-me
BACKEND_PORT=8078
"""


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    example = tmp_path / ".env.example"
    example.write_text(EXAMPLE)
    env_path = tmp_path / ".env"
    envfile.ensure(env_path, example)
    return env_path, example


def named(checks: list[Check]) -> dict[str, Check]:
    return {c.name: c for c in checks}


def test_env_all_good(files: tuple[Path, Path]) -> None:
    checks = env_checks(*files)
    assert all(c.status == "ok" for c in checks), checks
    assert [c.name for c in checks] == [
        "env file",
        "env syntax",
        "env complete",
        "env secrets",
        "env permissions",
    ]


def test_env_missing(tmp_path: Path, files: tuple[Path, Path]) -> None:
    env_path, example = files
    env_path.unlink()
    (check,) = env_checks(env_path, example)
    assert not check.ok and "inv setup" in check.fix


def test_env_malformed_names_file_and_line(files: tuple[Path, Path]) -> None:
    env_path, example = files
    with env_path.open("a") as handle:
        handle.write("BROKEN: value\n")
    check = named(env_checks(env_path, example))["env syntax"]
    assert not check.ok
    assert f"{env_path}, line 6" in check.detail
    assert "BROKEN=value" in check.fix


def test_env_incomplete_and_unknown(files: tuple[Path, Path]) -> None:
    env_path, example = files
    text = env_path.read_text().replace("BACKEND_PORT=8078\n", "")
    env_path.write_text(text)
    check = named(env_checks(env_path, example))["env complete"]
    assert not check.ok and "BACKEND_PORT" in check.detail
    env_path.write_text(text + "BACKEND_PORT=1\nTYPO_PORT=2\n")
    check = named(env_checks(env_path, example))["env complete"]
    assert check.status == "warn" and "TYPO_PORT" in check.detail


def test_env_placeholder_secret(files: tuple[Path, Path]) -> None:
    env_path, example = files
    env_path.write_text(EXAMPLE)
    check = named(env_checks(env_path, example))["env secrets"]
    assert not check.ok and "POSTGRES_PASSWORD" in check.detail
    assert "delete those lines" in check.fix


def test_env_readable_by_others(files: tuple[Path, Path]) -> None:
    env_path, example = files
    env_path.chmod(0o644)
    check = named(env_checks(env_path, example))["env permissions"]
    assert not check.ok and "0644" in check.detail
    assert check.fix == f"chmod 600 {env_path}"


def test_env_difference_is_a_warning(files: tuple[Path, Path]) -> None:
    env_path, example = files
    with env_path.open("a") as handle:
        handle.write("GREETING=hello $USER\n")
    check = named(env_checks(env_path, example))["env syntax"]
    assert check.status == "warn" and "line 6" in check.detail


def test_env_without_an_example(tmp_path: Path) -> None:
    env_path, example = tmp_path / ".env", tmp_path / ".env.example"
    (check,) = env_checks(env_path, example)
    assert check.status == "skip"  # a project without env files
    settings = load({"root": str(tmp_path)})
    none = check_env_example(Facts(settings, variables={"PORT"}))
    assert none.status == "skip" and "a project without env files" in none.detail
    env_path.write_text("A=1\n")
    env_path.chmod(0o600)
    found = named(env_checks(env_path, example))
    assert "env example" not in found  # its own check, shared with inv check
    assert found["env complete"].status == "skip"
    assert all(c.ok for c in found.values())
    alone = check_env_example(Facts(settings, variables={"PORT"}))
    assert alone.status == "warn" and "the compose files use PORT" in alone.detail
