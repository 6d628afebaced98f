"""Settings from the environment that docker-compose.yml passes in."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy.engine import URL


@dataclass(frozen=True)
class Settings:
    database_url: URL
    redis_url: str
    # Stands in for the real API's session-signing key, so the stack carries a
    # generated secret end to end (inv setup writes it, inv doctor checks it).
    secret_key: str


def _required(environ: Mapping[str, str], name: str) -> str:
    value = environ.get(name, "")
    if not value:
        raise RuntimeError(f"{name} is not set: see .env.example")
    return value


def load_settings(environ: Mapping[str, str] = os.environ) -> Settings:
    # URL.create quotes the password, whatever characters it holds.
    database_url = URL.create(
        "postgresql+psycopg2",
        username=_required(environ, "POSTGRES_USER"),
        password=_required(environ, "POSTGRES_PASSWORD"),
        host=environ.get("POSTGRES_HOST", "db"),
        port=5432,
        database=_required(environ, "POSTGRES_DB"),
    )
    return Settings(
        database_url=database_url,
        redis_url=environ.get("REDIS_URL", "redis://redis:6379/0"),
        secret_key=_required(environ, "SECRET_KEY"),
    )
