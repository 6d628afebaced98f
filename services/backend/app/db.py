"""The database engine and the tables the API uses (created by Alembic)."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    create_engine,
    func,
)
from sqlalchemy.engine import URL, Engine

metadata = MetaData()

items = Table(
    "items",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False),
    Column(
        "created_at", DateTime(timezone=True), nullable=False, server_default=func.now()
    ),
)


def make_engine(url: URL) -> Engine:
    # pre_ping: a restarted database costs one failed check, not broken requests.
    return create_engine(
        url, future=True, pool_pre_ping=True, connect_args={"connect_timeout": 3}
    )
