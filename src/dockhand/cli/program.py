"""`dockhand`, a command of its own: every task of `inv`, in any Compose
project, with no file added to it.

It is Invoke's own Program (what Fabric is built on), so options, help,
exit codes and error lines are `inv`'s. Where it runs:

- the project is the nearest folder, from the working folder up, holding a
  compose file under one of Compose's names, an invoke.yaml (yml, json) or a
  tasks.py (`project_root`);
- a tasks.py there is the project's own `inv` namespace (dockhand's tasks and
  its own): `dockhand` then loads it as `inv` does, so both run the same;
- otherwise dockhand's tasks for that folder, with the `dockhand:` section of
  its invoke.yaml: a Program given a namespace never reads project config
  (Invoke's program.py: `load_collection` is skipped), so it is loaded here.
"""

from __future__ import annotations

import sys
from pathlib import Path

from invoke.collection import Collection
from invoke.exceptions import Exit
from invoke.program import Program

from dockhand.cli import completion, pinned
from dockhand.config.defaults import COMPOSE_NAMES, INVOKE_FILES
from dockhand.errors import DockhandError
from dockhand.ui import console

NAME = "dockhand"
# What makes a folder a project's root, besides a compose file.
PROJECT_FILES = (*INVOKE_FILES, "tasks.py")


def project_root(start: Path) -> Path:
    """The nearest folder from `start` up that holds a compose file, an
    invoke config file or a tasks.py; `start` itself when none does (`ls`,
    `doctor` and `--version` need no project; the others say Compose's
    reason)."""
    for folder in (start, *start.parents):
        if any((folder / name).is_file() for name in (*COMPOSE_NAMES, *PROJECT_FILES)):
            return folder
    return start


class Dockhand(Program):
    """Invoke's Program for one project folder (see the module's docstring)."""

    def __init__(self, root: Path, namespace: Collection | None) -> None:
        from dockhand import __version__

        super().__init__(
            version=__version__, namespace=namespace, name=NAME, binary=NAME
        )
        self.root = root

    def parse_core_args(self) -> None:
        """`--print-completion-script SHELL`: dockhand's script (services,
        snapshots and backups too; `inv` and `invoke` as well), not Invoke's."""
        super().parse_core_args()
        shell = self.args["print-completion-script"].value
        if shell:
            try:
                print(completion.script(shell), end="")
            except DockhandError as exc:
                console.error(exc)
                raise Exit(code=exc.code) from None
            raise Exit

    def parse_cleanup(self) -> None:
        if self.args.complete.value:
            completion.answer(self)  # ends in Exit
        super().parse_cleanup()

    def parse_collection(self) -> None:
        super().parse_collection()
        if self.namespace is not None:  # Invoke loaded no project config
            self.config.set_project_location(str(self.root))
            self.config.load_project()


def program(start: Path) -> Dockhand:
    """The `dockhand` Program for the project at or above `start`."""
    root = project_root(start)
    pinned.warn_once(root)  # before --version, which loads no tasks.py
    if (root / "tasks.py").is_file():
        return Dockhand(root, None)  # Invoke's loader finds it, as for `inv`
    from dockhand import namespace

    return Dockhand(root, namespace(root))


def main() -> None:
    """The `dockhand` console script; on TAB in an `inv` line, Invoke's
    program as `inv` runs it (tasks.py found from the working folder up)."""
    console.program = NAME  # hints say `dockhand up`, not `inv up`
    if completion.completing_for_invoke(sys.argv):
        Dockhand(Path.cwd(), None).run()
        return
    program(Path.cwd()).run()
