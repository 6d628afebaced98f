"""The docs against the code: docs/docker.md lists every variable of
.env.example (same names, same order, the same defaults, the same ones
marked secret); docs/configuration.md's table of keys is the one the
declarations in dockhand.config.settings make; the examples of
docs/development.md run."""

from __future__ import annotations

import re
from pathlib import Path

from dockhand import envfile

REPO = Path(__file__).resolve().parents[2]
DOC = REPO / "docs" / "docker.md"
EXAMPLE = REPO / ".env.example"


def documented() -> list[tuple[str, str, str]]:
    """(variable, default, secret) of each row of the doc's variable table."""
    text = DOC.read_text()
    section = text.split("\n## Environment variables\n", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        match = re.fullmatch(r"`([A-Z0-9_]+)`", cells[0])
        if match and len(cells) == 4:
            rows.append((match.group(1), cells[1], cells[2]))
    return rows


def test_every_variable_of_env_example_is_documented_in_order() -> None:
    example = envfile.read(EXAMPLE)
    assert [name for name, _, _ in documented()] == example.keys


def test_defaults_and_secrets_match_env_example() -> None:
    example = envfile.read(EXAMPLE)
    for name, default, secret in documented():
        if name in example.secret_keys:
            assert (default, secret) == ("generated", "yes"), name
        else:
            assert (default, secret) == (f"`{example.values[name]}`", ""), name


def test_the_development_guides_test_session_example_runs() -> None:
    """docs/development.md shows a newcomer how a unit test makes a Session;
    the example is run as written."""
    text = (REPO / "docs" / "development.md").read_text()
    (example,) = re.findall(r"```python\n(.*?)```", text, re.DOTALL)
    exec(compile(example, "docs/development.md", "exec"), {})  # noqa: S102


CONFIGURATION = REPO / "docs" / "configuration.md"


def test_the_table_of_keys_is_made_from_their_declarations() -> None:
    from dockhand.config.keys import markdown_table
    from dockhand.config.settings import KEYS

    text = CONFIGURATION.read_text()
    start = text.index("| key | type and range | default | meaning |")
    table = text[start : text.index("\n\n", start) + 1]
    assert table == markdown_table(KEYS), (
        "docs/configuration.md differs from the keys declared in "
        "dockhand.config.settings.Settings; print the table with: python -c "
        "'from dockhand.config.keys import markdown_table; "
        "from dockhand.config.settings import KEYS; print(markdown_table(KEYS))'"
    )


def test_the_keys_no_variable_can_set_are_named_with_the_variables() -> None:
    from dockhand.config.settings import KEYS

    text = CONFIGURATION.read_text()
    section = text.split("\n## Environment variables\n", 1)[1].split("\n## ", 1)[0]
    for name, key in KEYS.items():
        if not key.env:
            assert f"`{name}`" in section, name
