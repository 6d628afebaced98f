"""inv clean: the Compose command it runs, and above all
when it deletes the data volumes (only when asked and confirmed), with a
runner that records instead of running and an engine that lists volumes."""

from __future__ import annotations

from pathlib import Path

import pytest
from stack_project import MODEL, V1, downs, engine_runner, session, tail

from dockhand.commands import clean
from dockhand.errors import DockhandError
from helpers import FakeRunner


def test_clean_keeps_the_volumes_and_removes_only_the_images_it_built(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    runner = engine_runner()
    clean.clean(session(tmp_path, runner), volumes=False, yes=False)
    [down] = downs(runner)
    assert tail(down) == ["down", "--remove-orphans"]
    assert down[:4] == ["docker", "compose", "-p", "proj"]
    assert ["docker", "image", "rm", "proj-backend", "proj/worker:dev"] in runner.calls
    assert not any("postgres:16" in call for call in runner.calls)
    out = capsys.readouterr().err
    assert "removed containers and networks, and 2 images built by proj (3.1 MB)" in out
    assert "; data volumes kept" in out


def test_clean_deletes_the_volumes_only_when_asked_and_confirmed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    runner = engine_runner()
    clean.clean(session(tmp_path, runner), volumes=True, yes=True)
    [down] = downs(runner)
    assert tail(down) == ["down", "--remove-orphans", "--volumes"]
    out = capsys.readouterr().err
    assert "inv clean --volumes deletes these volumes" in out
    assert "proj_pgdata  (2.0 kB)" in out
    assert out.endswith(
        "ok removed containers, volumes and networks, and 2 images built by proj"
        " (3.1 MB)\n"
    )
    assert "data volumes kept" not in out


def test_clean_volumes_without_a_terminal_or_yes_deletes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    runner = engine_runner()
    with pytest.raises(DockhandError) as refused:
        clean.clean(session(tmp_path, runner), volumes=True, yes=False)
    assert "refusing to delete volumes without a terminal" in refused.value.message
    assert "inv clean --volumes --yes" in refused.value.hint
    assert downs(runner) == [] and not any("rm" in c for c in runner.calls)


def test_clean_declined_at_the_prompt_deletes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("builtins.input", lambda *prompt: "no")
    runner = engine_runner()
    clean.clean(session(tmp_path, runner), volumes=True, yes=False)
    assert runner.calls == []


def test_clean_under_compose_v1_lets_compose_remove_its_images(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    runner = engine_runner()
    clean.clean(session(tmp_path, runner, cli=V1), volumes=False, yes=False)
    [down] = runner.calls  # no model to ask (v1 has no JSON), no image inspect
    assert down[0] == "docker-compose"
    assert tail(down) == ["down", "--remove-orphans", "--rmi", "local"]
    assert (
        "removed containers and networks; data volumes kept" in capsys.readouterr().err
    )


def test_clean_says_when_no_image_it_built_is_left(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    runner = engine_runner(sizes={})
    clean.clean(session(tmp_path, runner), volumes=False, yes=False)
    assert not any(call[:3] == ["docker", "image", "rm"] for call in runner.calls)
    assert "; no image built by proj was left to remove" in capsys.readouterr().err


def test_clean_counts_one_image_in_the_singular(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    runner = engine_runner(sizes={"proj-backend": "1024", "proj/worker:dev": "x"})
    clean.clean(session(tmp_path, runner), volumes=False, yes=False)
    assert ["docker", "image", "rm", "proj-backend"] in runner.calls
    assert ", and 1 image built by proj (1.0 kB)" in capsys.readouterr().err


def test_clean_fails_with_composes_cause_and_removes_no_image(tmp_path: Path) -> None:
    runner = engine_runner(down=1, stderr="Cannot connect to the Docker daemon")
    with pytest.raises(DockhandError) as failed:
        clean.clean(session(tmp_path, runner), volumes=False, yes=False)
    assert failed.value.message.startswith("Compose could not remove the project")
    assert not any(call[:2] == ["docker", "image"] for call in runner.calls)


def test_clean_image_removal_failing_names_the_project(tmp_path: Path) -> None:
    runner = engine_runner()
    failing = FakeRunner(
        reply=runner.reply, answer=lambda argv, out: 1 if "rm" in argv else 0
    )
    with pytest.raises(DockhandError) as failed:
        clean.clean(session(tmp_path, failing), volumes=False, yes=False)
    assert failed.value.message == "the images built by proj could not all be removed"
    assert failed.value.hint == (
        "see docker's output above; a container of another project may use one"
    )


def test_clean_without_a_name_in_the_model_removes_the_project_named_images(
    tmp_path: Path,
) -> None:
    """Compose names a built image PROJECT-SERVICE after the project dockhand
    passes (-p) when the files name none."""
    unnamed = {k: v for k, v in MODEL.items() if k != "name"}
    runner = engine_runner(model=unnamed)
    clean.clean(session(tmp_path, runner), volumes=False, yes=False)
    assert ["docker", "image", "rm", "proj-backend", "proj/worker:dev"] in runner.calls
