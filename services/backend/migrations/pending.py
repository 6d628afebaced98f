"""Print the revisions `alembic upgrade head` would apply, oldest first, one
a line (nothing: the database is up to date). `inv migrate` runs it
(`python3 -m migrations.pending`) to decide whether to snapshot first."""

from __future__ import annotations

from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from app.config import load_settings
from app.db import make_engine


def main() -> None:
    script = ScriptDirectory.from_config(Config("alembic.ini"))
    with make_engine(load_settings().database_url).connect() as connection:
        current = MigrationContext.configure(connection).get_current_heads()
    applied = {
        revision.revision
        for head in current
        for revision in script.iterate_revisions(head, "base")
    }
    pending = [r for r in script.walk_revisions() if r.revision not in applied]
    for revision in reversed(pending):
        print(f"{revision.revision} {revision.doc}".strip())


if __name__ == "__main__":
    main()
