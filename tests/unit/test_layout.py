"""The layout of the tree itself: test files one per module and named after
it, no module over ~350 lines without a reason at its top, no import circle.

pytest imports test files by their basename (the rootdir import mode that
lets them import harness.py), so two files of one name in tests/unit and
tests/integration stop the whole run at collection."""

from __future__ import annotations

import ast
import itertools
from collections import Counter
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
SRC = TESTS.parent / "src" / "dockhand"
MAX_LINES = 350
# Said at the top of a module that is longer, with the reason after it.
LONGER = "Longer than 350 lines:"
# Unit test files that test no module of src/dockhand, and what they test.
NOT_A_MODULE = {
    "test_layout.py": "the tree itself",
    "test_docs.py": "the docs against the code",
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
    assert ("dockhand.session", "dockhand.discovery") in edges(
        "dockhand.session",
        ast.parse("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                  "    from dockhand import discovery\n"),
    )  # fmt: skip
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


def edges(name: str, tree: ast.Module) -> set[tuple[str, str]]:
    """What a module imports when it is imported: its top-level imports and
    those under `if TYPE_CHECKING:` (a circle there breaks type checkers and
    readers alike); not the imports inside functions, which run later."""
    nodes = list(tree.body)
    for node in tree.body:
        if isinstance(node, ast.If):
            nodes += node.body
    found = set()
    for node in nodes:
        if isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                found.add(f"{node.module}.{alias.name}")
                found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {(name, other) for other in found if other != name}


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
    known = modules()
    graph: dict[str, set[str]] = {name: set() for name in known}
    for name, path in known.items():
        for _, other in edges(name, ast.parse(path.read_text())):
            if other in known:
                graph[name].add(other)
    assert circles(graph) == []
