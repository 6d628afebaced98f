"""TAB completion for bash, zsh and fish, of `dockhand` and of `inv`/`invoke`.

`dockhand --print-completion-script SHELL` prints one script that registers
all three names. On TAB it runs `dockhand --complete -- WORDS... CURRENT`:
the words before the cursor and the word being typed (empty for a new
word), so a value is told from a new word. For `inv` it runs the `dockhand`
installed beside that `inv` (the same Python: the project's tasks.py
imports as `inv` imports it), which loads tasks.py as `inv` does; where
none is (a project that does not use dockhand), that `inv`'s own
`--complete`: Invoke's answer, unchanged.

Invoke's own `--complete` answers task names and flags only (invoke#1036).
Here it still answers those (it is called as it is), and only where the word
being typed fills a positional argument that a task marks in `values`
(dockhand.cli.task: SERVICE, SNAPSHOT, BACKUP) is the answer dockhand's:

- services: what the last command that asked Compose remembered
  (dockhand.docker.service_names), while the compose files, the env files
  and invoke.yaml are unchanged. Cold (nothing remembered, or a file
  changed), Compose is asked once (`config --services`, as `inv logs` asks
  it), and the answer is remembered for the next TAB; when Compose refuses
  the project (a variable not set yet), the names under `services:` in its
  files are offered (and remembered) instead.
- snapshots: the folders under snapshots/<project>/ (every project's when
  the project's name is not remembered);
- backups: the dumps in backups/, as a path from the working folder.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from invoke.collection import Collection
from invoke.exceptions import ParseError
from invoke.parser import Parser

from dockhand.cli.positional import ServicesArgument
from dockhand.cli.task import BACKUP, SERVICE, SNAPSHOT
from dockhand.errors import DockhandError

if TYPE_CHECKING:
    from invoke.program import Program

# The names the printed script completes: inv and invoke run the dockhand
# beside them, the others themselves.
NAMES = ("dockhand", "inv", "invoke")
INVOKE_NAMES = ("inv", "invoke")

BASH = r"""# dockhand's TAB completion for bash: dockhand, and inv/invoke (task
# names, flags, services, snapshots, backups).
_dockhand_complete() {
    local program=${COMP_WORDS[0]/#\~/$HOME} helper found answer
    helper=$program
    case ${program##*/} in
    inv | invoke)
        # the dockhand beside this inv: the same Python imports tasks.py
        found=$(type -P -- "$program") && helper=${found%/*}/dockhand
        [ -x "$helper" ] || helper=$program
        ;;
    esac
    answer=$("$helper" --complete -- "${COMP_WORDS[@]:0:COMP_CWORD}" \
        "${COMP_WORDS[COMP_CWORD]}" 2>/dev/null)
    local IFS=$'\n'
    COMPREPLY=($(compgen -W "$answer" -- "${COMP_WORDS[COMP_CWORD]}"))
}
complete -F _dockhand_complete -o default dockhand inv invoke
"""

ZSH = r"""# dockhand's TAB completion for zsh (after compinit): dockhand, and
# inv/invoke (task names, flags, services, snapshots, backups).
_dockhand_complete() {
    local program=${words[1]/#\~/$HOME} helper found
    local -a answer
    helper=$program
    case ${program:t} in
    inv|invoke)
        # the dockhand beside this inv: the same Python imports tasks.py
        found=${commands[$program]:-$program}
        helper=${found:h}/dockhand
        [[ -x $helper ]] || helper=$program
        ;;
    esac
    answer=(${(f)"$("$helper" --complete -- "${(@)words[1,CURRENT-1]}" \
        "${words[CURRENT]}" 2>/dev/null)"})
    if (( ${#answer} )); then
        compadd -a answer
    else
        _files
    fi
}
compdef _dockhand_complete dockhand inv invoke
"""

FISH = r"""# dockhand's TAB completion for fish: dockhand, and inv/invoke (task
# names, flags, services, snapshots, backups).
function __dockhand_complete
    set -l words (commandline -opc)
    set -l current (commandline -ct)
    set -l helper $words[1]
    switch (basename -- $words[1])
        case inv invoke
            # the dockhand beside this inv: the same Python imports tasks.py
            set -l found (command -s -- $words[1]); or set found $words[1]
            set -l beside (dirname -- $found[1])/dockhand
            test -x $beside; and set helper $beside
    end
    $helper --complete -- $words "$current" 2>/dev/null
end
complete --command dockhand --no-files --arguments '(__dockhand_complete)'
complete --command inv --no-files --arguments '(__dockhand_complete)'
complete --command invoke --no-files --arguments '(__dockhand_complete)'
"""

SCRIPTS = {"bash": BASH, "zsh": ZSH, "fish": FISH}


def script(shell: str) -> str:
    """The completion script for `shell`, or one clear error."""
    try:
        return SCRIPTS[shell]
    except KeyError:
        raise DockhandError(
            f"no completion script for shell {shell!r} (there is one for "
            f"{', '.join(SCRIPTS)})"
        ) from None


def words_after_dashes(argv: Sequence[str]) -> list[str]:
    """What the script passed after `--`: the program, the words before the
    cursor, the word being typed (the last, "" for a new word)."""
    return list(argv[list(argv).index("--") + 1 :]) if "--" in argv else []


def completing_for_invoke(argv: Sequence[str]) -> bool:
    """Whether this is a TAB on an `inv`/`invoke` line (then tasks.py is
    loaded as `inv` loads it, from the working folder up)."""
    if "--complete" not in argv:
        return False
    words = words_after_dashes(argv)
    return bool(words) and os.path.basename(words[0]) in INVOKE_NAMES


def slot(
    parser: Callable[[], Parser], collection: Collection, words: Sequence[str]
) -> str | None:
    """What the last word fills (SERVICE, SNAPSHOT, BACKUP), when it fills a
    positional argument its task marks; None for anything else (a flag, a
    flag's value, a task name): Invoke's answer then. `words` leaves out the
    program's name; `parser` makes a new parser (a parse changes its
    arguments)."""
    if not words or words[-1].startswith("-"):
        return None
    try:
        context = parser().parse_argv(list(words[:-1]))[-1]
    except ParseError as exc:  # a positional still missing, or worse
        if exc.context is None:
            return None
        context = exc.context
    if not context.name:  # the core context: a task name is typed
        return None
    before = words[-2] if len(words) > 1 else ""
    if before in context.flags and context.flags[before].takes_value:
        return None  # the word is that flag's value
    try:
        values = getattr(collection[context.name], "values", {})
    except KeyError:
        return None
    for argument in context.positional_args:
        if isinstance(argument, ServicesArgument) or argument.value is None:
            # the trailing services take every word; another one word
            return values.get(argument.attr_name or argument.name)
    return None


def project_root(collection: Collection, fallback: Path) -> Path:
    """The folder dockhand's tasks run in: the one namespace() was given."""
    from dockhand.config.defaults import OWN

    own = collection.configuration().get(OWN) or {}
    return Path(own.get("root") or fallback).resolve()


def snapshot_names(root: Path, project: str | None) -> list[str]:
    base = root / "snapshots"
    found = base.glob(f"{project}/*") if project else base.glob("*/*")
    return sorted({p.name for p in found if p.is_dir()})


def backup_files(root: Path, cwd: Path) -> list[str]:
    """The dumps in backups/, newest first, as paths from `cwd`."""
    dumps = sorted((root / "backups").glob("*.dump"), reverse=True)
    try:
        return [os.path.relpath(p, cwd) for p in dumps]
    except ValueError:
        return [str(p) for p in dumps]


def values(
    kind: str,
    prefix: str,
    root: Path,
    cwd: Path,
    ask_services: Callable[[], Sequence[str]],
) -> list[str]:
    """The values of `kind` that start with `prefix`. `ask_services`: the
    cold path, Compose asked (and remembered) when nothing is remembered."""
    from dockhand.docker import service_names

    remembered = service_names.recall(root)
    if kind == SERVICE:
        found: Sequence[str] = remembered.services if remembered else ask_services()
    elif kind == SNAPSHOT:
        found = snapshot_names(root, remembered.project if remembered else None)
    elif kind == BACKUP:
        found = backup_files(root, cwd)
    else:
        found = []
    return [value for value in found if value.startswith(prefix)]


def cold_services(program: Program) -> Sequence[str]:
    """The services as a command would ask for them (Compose's `config
    --services`, remembered by the Session); when Compose refuses the
    project (a variable not set), the names under `services:` in its files,
    remembered as well; none when even the settings cannot be read."""
    from invoke.context import Context

    from dockhand.cli.invoke_config import session

    config = program.config.clone()
    config.load_collection(program.collection.configuration())
    try:
        s = session(Context(config))
    except DockhandError:
        return []
    try:
        return s.ask_services()
    except DockhandError:
        found = services_in(s.project.files)
        s.remember_services(found)  # until a file changes: not asked at every TAB
        return found


def services_in(files: Sequence[Path]) -> list[str]:
    """The names under `services:` in these compose files, in their order,
    read as YAML (nothing interpolated, nothing merged but the names)."""
    from invoke.util import yaml  # type: ignore[attr-defined]  # Invoke's YAML

    found: dict[str, None] = {}
    for path in files:
        try:
            data = yaml.safe_load(path.read_text())  # type: ignore[no-untyped-call]
        except (OSError, yaml.YAMLError):
            continue
        services = data.get("services") if isinstance(data, dict) else None
        if isinstance(services, dict):
            found.update(dict.fromkeys(map(str, services)))
    return list(found)


def answer(program: Program) -> None:
    """Print what completes the word being typed, one a line: the values
    of a marked positional, else Invoke's own answer (task names, flags).
    Ends in Invoke's Exit, as Invoke's own completion does."""
    from invoke.completion.complete import complete
    from invoke.exceptions import Exit

    words = words_after_dashes(program.argv)

    def parser() -> Parser:
        return Parser(
            initial=program.initial_context,
            contexts=program.collection.to_contexts(
                ignore_unknown_help=program.config.tasks.ignore_unknown_help
            ),
        )

    kind = slot(parser, program.collection, words[1:])
    if kind is not None:
        cwd = Path.cwd()
        root = project_root(program.collection, cwd)
        for value in values(kind, words[-1], root, cwd, lambda: cold_services(program)):
            print(value)
        raise Exit
    complete(
        names=[re.escape(words[0])] if words else list(NAMES),
        core=program.core,
        initial_context=program.initial_context,
        collection=program.collection,
        parser=parser(),
    )
