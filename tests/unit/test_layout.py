"""The layout of the tree itself, as docs/development.md describes it: the
folders are layers and imports run down them, no command imports another,
no import circle through any import (inside functions and under
TYPE_CHECKING too), imports inside functions only where LAZY says why, at
most ten modules at the root, each task's wiring, body and tests under one
name; test files named after their modules, no module over ~350 lines
without a reason at its top; the typed edges (few `Any`, few `(x or {})`
chains), one module that reads call frames, one that asks the user.

pytest imports test files by their basename (the rootdir import mode that
lets them import harness.py), so two files of one name in tests/unit and
tests/integration stop the whole run at collection."""

from __future__ import annotations

import ast
import fnmatch
import itertools
import re
from collections import Counter
from pathlib import Path

from invoke.collection import Collection

TESTS = Path(__file__).resolve().parents[1]
SRC = TESTS.parent / "src" / "dockhand"
MAX_LINES = 350
# Said at the top of a module that is longer, with the reason after it.
LONGER = "Longer than 350 lines:"
# Unit test files that test no module of src/dockhand, and what they test.
NOT_A_MODULE = {
    "test_layout.py": "the tree itself",
    "test_docs.py": "the docs against the code",
    "test_helpers.py": "tests/helpers.py, what the tests share",
}


def test_no_two_test_files_share_a_name() -> None:
    names = Counter(path.name for path in TESTS.rglob("test_*.py"))
    assert [name for name, count in names.items() if count > 1] == []


def module_named(stem: str) -> Path | None:
    """The module a test file's name names: `checks_compose_model` is
    checks/compose_model.py, `postgres` the package postgres/."""
    words = stem.split("_")
    for cuts in itertools.product(("/", "_"), repeat=len(words) - 1):
        path = words[0] + "".join(c + w for c, w in zip(cuts, words[1:], strict=True))
        for candidate in (SRC / f"{path}.py", SRC / path / "__init__.py"):
            if candidate.is_file():
                return candidate
    return None


def test_each_unit_test_file_is_named_after_the_module_it_tests() -> None:
    unnamed = [
        path.name
        for path in sorted((TESTS / "unit").glob("test_*.py"))
        if path.name not in NOT_A_MODULE
        and module_named(path.stem.removeprefix("test_")) is None
    ]
    assert unnamed == [], "name each after its module (test_checks_env.py)"


def test_the_layout_rules_see_what_they_judge() -> None:
    assert module_named("checks_compose_model") == SRC / "checks" / "compose_model.py"
    assert module_named("docker_compose") == SRC / "docker" / "compose.py"
    assert module_named("postgres") == SRC / "postgres" / "__init__.py"
    assert module_named("no_such_module") is None
    assert edges(
        "dockhand.session",
        ast.parse("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                  "    from dockhand import discovery\n"
                  "def f():\n    from dockhand.docker.compose import up\n"),
        {"dockhand.discovery", "dockhand.docker.compose", "dockhand.docker"},
    ) == {("dockhand.discovery", False), ("dockhand.docker.compose", True)}  # fmt: skip
    assert layer_of("dockhand.steps.wait") == layer_of("dockhand.steps")
    assert layer_of("dockhand.cli.task") < layer_of("dockhand.commands.stack")
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [
        ["a", "b", "c"]
    ]


def test_no_module_is_longer_than_350_lines_without_saying_why() -> None:
    long = [
        f"{path.relative_to(SRC)}: {count} lines"
        for path in sorted(SRC.rglob("*.py"))
        if (count := len(path.read_text().splitlines())) > MAX_LINES
        and LONGER not in (ast.get_docstring(ast.parse(path.read_text())) or "")
    ]
    assert long == [], f"split it, or write '{LONGER} <why>' in its docstring"


