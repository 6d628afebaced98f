"""steps/router_trust.py: setup's offer to trust the router's root, with
the host (its family, root or not), the router's root and the answer
given; the commands recorded by FakeRunner, never run."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_docker_router_trust import CADDY_ROOT

from dockhand.config.settings import load
from dockhand.docker import trust
from dockhand.docker.process import Runner
from dockhand.session import Session
from dockhand.steps import router_trust
from helpers import FakeRunner

TARGET = "/usr/local/share/ca-certificates/dockhand-router.crt"
(ROOT,) = trust.parse(CADDY_ROOT.encode(), "dockhand-router")


def offered(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    *,
    answer: bool = True,
    tty: bool = True,
    kind: str = "debian",
    sudo: bool = False,
    trusted: bool = False,
    root: trust.Cert | None = ROOT,
    runner: Runner | None = None,
) -> tuple[Session, list[str]]:
    monkeypatch.delenv("DOCKHAND_ROUTER", raising=False)
    asked: list[str] = []
    monkeypatch.setattr(router_trust, "root_ca", lambda s: root)
    monkeypatch.setattr(router_trust, "host", lambda: (kind, sudo))
    monkeypatch.setattr(router_trust.trust_store, "holds", lambda f: trusted)
    monkeypatch.setattr(router_trust.confirm, "can_ask", lambda: tty)
    monkeypatch.setattr(
        router_trust.confirm, "yes_or_no", lambda q: asked.append(q) or (answer and tty)
    )
    settings = load({"root": str(tmp_path), "project": "shop-3f9c2a"})
    s = Session(settings, runner or FakeRunner())
    router_trust.offer(s)
    return s, asked


def calls(s: Session) -> list[list[str]]:
    assert isinstance(s.runner, FakeRunner)
    return s.runner.calls


def test_yes_copies_the_root_then_updates_the_store(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    copied: list[str] = []

    def reply(argv: list[str]) -> tuple[int, str, str]:
        if argv[0] == "install":  # the temporary copy, as it is then
            copied.append(Path(argv[-2]).read_text())
        return (0, "", "")

    s, asked = offered(monkeypatch, tmp_path, runner=FakeRunner(reply=reply))
    assert len(asked) == 1
    assert "Caddy Local Authority - 2026 ECC Root" in asked[0]
    assert "https://SERVICE.shop-3f9c2a.localhost" in asked[0] and TARGET in asked[0]
    assert "sudo" not in asked[0]
    (install, update) = calls(s)
    assert install[:3] == ["install", "-m", "0644"] and install[-1] == TARGET
    assert not Path(install[-2]).exists()  # the temporary copy is gone
    assert copied == [ROOT.pem]
    assert update == ["update-ca-certificates"]
    err = " ".join(capsys.readouterr().err.split())
    assert f"this machine trusts the router's root now ({TARGET})" in err
    assert "Firefox keeps its own store" in err


def test_not_root_goes_through_sudo_and_says_so_first(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(router_trust.shutil, "which", lambda name: f"/usr/bin/{name}")
    s, asked = offered(monkeypatch, tmp_path, sudo=True)
    assert "through sudo" in asked[0]
    assert [argv[:2] for argv in calls(s)] == [
        ["sudo", "install"],
        ["sudo", "update-ca-certificates"],
    ]
    err = " ".join(capsys.readouterr().err.split())
    assert "through sudo (it may ask for a password): sudo install -m 0644" in err


def test_no_sudo_to_become_root_with_gives_the_manual_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(router_trust.shutil, "which", lambda name: None)
    s, asked = offered(monkeypatch, tmp_path, sudo=True)
    assert asked == [] and calls(s) == []
    err = " ".join(capsys.readouterr().err.split())
    assert 'cannot add it on this system: docs/commands.md, "inv urls"' in err


def test_a_failed_update_takes_the_copy_back_in_one_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def reply(argv: list[str]) -> tuple[int, str, str]:
        if argv == ["update-ca-certificates"]:
            return (1, "", "Updating certificates...\nE: disk full\n")
        return (0, "", "")

    s, _ = offered(monkeypatch, tmp_path, runner=FakeRunner(reply=reply))
    assert [argv[0] for argv in calls(s)] == ["install", "update-ca-certificates", "rm"]
    assert calls(s)[-1] == ["rm", "-f", TARGET]
    err = capsys.readouterr().err
    assert len([line for line in err.splitlines() if "warning:" in line]) == 1, err
    assert "`update-ca-certificates`: E: disk full" in " ".join(err.split())
    assert "nothing was changed" in " ".join(err.split())
    assert "Traceback" not in err and "this machine trusts" not in err


def test_a_failed_copy_has_nothing_to_take_back(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    runner = FakeRunner(reply=lambda argv: (1, "", "install: Permission denied\n"))
    s, _ = offered(monkeypatch, tmp_path, runner=runner)
    assert [argv[0] for argv in calls(s)] == ["install"]
    assert "install: Permission denied" in " ".join(capsys.readouterr().err.split())


def test_no_leaves_everything_as_it_was(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    s, asked = offered(monkeypatch, tmp_path, answer=False)
    assert len(asked) == 1 and calls(s) == []
    err = " ".join(capsys.readouterr().err.split())
    assert "stays untrusted here; to trust it by hand" in err
    assert "no terminal" not in err


def test_without_a_terminal_one_line_says_how_and_nothing_changes(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    s, _ = offered(monkeypatch, tmp_path, tty=False)
    assert calls(s) == []
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1, err
    assert "stays untrusted here (no terminal to ask on); to trust it by hand: " in (
        " ".join(err.split())
    )
    assert 'docs/commands.md, "inv urls", HTTPS' in " ".join(err.split())


@pytest.mark.parametrize(
    "case",
    [
        {"trusted": True},  # the host's bundle holds that root already
        {"root": None},  # the router off, not running, or without HTTPS
    ],
)
def test_nothing_is_said_or_asked_when_there_is_nothing_to_offer(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    case: dict[str, object],
) -> None:
    s, asked = offered(monkeypatch, tmp_path, **case)  # type: ignore[arg-type]
    assert asked == [] and calls(s) == []
    assert capsys.readouterr().err == ""


def test_a_dry_run_asks_nothing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    s, asked = offered(monkeypatch, tmp_path, runner=FakeRunner(dry=True))
    assert asked == [] and calls(s) == []
    assert capsys.readouterr().err == ""


def test_an_unknown_system_gets_one_line_with_the_manual_steps(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    s, asked = offered(monkeypatch, tmp_path, kind="")
    assert asked == [] and calls(s) == []
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1, err
    assert "Caddy Local Authority" in err and "docs/commands.md" in err


def test_macos_asks_the_keychain_whether_it_trusts_the_root(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    listing = f"SHA-256 hash: {ROOT.fingerprint.upper()}\n"
    s = Session(load({"root": str(tmp_path), "project": "p"}), FakeRunner())
    assert not router_trust.trusted(s, ROOT, "macos")
    assert calls(s) == [
        [
            "security",
            "find-certificate",
            "-a",
            "-Z",
            "/Library/Keychains/System.keychain",
        ]
    ]
    s = Session(
        load({"root": str(tmp_path), "project": "p"}),
        FakeRunner(reply=lambda argv: (0, listing, "")),
    )
    assert router_trust.trusted(s, ROOT, "macos")


def test_the_root_is_read_only_from_a_running_router_that_serves_https(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from dockhand.docker.router import Router

    monkeypatch.setenv("DOCKHAND_ROUTER", "dhtest-r1")
    s = Session(
        load({"root": str(tmp_path), "project": "p"}),
        FakeRunner(reply=lambda argv: (0, CADDY_ROOT, "")),
    )
    found: list[Router | None] = [None]
    monkeypatch.setattr(router_trust.router, "find", lambda s, cfg: found[0])
    assert router_trust.root_ca(s) is None
    found[0] = Router("dhtest-r1", False, 80, (), tls_port=443)  # stopped
    assert router_trust.root_ca(s) is None
    found[0] = Router("dhtest-r1", True, 80, (), tls_port=None)  # HTTP only
    assert router_trust.root_ca(s) is None
    assert calls(s) == []
    found[0] = Router("dhtest-r1", True, 80, (), tls_port=443)
    assert router_trust.root_ca(s) == trust.Cert(ROOT.der, "dhtest-r1")
    assert calls(s) == [
        [
            "docker", "exec", "dhtest-r1", "cat",
            "/var/lib/caddy/caddy/pki/authorities/local/root.crt",
        ]
    ]  # fmt: skip
    monkeypatch.setenv("DOCKHAND_ROUTER", "off")
    assert router_trust.root_ca(s) is None
