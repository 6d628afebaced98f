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


def trusting_host(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, answer: bool, tty: bool
) -> tuple[Session, list[str]]:
    from test_docker_trust import CORP

    from dockhand.commands import setup
    from dockhand.docker import trust
    from dockhand.docker.trust_store import HostTrust

    asked: list[str] = []
    certs = trust.parse(CORP.encode(), "/usr/local/share/ca-certificates/corp.crt")
    monkeypatch.setattr(
        setup.trust_store, "read", lambda named, own=(): HostTrust(certs, None)
    )
    monkeypatch.setattr(setup.confirm, "can_ask", lambda: tty)
    monkeypatch.setattr(
        setup.confirm, "yes_or_no", lambda q: asked.append(q) or (answer and tty)
    )
    return Session(load({"root": str(tmp_path), "project": "p"}), FakeRunner()), asked


def test_setup_offers_trust_and_writes_it_to_invoke_yaml(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from dockhand.commands import setup

    (tmp_path / "invoke.yaml").write_text("dockhand:\n  project: p\n")
    s, asked = trusting_host(monkeypatch, tmp_path, answer=True, tty=True)
    setup._offer_trust(s)
    assert "1 CA(s)" in asked[0] and "Corp Proxy CA" in asked[0]
    assert (tmp_path / "invoke.yaml").read_text() == (
        "dockhand:\n  trust: true\n  project: p\n"
    )
    assert s.settings.trust is True
    setup._offer_trust(s)  # on now: not asked again
    assert len(asked) == 1


def test_without_a_terminal_trust_is_not_turned_on(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from dockhand.commands import setup

    (tmp_path / "invoke.yaml").write_text("dockhand:\n  project: p\n")
    s, _ = trusting_host(monkeypatch, tmp_path, answer=True, tty=False)
    setup._offer_trust(s)
    assert (tmp_path / "invoke.yaml").read_text() == "dockhand:\n  project: p\n"
    assert s.settings.trust is False
    err = " ".join(capsys.readouterr().err.split())
    assert "stays off (no terminal to ask on)" in err and "trust: true" in err


def test_a_file_it_cannot_edit_is_left_with_the_line_to_add(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from dockhand.commands import setup

    (tmp_path / "invoke.json").write_text('{"dockhand": {"project": "p"}}')
    s, _ = trusting_host(monkeypatch, tmp_path, answer=True, tty=True)
    setup._offer_trust(s)
    assert (tmp_path / "invoke.json").read_text() == '{"dockhand": {"project": "p"}}'
    assert "could not be edited safely" in capsys.readouterr().err
    assert s.settings.trust is True  # for this setup's build and up


def test_the_routers_own_root_is_not_offered_to_the_containers(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Once the host trusts the router's root (setup's later offer), the
    dockhand.trust offer leaves it out: no container needs it."""
    from test_docker_router_trust import CADDY_ROOT

    from dockhand.commands import setup
    from dockhand.docker import trust_store

    files = {
        "usr/local/share/ca-certificates/dhtest-r1.crt": CADDY_ROOT,
        "etc/ssl/certs/ca-certificates.crt": CADDY_ROOT,
        "usr/share/ca-certificates/mozilla/Public.crt": "",
    }
    for name, text in files.items():
        (tmp_path / "host" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "host" / name).write_text(text)
    real = trust_store.read
    monkeypatch.setattr(
        setup.trust_store,
        "read",
        lambda named, own=(): real(named, root=tmp_path / "host", own=own),
    )
    asked: list[str] = []
    monkeypatch.setattr(setup.confirm, "yes_or_no", lambda q: asked.append(q) or False)
    s = Session(load({"root": str(tmp_path), "project": "p"}), FakeRunner())
    monkeypatch.setenv("DOCKHAND_ROUTER", "dhtest-r1")
    setup._offer_trust(s)
    assert asked == []
    monkeypatch.setenv("DOCKHAND_ROUTER", "dhtest-other")  # not this router's file
    setup._offer_trust(s)
    assert len(asked) == 1 and "Caddy Local Authority" in asked[0]


def test_the_summary_lists_the_routers_names_before_the_port_urls(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from test_commands_urls import STATES
    from test_steps_router import NAME, inspected

    from dockhand.commands import setup

    monkeypatch.setenv("DOCKHAND_ROUTER", NAME)
    monkeypatch.setattr(setup.engine, "states", lambda client, project: STATES)

    def reply(argv: list[str]) -> tuple[int, str, str]:
        if argv[1:3] == ["container", "inspect"]:
            return (0, inspected(80, tls=8443), "")
        return (0, "proj\n", "")  # dockhand-route ls

    config = {
        "root": str(tmp_path),
        "project": "proj",
        "services": {"backend": {"port": 8078, "path": "/healthz"}},
    }
    s = Session(load(config), FakeRunner(reply=reply), client=object())  # type: ignore[arg-type]
    setup._summary(s, 0.0)
    err = capsys.readouterr().err
    assert (
        "  backend      http://backend.proj.localhost/healthz  "
        "https://backend.proj.localhost:8443/healthz  "
        "http://proj.localhost:8100/healthz\n"
    ) in err
    monkeypatch.setenv("DOCKHAND_ROUTER", "off")  # the port URL alone, as before
    setup._summary(s, 0.0)
    assert (
        "  backend      http://proj.localhost:8100/healthz\n" in capsys.readouterr().err
    )