def modules() -> dict[str, Path]:
    found = {}
    for path in SRC.rglob("*.py"):
        parts = path.relative_to(SRC.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def edges(name: str, tree: ast.Module, known: set[str]) -> set[tuple[str, bool]]:
    """Every module of `known` that `name` imports, anywhere in it (the top,
    under TYPE_CHECKING, inside functions), each with whether the import is
    inside a function. `from package import module` is an edge to the
    module; `from module import name` one to the module."""
    inside = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            inside.update(id(n) for n in ast.walk(node) if n is not node)
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                target = full if full in known else node.module
                if target in known and target != name:
                    found.add((target, id(node) in inside))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in known and alias.name != name:
                    found.add((alias.name, id(node) in inside))
    return found


def graph() -> dict[str, set[tuple[str, bool]]]:
    known = modules()
    names = set(known)
    return {
        name: edges(name, ast.parse(path.read_text()), names)
        for name, path in known.items()
    }


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Each set of modules that import one another round, sorted."""
    found = []
    for start in sorted(graph):
        seen, todo = set(), list(graph[start])
        while todo:
            node = todo.pop()
            if node not in seen:
                seen.add(node)
                todo += graph.get(node, ())
        if start in seen:
            ring = sorted(n for n in seen if start in reach(graph, n))
            if ring not in found:
                found.append(ring)
    return found


def reach(graph: dict[str, set[str]], start: str) -> set[str]:
    seen, todo = set(), list(graph.get(start, ()))
    while todo:
        node = todo.pop()
        if node not in seen:
            seen.add(node)
            todo += graph.get(node, ())
    return seen


def test_no_import_circle() -> None:
    plain = {name: {other for other, _ in out} for name, out in graph().items()}
    assert circles(plain) == []


# The layers, top to bottom: a module imports from its own layer or a lower
# one, never a higher one (docs/development.md says what each holds).
LAYERS: tuple[tuple[str, ...], ...] = (
    ("dockhand", "dockhand.cli"),
    ("dockhand.commands",),
    ("dockhand.steps",),
    ("dockhand.checks",),
    ("dockhand.swarm",),
    ("dockhand.session", "dockhand.discovery"),
    ("dockhand.envfile",),
    ("dockhand.config",),
    ("dockhand.docker",),
    ("dockhand.postgres",),
    ("dockhand.ui",),
    ("dockhand.errors", "dockhand._version"),
)


def layer_of(module: str) -> int:
    best = None
    for number, layer in enumerate(LAYERS):
        for prefix in layer:
            inside = module == prefix or module.startswith(prefix + ".")
            if inside and (best is None or len(prefix) > best[1]):
                best = (number, len(prefix))
    assert best is not None, f"{module} is in no layer: add it to LAYERS"
    return best[0]


def test_every_module_is_in_a_layer_and_imports_run_down() -> None:
    upward = [
        f"{name} -> {other}"
        for name, out in sorted(graph().items())
        for other, _ in sorted(out)
        if layer_of(other) < layer_of(name)
    ]
    assert upward == []


def test_no_command_imports_another_command() -> None:
    crossing = [
        f"{name} -> {other}"
        for name, out in sorted(graph().items())
        if name.startswith("dockhand.commands.")
        for other, _ in sorted(out)
        if other.startswith("dockhand.commands.")
    ]
    assert crossing == []


# Imports inside functions, and why each is one: everything else is
# imported at the top of its module, where a reader sees it.
LAZY_IMPORTERS = {
    "dockhand": "namespace() runs for `inv --list`: a task's modules load when it runs",
    "dockhand.cli.*": "`inv --list` imports every cli module: each task imports its "
    "command when it runs, so the list costs what a bare Invoke project's does",
}
LAZY_MODULES = {
    "docker": "the docker SDK takes about 0.2 s to import: only code that talks to "
    "the engine through it pays",
    "rich": "tens of ms: plain output (a pipe, NO_COLOR) never imports it",
    "dotenv": "python-dotenv only where an env file is read",
    "concurrent": "a thread pool only where a command waits while Compose runs",
    "pty": "POSIX only, where a terminal is handed over",
    "termios": "POSIX only, where a terminal is handed over",
    "fcntl": "POSIX only, where a terminal is handed over",
}
LAZY_PAIRS = {
    ("dockhand.steps.start", "dockhand.steps.preflight"): "only `inv up` runs the "
    "preflight (ports, the database's password) and needs the checks it imports",
    ("dockhand.session", "dockhand.docker.model"): "the model's types (a few ms "
    "of dataclasses) only for the commands that ask Compose for the model",
    ("dockhand.session", "dockhand.docker.compose_cache"): "`inv ps` asks the "
    "engine, not Compose: which Compose runs is looked up (and its files "
    "hashed) only by a command that runs Compose",
    ("dockhand.session", "dockhand.docker.compose_plugin"): "the same: the "
    "plugin is looked for only while finding which Compose runs",
    ("dockhand.session", "dockhand.docker.trust_store"): "only a project with "
    "`dockhand.trust` on reads its override (and the certificates' parser)",
    ("dockhand.session", "dockhand.docker.containers"): "`inv logs`, `down` and "
    "`migrate --status` never read containers through dockhand: the readers "
    "(and the states' parser) load for the commands that do",
    ("dockhand.docker.containers", "dockhand.docker.engine"): "the SDK's side "
    "words an unreachable engine; `inv shell` and `ps` read through the CLI or "
    "the socket and need it only for that line",
    ("dockhand.session", "dockhand.docker.engine"): "the SDK's side of the "
    "engine loads for the commands that connect",
    ("dockhand.session", "dockhand.docker.service_names"): "the services are "
    "remembered for completion only by a command that asked Compose for them",
    ("dockhand.session", "dockhand.docker.compose_errors"): "its rules compile "
    "only when a Compose call failed",
    ("dockhand.docker.process", "dockhand.docker.compose_errors"): "the same, for "
    "every command: only a failed one reads its rules",
    ("dockhand.steps.stale", "dockhand.docker.model"): "the same, for `inv ps` "
    "and `inv restart`: only a model read back from the cache is parsed here",
    ("dockhand.commands.stack", "dockhand.steps.stale"): "`inv down` and the "
    "`inv ps` of a stopped stack never look at images",
    ("dockhand.steps.start", "dockhand.steps.trust"): "only a project with "
    "`dockhand.trust` on writes the override (and reads the host's CAs)",
    ("dockhand.steps.start", "dockhand.steps.stale"): "the same: `inv restart` "
    "and `inv ps` import start for its wait, only build and up label images",
    ("dockhand.steps.status", "dockhand.config.checkout"): "only the URLs after "
    "a wait need the checkout's host name (and its hashing); `inv ps` does not",
    ("dockhand.commands.migrate", "dockhand.steps.migration_safety"): "`inv "
    "migrate --status` needs none of the snapshot's modules (backups, restore)",
    ("dockhand.discovery", "dockhand.envfile"): "python-dotenv (the env file's "
    "reader) only for a project that does not name itself",
    ("dockhand.checks.credentials", "dockhand.envfile"): "python-dotenv only "
    "where the database's password is looked for",
    ("dockhand.steps.database", "dockhand.envfile"): "python-dotenv only where "
    "the database's user and name are looked for in the env file",
}


def lazy_imports(name: str, tree: ast.Module) -> list[str]:
    """Each import inside a function of `name`, as the module it names."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for inner in ast.walk(node):
                if isinstance(inner, ast.ImportFrom) and inner.module:
                    found += [f"{inner.module}.{a.name}" for a in inner.names]
                elif isinstance(inner, ast.Import):
                    found += [a.name for a in inner.names]
    return found


def lazy_allowed(name: str, imported: str) -> bool:
    if any(fnmatch.fnmatch(name, pattern) for pattern in LAZY_IMPORTERS):
        return True
    if imported.split(".")[0] in LAZY_MODULES:
        return True
    return any(
        name == importer and (imported == target or imported.startswith(target + "."))
        for importer, target in LAZY_PAIRS
    )


def test_imports_inside_functions_are_the_listed_ones() -> None:
    unlisted = [
        f"{name}: {imported}"
        for name, path in sorted(modules().items())
        for imported in lazy_imports(name, ast.parse(path.read_text()))
        if not lazy_allowed(name, imported)
    ]
    assert unlisted == [], "import it at the top, or add it to LAZY_* with its reason"


def test_the_lazy_list_is_not_stale() -> None:
    used = {
        (name, imported)
        for name, path in modules().items()
        for imported in lazy_imports(name, ast.parse(path.read_text()))
    }
    stale = [
        pair
        for pair in LAZY_PAIRS
        if not any(n == pair[0] and i.startswith(pair[1]) for n, i in used)
    ]
    assert stale == []


def test_at_most_ten_modules_at_the_root() -> None:
    root = sorted(path.name for path in SRC.glob("*.py"))
    assert len(root) <= 10, root


def source_lines() -> list[tuple[Path, str]]:
    return [
        (path, line)
        for path in sorted(SRC.rglob("*.py"))
        for line in path.read_text().splitlines()
    ]


def test_data_is_typed_where_it_enters() -> None:
    """The engine's and Compose's JSON are parsed into types at the edge: few
    lines say `Any`, few guard with `(x or {}).get`."""
    any_lines = [
        f"{path.relative_to(SRC)}: {line.strip()}"
        for path, line in source_lines()
        if re.search(r"\bAny\b", line)
    ]
    chains = [
        f"{path.relative_to(SRC)}: {line.strip()}"
        for path, line in source_lines()
        if "or {}).get" in line
    ]
    assert len(any_lines) <= 60, "\n".join(any_lines)
    assert len(chains) <= 10, "\n".join(chains)


def test_call_frames_are_read_in_one_module() -> None:
    readers = {
        path.relative_to(SRC)
        for path, line in source_lines()
        if "_getframe" in line or "currentframe" in line
    }
    assert len(readers) <= 1, readers


def test_one_module_asks_the_user() -> None:
    askers = {
        str(path.relative_to(SRC))
        for path, line in source_lines()
        if re.search(r"(?<![\w.])input\(|\.input\(", line)
    }
    assert askers <= {"steps/confirm.py"}, askers


# Tasks that set a switch for the tasks after them: wiring only, no body.
SWITCHES = {
    "prod": "selects the production files for the tasks after it",
    "cluster": "sends the tasks after it to the Swarm",
}


def tasks() -> list[tuple[str, str, str]]:
    """(task, group, function) of every task: its group is its cli module's
    name, its function the Python name of its body there."""
    from dockhand import namespace

    found = []

    def walk(collection: Collection, prefix: str) -> None:
        for name, task in sorted(collection.tasks.items()):
            group = task.body.__module__.removeprefix("dockhand.cli.")
            found.append((prefix + name, group, task.body.__name__))
        for name, inner in sorted(collection.collections.items()):
            walk(inner, f"{prefix}{name}.")

    walk(namespace(SRC), "")
    return found


def task_tests(group: str) -> list[str]:
    """The test files named after a task group, unit and integration."""
    candidates = (
        f"unit/test_commands_{group}.py",
        f"unit/test_cli_{group}.py",
        f"integration/test_{group}.py",
    )
    return [name for name in candidates if (TESTS / name).is_file()]


def defines(path: Path, function: str) -> bool:
    names = {
        node.name
        for node in ast.parse(path.read_text()).body
        if isinstance(node, ast.FunctionDef)
    }
    return function in names or function.rstrip("_") in names


def test_each_task_has_its_wiring_body_and_tests_under_one_name() -> None:
    """`inv logs`: cli/logs.py, commands/logs.py `logs`, test_logs.py."""
    unpaired = []
    for name, group, function in tasks():
        if "." in group:
            unpaired.append(f"{name}: wired in {group}, not cli/<group>.py")
            continue
        body = SRC / "commands" / f"{group}.py"
        if name not in SWITCHES and not (body.is_file() and defines(body, function)):
            unpaired.append(f"{name}: no {function} in commands/{group}.py")
        if not task_tests(group):
            unpaired.append(f"{name}: no tests/**/test_{group}.py")
    assert unpaired == []
    assert {name for name, *_ in tasks()} >= set(SWITCHES)


def task_rows() -> list[str]:
    """docs/development.md's table of tasks, as the tree has it."""
    rows = []
    for name, group, _ in tasks():
        body = "(a switch)" if name in SWITCHES else f"`commands/{group}.py`"
        tests = ", ".join(f"`{path}`" for path in task_tests(group))
        rows.append(f"| `inv {name}` | `cli/{group}.py` | {body} | {tests} |")
    return rows


def test_the_development_guide_lists_every_task_with_its_paths() -> None:
    text = (TESTS.parent / "docs" / "development.md").read_text()
    table = text.split("| task | wiring | body | tests |\n| --- | --- | --- | --- |\n")
    assert len(table) == 2, "the table of tasks is missing"
    written = table[1].split("\n\n", 1)[0].splitlines()
    assert written == task_rows(), "\n".join(["the table should read:", *task_rows()])


def test_the_task_list_loads_no_heavy_module() -> None:
    """`inv --list` builds namespace(): it must cost what bare Invoke costs,
    so textual (`inv dash`), the docker SDK and rich load only when a task
    that needs them runs."""
    import subprocess
    import sys

    code = (
        "import sys; from dockhand import namespace; namespace('.');"
        "heavy = {'textual', 'docker', 'rich', 'dockhand.ui.dash'} & set(sys.modules);"
        "sys.exit(str(sorted(heavy)) if heavy else 0)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
