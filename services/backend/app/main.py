"""HTTP API: a health check over its dependencies and a small items resource."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from redis import Redis
from sqlalchemy import select, text

from app.config import load_settings
from app.db import items, make_engine

settings = load_settings()
engine = make_engine(settings.database_url)
cache = Redis.from_url(settings.redis_url, socket_timeout=2, socket_connect_timeout=2)

app = FastAPI(title="dockhand reference backend")


class ItemIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)


class ItemOut(BaseModel):
    id: int
    name: str
    created_at: datetime


def _probe(check: Callable[[], Any]) -> str:
    try:
        check()
    except Exception as exc:  # any failure means "not healthy"; say which
        return f"error: {exc.__class__.__name__}: {exc}"
    return "ok"


def _select_one() -> None:
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))


@app.get("/healthz")
def healthz() -> JSONResponse:
    checks = {"db": _probe(_select_one), "redis": _probe(cache.ping)}
    healthy = all(result == "ok" for result in checks.values())
    body = {"status": "ok" if healthy else "unavailable", **checks}
    return JSONResponse(body, status_code=200 if healthy else 503)


@app.post("/items", status_code=201, response_model=ItemOut)
def create_item(item: ItemIn) -> dict[str, Any]:
    with engine.begin() as conn:
        row = (
            conn.execute(items.insert().values(name=item.name).returning(*items.c))
            .mappings()
            .one()
        )
    return dict(row)


@app.get("/items", response_model=list[ItemOut])
def list_items() -> list[dict[str, Any]]:
    with engine.connect() as conn:
        rows = conn.execute(select(items).order_by(items.c.id)).mappings().all()
    return [dict(row) for row in rows]
