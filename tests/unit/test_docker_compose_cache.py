"""Which Compose runs, remembered: a changed file or PATH asks again."""

from __future__ import annotations

import os
from pathlib import Path

from dockhand.docker import compose_cache
from dockhand.docker.compose import ComposeCli

CLI = ComposeCli(("docker", "compose"), (5, 6, 1))


def test_remembered_until_the_fingerprint_changes(tmp_path: Path) -> None:
    compose_cache.remember("key-1", CLI, tmp_path)
    assert compose_cache.recall("key-1", tmp_path) == CLI
    assert compose_cache.recall("key-2", tmp_path) is None
    assert compose_cache.recall("key-1", tmp_path / "nowhere") is None


def test_a_damaged_cache_is_asked_again(tmp_path: Path) -> None:
    (tmp_path / compose_cache.answer_file("key-1")).write_text("{not json")
    assert compose_cache.recall("key-1", tmp_path) is None


def test_each_fingerprint_keeps_its_own_answer(tmp_path: Path) -> None:
    v1 = ComposeCli(("docker-compose",), (1, 29, 2))
    compose_cache.remember("terminal", CLI, tmp_path)
    compose_cache.remember("ide", v1, tmp_path)
    assert compose_cache.recall("terminal", tmp_path) == CLI
    assert compose_cache.recall("ide", tmp_path) == v1


def test_replacing_the_plugin_changes_the_fingerprint(tmp_path: Path) -> None:
    config = tmp_path / "docker"
    (config / "cli-plugins").mkdir(parents=True)
    plugin = config / "cli-plugins" / "docker-compose"
    plugin.write_text("v1")
    environ = {"DOCKER_CONFIG": str(config), "PATH": os.environ["PATH"]}
    before = compose_cache.fingerprint("", environ)
    assert compose_cache.fingerprint("", environ) == before
    plugin.unlink()
    plugin.write_text("v2 of another size")  # an upgrade: a new file
    assert compose_cache.fingerprint("", environ) != before
    assert compose_cache.fingerprint("/usr/bin/docker-compose", environ) != before
    assert compose_cache.fingerprint("", {**environ, "PATH": "/x"}) != before


def test_the_cache_folder_follows_the_environment(tmp_path: Path) -> None:
    assert compose_cache.location({"DOCKHAND_CACHE_DIR": str(tmp_path)}) == tmp_path
    assert compose_cache.location({"XDG_CACHE_HOME": "/c"}) == Path("/c/dockhand")


def test_a_cd_or_another_way_of_starting_inv_keeps_the_model(tmp_path: Path) -> None:
    # The shell's own bookkeeping (`_`, the last command; OLDPWD after a cd;
    # SHLVL in a sub-shell) changes nothing Compose reads, unless a file
    # names it: the model stays remembered.
    compose = tmp_path / "docker-compose.yml"
    compose.write_text("services:\n  web:\n    image: ${IMAGE:-nginx}\n")
    argv = ["docker", "compose", "-f", str(compose)]
    environ = {"PATH": "/bin", "IMAGE": "a", "_": "/usr/bin/inv", "OLDPWD": "/a"}
    before = compose_cache.model_fingerprint(argv, [compose], environ)
    for shell in ({"_": "/usr/bin/strace"}, {"OLDPWD": "/b"}, {"SHLVL": "2"}):
        assert (
            compose_cache.model_fingerprint(argv, [compose], environ | shell) == before
        )
    # A variable the file reads, or any other, still asks again.
    for changed in ({"IMAGE": "b"}, {"COMPOSE_PROFILES": "x"}, {"OTHER": "1"}):
        assert (
            compose_cache.model_fingerprint(argv, [compose], environ | changed)
            != before
        )
    # A file that reads one of the shell's own (${PWD} is common) keeps it.
    compose.write_text("services:\n  web:\n    volumes: [${PWD}:/app, $OLDPWD:/old]\n")
    named = compose_cache.model_fingerprint(argv, [compose], environ)
    for shell in ({"PWD": "/elsewhere"}, {"OLDPWD": "/b"}):
        assert (
            compose_cache.model_fingerprint(argv, [compose], environ | shell) != named
        )
