"""Compose's plugin started directly: where the docker CLI would look, only
under the docker CLI itself, only when it gives the same version; shown as
`docker compose` whatever starts."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from dockhand.docker import compose_cache, compose_plugin
from dockhand.docker.compose import ComposeCli
from dockhand.docker.process import Runner
from dockhand.session import detect_compose
from helpers import FakeRunner

V2 = ComposeCli(("docker", "compose"), (2, 40, 3))


def executable(path: Path, text: str = "\x7fELF") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(0o755)
    return path


def machine(tmp_path: Path, docker: str = "\x7fELF") -> dict[str, str]:
    """A PATH with a `docker` (a binary unless told) and an empty config."""
    executable(tmp_path / "bin" / "docker", docker)
    (tmp_path / "config").mkdir()
    return {"PATH": str(tmp_path / "bin"), "DOCKER_CONFIG": str(tmp_path / "config")}


def test_the_folders_are_searched_in_the_docker_clis_order(tmp_path: Path) -> None:
    environ = machine(tmp_path)
    (tmp_path / "config" / "config.json").write_text(
        json.dumps({"cliPluginsExtraDirs": ["/opt/extra"]})
    )
    assert compose_plugin.search_dirs(environ) == [
        Path("/opt/extra"),
        tmp_path / "config" / "cli-plugins",
        *map(Path, compose_plugin.SYSTEM_DIRS),
    ]


def test_the_first_executable_plugin_found_is_the_candidate(tmp_path: Path) -> None:
    environ = machine(tmp_path)
    extra = tmp_path / "extra"
    (tmp_path / "config" / "config.json").write_text(
        json.dumps({"cliPluginsExtraDirs": [str(extra)]})
    )
    own = executable(tmp_path / "config" / "cli-plugins" / "docker-compose")
    assert compose_plugin.candidate(environ) == str(own)
    (extra / "docker-compose").parent.mkdir()
    (extra / "docker-compose").write_text("not executable")
    assert compose_plugin.candidate(environ) == str(own)
    first = executable(extra / "docker-compose")
    assert compose_plugin.candidate(environ) == str(first)


def test_no_candidate_unless_docker_is_the_docker_cli(tmp_path: Path) -> None:
    plugin = "config/cli-plugins/docker-compose"
    script = machine(tmp_path / "a", docker='#!/bin/sh\nexec podman "$@"\n')
    executable(tmp_path / "a" / plugin)
    assert compose_plugin.candidate(script) is None
    podman = tmp_path / "b"
    executable(podman / "podman")
    (podman / "config").mkdir(parents=True)
    os.symlink(podman / "podman", podman / "docker")
    executable(podman / plugin)
    environ = {"PATH": str(podman), "DOCKER_CONFIG": str(podman / "config")}
    assert compose_plugin.candidate(environ) is None
    real = machine(tmp_path / "c")
    executable(tmp_path / "c" / plugin)
    assert compose_plugin.candidate(real) == str(tmp_path / "c" / plugin)
    under_cli = {**real, "DOCKER_CLI_PLUGIN_ORIGINAL_CLI_COMMAND": "/usr/bin/docker"}
    assert compose_plugin.candidate(under_cli) is None
    assert compose_plugin.candidate({**real, "PATH": str(tmp_path / "none")}) is None


def test_the_plugin_is_taken_only_when_it_gives_the_same_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    environ = machine(tmp_path)
    plugin = str(executable(tmp_path / "config" / "cli-plugins" / "docker-compose"))
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    for alone, expected in (("2.40.3\n", plugin), ("2.39.0\n", None), ("?", None)):
        runner = FakeRunner(
            reply=lambda argv, alone=alone: (
                0,
                alone if argv[0] == plugin else "2.40.3\n",
                "",
            )
        )
        assert detect_compose(runner) == ComposeCli(V2.argv, V2.version, expected)
    failing = FakeRunner(
        reply=lambda argv: (1, "", "") if argv[0] == plugin else (0, "2.40.3", "")
    )
    assert detect_compose(failing).plugin is None
    assert (
        detect_compose(
            FakeRunner(reply=lambda argv: (0, "2.40.3", "")), "/x/compose"
        ).plugin
        is None
    )


def test_a_shortcut_swaps_only_the_prefix_it_names() -> None:
    runner = Runner(shortcuts={("docker", "compose"): ("/p/docker-compose",)})
    assert runner.started(["docker", "compose", "-p", "x", "up"]) == [
        "/p/docker-compose",
        "-p",
        "x",
        "up",
    ]
    assert runner.started(["docker", "exec", "db"]) == ["docker", "exec", "db"]
    assert Runner().started(["docker", "compose", "up"]) == ["docker", "compose", "up"]


def test_a_shortcut_starts_its_target_and_is_shown_as_written(
    capsys: pytest.CaptureFixture[str],
) -> None:
    shown = ("docker", "compose")
    runner = Runner(echo=True, shortcuts={shown: (sys.executable, "-c")})
    said = runner.capture([*shown, "print('started')"])
    assert said.stdout == "started\n" and said.argv == (*shown, "print('started')")
    assert runner.run([*shown, "import sys; sys.exit(3)"]).code == 3
    shown_lines = "".join(capsys.readouterr())
    assert "$ docker compose 'import sys; sys.exit(3)'" in shown_lines, shown_lines


def test_a_remembered_plugin_that_was_replaced_is_asked_again(tmp_path: Path) -> None:
    plugin = executable(tmp_path / "docker-compose")
    cli = ComposeCli(V2.argv, V2.version, str(plugin))
    compose_cache.remember("key", cli, tmp_path)
    assert compose_cache.recall("key", tmp_path) == cli
    plugin.unlink()
    executable(plugin, "an upgrade, of another size")
    assert compose_cache.recall("key", tmp_path) is None
    compose_cache.remember("plain", V2, tmp_path)
    assert compose_cache.recall("plain", tmp_path) == V2
