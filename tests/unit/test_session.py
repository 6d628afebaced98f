"""The Compose model a session asks for once, and the scope of a wait built
from it, with a runner that answers instead of running Compose."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dockhand.config import settings
from dockhand.docker.compose import ComposeCli
from dockhand.errors import DockhandError
from dockhand.session import Session
from dockhand.steps import wait
from helpers import FakeRunner

MODEL = {
    "services": {
        "db": {},
        "job": {"restart": "no"},
        "web": {
            "depends_on": {
                "db": {"condition": "service_healthy"},
                "job": {"condition": "service_completed_successfully"},
            }
        },
        "docs": {},
    }
}


def answers(code: int = 0, output: str = json.dumps(MODEL)) -> FakeRunner:
    """Answers `config --format json` with MODEL; records every command."""
    return FakeRunner(reply=lambda argv: (code, output, "bad: line 3"))


def session(tmp_path: Path, runner: FakeRunner, version: tuple[int, ...]) -> Session:
    return Session(
        settings.load({"root": str(tmp_path), "project": "proj"}),
        runner,
        compose_cli=ComposeCli(("docker", "compose"), version),
    )


def test_the_model_is_asked_once_and_gives_the_service_names(tmp_path: Path) -> None:
    runner = answers()
    s = session(tmp_path, runner, (5, 6, 1))
    found = s.ask_model()
    assert found is not None and found.raw == MODEL
    assert s.check_services(["web"]) == ["web"]
    assert s.ask_services() == ["db", "job", "web", "docs"]
    assert len(runner.calls) == 1 and runner.calls[0][-3:] == [
        "config",
        "--format",
        "json",
    ]


def test_the_scope_of_a_wait_comes_from_the_model(tmp_path: Path) -> None:
    s = session(tmp_path, answers(), (5, 6, 1))
    scope = wait.wait_scope(s, ["web"])
    assert scope.services == {"web", "db", "job"}
    assert scope.awaited == {"job"}
    assert wait.wait_scope(s, []).services == {"db", "job", "web", "docs"}


def test_compose_v1_has_no_model_and_waits_for_the_names(tmp_path: Path) -> None:
    runner = answers()
    s = session(tmp_path, runner, (1, 29, 2))
    assert s.ask_model() is None and runner.calls == []
    scope = wait.wait_scope(s, ["web"])
    assert (scope.services, scope.awaited) == ({"web"}, None)


def test_a_model_compose_cannot_load_is_one_clear_error(tmp_path: Path) -> None:
    s = session(tmp_path, answers(code=1, output=""), (5, 6, 1))
    with pytest.raises(DockhandError, match="Compose could not load the project: bad"):
        s.ask_model()


def test_is_running_asks_once_and_checks_the_name_only_without_one(
    tmp_path: Path,
) -> None:
    def reply(argv: list[str]) -> tuple[int, str, str]:
        if "status=running" in argv:
            return (
                0,
                "abc\n" if "label=com.docker.compose.service=web" in argv else "",
                "",
            )
        if argv[1] == "ps":  # no container at all
            return (0, "", "")
        if "--services" in argv:
            return (0, "\n".join(MODEL["services"]), "")
        return (0, json.dumps(MODEL), "")  # the model, for the services

    runner = FakeRunner(reply=reply)
    s = session(tmp_path, runner, (2, 24))
    assert s.is_running("web") and len(runner.calls) == 1
    assert not s.is_running("docs")
    with pytest.raises(DockhandError, match="unknown service 'wbe'"):
        s.is_running("wbe")


def test_env_files_are_given_to_compose_only_when_they_exist(tmp_path: Path) -> None:
    runner = answers()
    assert session(tmp_path, runner, (5, 6, 1)).project.env_files == ()
    (tmp_path / ".env").write_text("A=1\n")
    assert session(tmp_path, runner, (5, 6, 1)).project.env_files == (
        tmp_path / ".env",
    )


def test_a_configured_env_file_replaces_composes_own(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("A=1\n")
    (tmp_path / "dev.env").write_text("A=2\n")
    configured = settings.load(
        {"root": str(tmp_path), "project": "proj", "env_file": "dev.env"}
    )
    s = Session(configured, answers(), compose_cli=ComposeCli(("docker",), (5,)))
    assert s.project.env_files == (tmp_path / "dev.env",)


def test_files_compose_refuses_stop_a_command_with_its_reason(tmp_path: Path) -> None:
    (tmp_path / "docker-compose.yml").write_text("services: {web: {imagee: x}}\n")
    said = "validating docker-compose.yml: services.web.imagee false schema"
    runner = FakeRunner(reply=lambda argv: (1, "", said), dry=True)
    with pytest.raises(DockhandError, match="imagee false schema"):
        session(tmp_path, runner, (5, 6, 1)).require_valid()
    assert runner.calls[-1][-2:] == ["config", "--quiet"]


def test_a_valid_project_is_asked_once_while_its_files_stay_the_same(
    tmp_path: Path,
) -> None:
    compose_file = tmp_path / "docker-compose.yml"
    compose_file.write_text("services: {web: {image: x}}\n")
    runner = answers()
    session(tmp_path, runner, (5, 6, 1)).require_valid()
    session(tmp_path, runner, (5, 6, 1)).require_valid()
    assert len(runner.calls) == 1
    compose_file.write_text("services: {web: {image: y}}\n")  # asked again
    session(tmp_path, runner, (5, 6, 1)).require_valid()
    assert len(runner.calls) == 2


def test_no_compose_file_found_is_said_before_compose_is_asked(tmp_path: Path) -> None:
    from dataclasses import replace

    from dockhand.config.defaults import NO_COMPOSE_FILE

    runner = answers()
    s = session(tmp_path, runner, (5, 6, 1))
    s.settings = replace(s.settings, files_source=NO_COMPOSE_FILE)
    with pytest.raises(DockhandError, match="no compose file in"):
        s.require_valid()
    assert runner.calls == []


def test_files_compose_accepts_but_cannot_print_as_json_are_said_so(
    tmp_path: Path,
) -> None:
    def reply(argv: list[str]) -> tuple[int, str, str]:
        if "--quiet" in argv:
            return 0, "", ""
        return 1, "", "json: unsupported value: +Inf"

    with pytest.raises(DockhandError) as refused:
        session(tmp_path, FakeRunner(reply=reply), (5, 6, 1)).ask_model()
    assert refused.value.message == (
        "Compose accepts the files but prints no JSON of them: "
        "json: unsupported value: +Inf"
    )
