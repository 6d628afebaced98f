"""TAB completion: which word fills which positional, the values offered
for each, the scripts printed, and `dockhand --complete` end to end on a
project folder. In a real bash: tests/integration/test_completion.py."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from invoke.collection import Collection
from invoke.parser import Parser, ParserContext

from dockhand import namespace
from dockhand.cli import completion, program
from dockhand.cli.task import BACKUP, SERVICE, SNAPSHOT
from dockhand.docker import service_names
from dockhand.docker.compose import Project
from dockhand.ui import console


@pytest.fixture(scope="module")
def ns() -> Iterator[Collection]:
    """dockhand's tasks; the help that parsing takes out of them (Invoke's
    Task.arg_opts pops it) is put back for the tests that read it."""
    found = namespace(Path(__file__).parent)
    tasks = [found[name] for name in found.task_names]
    helps = [dict(task.help) for task in tasks]
    yield found
    for task, help in zip(tasks, helps, strict=True):
        task.help.update(help)


def slot(ns: Collection, line: str) -> str | None:
    """`line`'s last word is the one being typed ("logs " types a new one)."""
    words = line.split(" ")

    def parser() -> Parser:
        return Parser(initial=ParserContext(), contexts=ns.to_contexts())

    return completion.slot(parser, ns, words)


@pytest.mark.parametrize(
    ("line", "kind"),
    [
        ("logs ", SERVICE),
        ("logs b", SERVICE),
        ("logs backend b", SERVICE),  # the trailing services take every word
        ("logs --tail 5 ", SERVICE),
        ("logs -f ", SERVICE),
        ("status ", SERVICE),  # an alias is its task
        ("up --no-wait ", SERVICE),
        ("build ", SERVICE),
        ("restart ", SERVICE),
        ("ps ", SERVICE),
        ("watch ", SERVICE),
        ("shell ", SERVICE),
        ("shell -u root ", SERVICE),
        ("test ", SERVICE),
        ("snapshot.restore ", SNAPSHOT),
        ("snapshot.rm --yes 2026", SNAPSHOT),
        ("db.restore ", BACKUP),
        ("db.restore --yes back", BACKUP),
        # Invoke's answer (task names, flags): not a marked positional
        ("", None),
        ("l", None),
        ("logs --", None),
        ("logs --tail ", None),  # the flag's value
        ("shell -c ", None),
        ("shell --command ", None),
        ("snapshot.restore before ", None),  # filled: a task name comes next
        ("snapshot.save ", None),  # a new name: nothing to offer
        ("down ", None),
        ("db.backup ", None),
    ],
)
def test_the_word_typed_fills(ns: Collection, line: str, kind: str | None) -> None:
    assert slot(ns, line) == kind


def test_values_come_from_what_was_remembered(tmp_path: Path) -> None:
    (tmp_path / "compose.yaml").write_text("services: {}\n")
    files = (tmp_path / "compose.yaml",)
    service_names.remember(tmp_path, Project("shop", files), ["web", "worker", "db"])
    asked: list[str] = []

    def ask() -> list[str]:
        asked.append("compose")
        return ["never"]

    found = completion.values(SERVICE, "w", tmp_path, tmp_path, ask)
    assert (found, asked) == (["web", "worker"], [])
    (tmp_path / "compose.yaml").write_text("services: {api: {}}\n")  # changed
    assert completion.values(SERVICE, "", tmp_path, tmp_path, ask) == ["never"]


def test_snapshots_are_the_projects_own(tmp_path: Path) -> None:
    for name in ("shop/before-upgrade", "shop/2026", "other/theirs"):
        (tmp_path / "snapshots" / name).mkdir(parents=True)
    (tmp_path / "snapshots" / "shop" / "a-file").write_text("")
    assert completion.snapshot_names(tmp_path, "shop") == ["2026", "before-upgrade"]
    assert completion.snapshot_names(tmp_path, None) == [
        "2026",
        "before-upgrade",
        "theirs",
    ]


