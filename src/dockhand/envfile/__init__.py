"""Env files: read (python-dotenv), validate, generate, mask.

Values are read with python-dotenv and `${VAR}` in them filled as Compose
fills it (the shell first); nothing here changes `os.environ`, so Compose
keeps its own precedence (shell, then `.env`).
Secrets in an example file are the keys whose comment line directly above
contains `@secret`; their placeholder is never kept.

Here: the public API. The parts: reading (the file as python-dotenv reads
it, parse errors by line), compose_reading (where Compose reads a line
differently; the value each variable takes), masking (which values are
secret, keeping them out of output) and generation (creating and completing
`.env` with generated secrets).
"""

from dockhand.envfile.compose_reading import Variable, differences, effective
from dockhand.envfile.generation import (
    PLACEHOLDER,
    Outcome,
    ensure,
    generate_secret,
    is_placeholder,
    placeholders,
    readable_by_others,
    render_missing,
    render_new,
    write_private,
)
from dockhand.envfile.masking import MASK, mask, redact, secret_like, secret_values
from dockhand.envfile.reading import (
    SECRET_MARK,
    Entry,
    EnvFile,
    Problem,
    and_more,
    fix_for,
    merged,
    read,
    values,
)

__all__ = [
    "MASK",
    "PLACEHOLDER",
    "SECRET_MARK",
    "Entry",
    "EnvFile",
    "Outcome",
    "Problem",
    "Variable",
    "and_more",
    "differences",
    "effective",
    "ensure",
    "fix_for",
    "generate_secret",
    "is_placeholder",
    "mask",
    "merged",
    "placeholders",
    "read",
    "readable_by_others",
    "redact",
    "render_missing",
    "render_new",
    "secret_like",
    "secret_values",
    "values",
    "write_private",
]
