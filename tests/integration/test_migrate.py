"""`inv migrate` on the real engine: nothing new applied twice, and its
safety net: a snapshot before anything
pending is applied (none when nothing is), the failed migration named, the
database put back exactly (rows and schema) with --restore-on-failure, left
half-migrated without it, and old automatic snapshots pruned.

The safety net runs on a copy of the reference stack, so a broken migration
can be added to it.
"""

from __future__ import annotations

import pytest
from harness import Stack, Stacks, output, sql

COPIED = ("docker-compose.yml", ".env.example", "invoke.yaml", "tasks.py")

# Fails after a change that no rollback undoes: the autocommit block commits
# a new table and changed rows, then the migration fails.
BROKEN = '''"""Half-done on purpose.

Revision ID: 0002
Revises: 0001
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.get_context().autocommit_block():
        op.execute("CREATE TABLE half_done (id integer)")
        op.execute("INSERT INTO half_done VALUES (1)")
        op.execute("UPDATE items SET name = name || ' (changed)'")
    op.execute("SELECT 1/0")


def downgrade() -> None:
    pass
'''


@pytest.fixture
def stack(base_image: None, stacks: Stacks) -> Stack:
    """A copy of its own for each test: each adds the broken migration and
    leaves the database as that makes it."""
    return stacks.copy(COPIED)


def dump(stack: Stack) -> str:
    """Rows and schema, as plain SQL, read without dockhand; without the
    random key of pg_dump's \\restrict lines (new in each dump)."""
    result = stack.compose(
        "exec", "-T", "db", "pg_dump", "-U", "neuroagent", "--no-owner", "neuroagent"
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines(keepends=True)
    return "".join(x for x in lines if not x.startswith(("\\restrict", "\\unrestrict")))


def snapshots(stack: Stack) -> list[str]:
    return sorted(
        p.name
        for p in (stack.root / "backups").glob(f"{stack.project}-*before-migrate*")
    )


def test_a_failed_migration_is_put_back_exactly(stack: Stack) -> None:
    up = stack.inv("up", timeout=1200)
    assert up.returncode == 0, output(up)
    first = stack.inv("migrate")
    assert first.returncode == 0, output(first)
    assert "snapshot of database 'neuroagent'" in first.stderr, output(first)
    assert "0001" in first.stderr  # what was pending, named
    assert len(snapshots(stack)) == 1
    sql(stack, "INSERT INTO items (name) VALUES ('alpha'), ('beta')")

    again = stack.inv("migrate")
    assert again.returncode == 0, output(again)
    assert "nothing pending: no snapshot taken" in again.stderr, output(again)
    assert len(snapshots(stack)) == 1

    versions = stack.root / "services" / "backend" / "migrations" / "versions"
    (versions / "0002_half_done.py").write_text(BROKEN)
    rebuilt = stack.inv("up")  # the migration is in the image: rebuilt as stale
    assert rebuilt.returncode == 0, output(rebuilt)
    assert "backend is stale" in rebuilt.stderr, output(rebuilt)
    before = dump(stack)

    stack.extra_env["INVOKE_DOCKHAND_MIGRATE_SNAPSHOTS"] = "1"
    restored = stack.inv("migrate", "--restore-on-failure")
    assert restored.returncode != 0, output(restored)
    assert "migration '0002 Half-done on purpose.' (backend) failed" in restored.stderr
    assert "back as it was before" in restored.stderr, output(restored)
    assert dump(stack) == before  # rows and schema, byte for byte
    assert sql(stack, "SELECT to_regclass('half_done')") == ""
    assert len(snapshots(stack)) == 1  # the older one pruned (kept: 1)

    # Without the flag and without a terminal: named, not put back, told how.
    left = stack.inv("migrate")
    assert left.returncode != 0, output(left)
    assert "may be half-migrated" in left.stderr, output(left)
    assert "inv db.restore backups/" in left.stderr, output(left)
    assert sql(stack, "SELECT count(*) FROM half_done") == "1"
    assert dump(stack) != before


def test_on_a_terminal_it_offers_to_put_the_snapshot_back(stack: Stack) -> None:
    """With 0002 failing (as the test above leaves it, or set up here), `y`
    on the terminal puts the snapshot back."""
    import sys

    from harness import Tmux

    versions = stack.root / "services" / "backend" / "migrations" / "versions"
    (versions / "0002_half_done.py").write_text(BROKEN)
    assert stack.inv("up", timeout=1200).returncode == 0
    upto = stack.compose("exec", "-T", "backend", "alembic", "upgrade", "0001")
    assert upto.returncode == 0, upto.stderr
    sql(stack, "INSERT INTO items (name) VALUES ('typed')")
    before = dump(stack)
    terminal = Tmux(
        f"migrate-{stack.project}", [sys.executable, "-m", "invoke", "migrate"], stack
    )
    try:
        terminal.wait("[y/N]", timeout=300)
        sql(stack, "DELETE FROM items")  # a change the restore must undo
        terminal.line("y")
        terminal.wait("EXIT=", timeout=300)
        screen = terminal.screen()
    finally:
        terminal.close()
    assert "back as it was before" in screen, screen
    assert "EXIT=0" not in screen
    assert dump(stack) == before


def test_migrate_twice_applies_nothing_new(running: Stack) -> None:
    before = running.inv("migrate", "--status")
    result = running.inv("migrate")
    assert result.returncode == 0, output(result)
    assert "no pending migrations" in result.stdout, output(result)  # backend-ts
    assert "Running upgrade" not in result.stdout + result.stderr  # alembic
    after = running.inv("migrate", "--status")
    assert before.returncode == after.returncode == 0
    assert before.stdout == after.stdout