def test_backups_are_paths_from_the_working_folder(tmp_path: Path) -> None:
    backups = tmp_path / "backups"
    backups.mkdir()
    for name in ("shop-20260101T000000Z.dump", "shop-20260102T000000Z.dump", "x.txt"):
        (backups / name).write_text("")
    newest, oldest = "shop-20260102T000000Z.dump", "shop-20260101T000000Z.dump"
    assert completion.backup_files(tmp_path, tmp_path) == [
        f"backups/{newest}",
        f"backups/{oldest}",
    ]
    (tmp_path / "src").mkdir()
    assert completion.backup_files(tmp_path, tmp_path / "src")[0] == (
        f"../backups/{newest}"
    )
    found = completion.values(BACKUP, "backups/shop-2026010", tmp_path, tmp_path, list)
    assert found == [f"backups/{newest}", f"backups/{oldest}"]


def test_services_in_reads_the_names_alone(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(
        "services:\n  web:\n    image: ${NOT_SET:?}\n  db: {}\n"
    )
    (tmp_path / "b.yaml").write_text("services:\n  db: {}\n  cache: {}\n")
    (tmp_path / "c.yaml").write_text(": not yaml [")
    files = [tmp_path / n for n in ("a.yaml", "b.yaml", "c.yaml", "gone.yaml")]
    assert completion.services_in(files) == ["web", "db", "cache"]


def test_the_words_are_those_after_the_dashes() -> None:
    argv = ["dockhand", "--complete", "--", "inv", "logs", ""]
    assert completion.words_after_dashes(argv) == ["inv", "logs", ""]
    assert completion.completing_for_invoke(argv)
    assert completion.completing_for_invoke([*argv[:3], "/venv/bin/invoke", ""])
    assert not completion.completing_for_invoke([*argv[:3], "dockhand", ""])
    assert not completion.completing_for_invoke(["dockhand", "logs", "--", "inv"])


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_each_script_asks_dockhand_for_all_three_names(shell: str) -> None:
    text = completion.script(shell)
    for name in completion.NAMES:
        assert name in text
    assert "--complete --" in text
    # the dockhand beside the inv being completed, else that inv itself
    assert "/dockhand" in text


def test_the_bash_script_passes_the_word_being_typed() -> None:
    text = completion.script("bash")
    assert '"${COMP_WORDS[@]:0:COMP_CWORD}"' in text
    assert '"${COMP_WORDS[COMP_CWORD]}"' in text
    assert "complete -F _dockhand_complete -o default dockhand inv invoke" in text


def run_dockhand(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    code = "from dockhand.cli.program import main; main()"
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_an_unknown_shell_is_one_line(tmp_path: Path) -> None:
    printed = run_dockhand(tmp_path, "--print-completion-script", "nosuchshell")
    assert printed.returncode != 0
    assert printed.stdout == ""
    assert printed.stderr.strip().splitlines() == [
        "error: no completion script for shell 'nosuchshell' (there is one for "
        "bash, zsh, fish)"
    ]


def test_the_printed_script_is_dockhands(tmp_path: Path) -> None:
    printed = run_dockhand(tmp_path, "--print-completion-script", "bash")
    assert (printed.returncode, printed.stdout) == (0, completion.script("bash"))


def test_complete_offers_remembered_services_and_keeps_invokes_answer(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    ns: Collection,
) -> None:
    """In-process, as the console script runs: a project of one compose file,
    its services remembered; task names and flags are Invoke's."""
    (tmp_path / "compose.yaml").write_text("services:\n  web: {image: x}\n")
    project = Project("p", (tmp_path / "compose.yaml",))
    service_names.remember(tmp_path.resolve(), project, ["web", "worker", "db"])
    monkeypatch.chdir(tmp_path)

    def complete(*words: str) -> list[str]:
        argv = ["dockhand", "--complete", "--", "dockhand", *words]
        monkeypatch.setattr(sys, "argv", argv)
        try:
            with pytest.raises(SystemExit) as ended:
                program.main()
        finally:
            console.program = "inv"
        assert ended.value.code == 0
        return capsys.readouterr().out.split()

    assert complete("logs", "w") == ["web", "worker"]
    assert complete("logs", "web", "") == ["web", "worker", "db"]
    assert complete("shell", "-c", "") == []  # -c's value: the shell's files
    assert "logs" in complete("lo")  # Invoke's: every task, the shell filters
    assert {"--follow", "--tail"} <= set(complete("logs", "--f"))
