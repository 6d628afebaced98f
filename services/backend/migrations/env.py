"""Alembic environment: the database URL comes from the same settings as the API."""

from __future__ import annotations

from logging.config import fileConfig

from alembic import context
from app.config import load_settings
from app.db import make_engine, metadata

if context.config.config_file_name is not None:
    fileConfig(context.config.config_file_name)


def run_offline() -> None:
    """`alembic upgrade head --sql`: print the SQL instead of running it."""
    context.configure(
        url=load_settings().database_url,
        target_metadata=metadata,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    with make_engine(load_settings().database_url).connect() as connection:
        context.configure(connection=connection, target_metadata=metadata)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
