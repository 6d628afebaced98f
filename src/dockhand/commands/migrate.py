"""`inv migrate`: the configured migrations, applied in order with a
snapshot first (dockhand.steps.migration_safety, shared with `inv setup`), or
with `status`, shown (dockhand.steps.migrations)."""

from __future__ import annotations

from dockhand.session import Session
from dockhand.steps import migrations


def migrate(
    s: Session, *, status: bool = False, restore_on_failure: bool = False
) -> None:
    if status:
        migrations.status(s)
    else:
        from dockhand.steps import migration_safety

        migration_safety.apply_safely(s, restore_on_failure=restore_on_failure)
