"""The .dockerignore matcher."""

from __future__ import annotations

import pytest

from dockhand.docker.dockerignore import ignore_rules, ignored


@pytest.mark.parametrize(
    ("rules", "path", "excluded"),
    [
        (".git", ".git/HEAD", True),
        (".git", "app/.git", False),
        ("**/.git", "app/.git/HEAD", True),
        ("/tests/", "tests/test_app.py", True),
        ("tests", "app/tests", False),
        ("*.md", "README.md", True),
        ("*.md", "docs/README.md", False),
        ("**/*.md", "docs/README.md", True),
        (".env\n.env.*\n!.env.example", ".env.example", False),
        (".env\n.env.*\n!.env.example", ".env.local", True),
        ("node_modules\n!node_modules/keep", "node_modules/keep/x.js", False),
        ("node_modules\n!node_modules/keep", "node_modules/pkg/x.js", True),
        ("# comment\n\n.ven?", ".venv/bin/python", True),
        ("[.]env", ".env", True),
        ("*", "anything/at/all", True),
    ],
)
def test_dockerignore_matching(rules: str, path: str, excluded: bool) -> None:
    assert ignored(ignore_rules(rules), path) is excluded
