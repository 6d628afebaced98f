"""`inv setup`'s steps."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from dockhand.config.settings import load
from dockhand.session import Session
from helpers import FakeRunner


def test_setup_warns_when_a_new_env_meets_old_volumes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from dockhand.commands import setup

    seen: list[Any] = []

    def listing(filters: dict[str, str]) -> list[Any]:
        seen.append(filters)
        return [SimpleNamespace(name="shop_db-data")]

    s = Session(
        load({"root": str(tmp_path), "project": "shop"}),
        FakeRunner(),
        client=SimpleNamespace(volumes=SimpleNamespace(list=listing)),  # type: ignore[arg-type]
    )
    setup._warn_about_old_volumes(s)
    assert seen == [{"label": "com.docker.compose.project=shop"}]
    err = " ".join(capsys.readouterr().err.split())
    assert "shop_db-data" in err and "inv down --volumes" in err
