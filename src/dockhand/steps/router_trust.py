"""`inv setup`, after its up: offer to add the router's root CA to the
host's trust (the commands are dockhand.docker.router_trust's), so
https://SERVICE.CHECKOUT.localhost works in browsers, curl and Python
without --cacert.

Nothing is said when there is nothing to offer: the router off or not
serving HTTPS, a dry run, or a host that trusts that root already (its
SHA-256 in the host's bundle; the System keychain on macOS). Without a
terminal nothing changes and one line says where the commands are; a
failure is one warning, and setup goes on (the names work over HTTP)."""

from __future__ import annotations

import os
import platform
import shutil
import tempfile
from pathlib import Path

from dockhand.docker import router_tls, router_trust, trust, trust_store
from dockhand.docker.router_trust import MANUAL, Plan
from dockhand.errors import DockhandError
from dockhand.session import Session
from dockhand.steps import confirm, router
from dockhand.ui import console


def _exists(name: str) -> bool:
    return Path(name).is_dir() if name.startswith("/") else bool(shutil.which(name))


def host() -> tuple[str, bool]:
    """This host's family of trust store ("" unknown), and whether its
    commands need sudo (not root)."""
    kind = router_trust.family(platform.system(), _exists)
    return kind, hasattr(os, "geteuid") and os.geteuid() != 0


def root_ca(s: Session) -> trust.Cert | None:
    """The root of the router's CA while it runs and serves HTTPS; else None."""
    cfg = router.config()
    if not cfg.on:
        return None
    found = router.find(s, cfg)
    if found is None or not found.running or not found.tls_port:
        return None
    done = s.runner.capture(router_tls.root_ca_argv(cfg.name), timeout=30)
    certs = trust.parse(done.stdout.encode(), cfg.name) if done.ok else []
    return certs[0] if certs else None


def trusted(s: Session, cert: trust.Cert, kind: str) -> bool:
    if kind == "macos":
        listed = s.runner.capture(router_trust.keychain_argv(), timeout=30)
        return router_trust.in_keychain(listed.stdout, cert.fingerprint)
    return trust_store.holds(cert.fingerprint)


def offer(s: Session) -> None:
    """Ask to trust the router's root; on yes, add it (sudo when not root)."""
    if s.runner.dry:
        return
    try:
        cert = root_ca(s)
    except DockhandError:  # up has said why the router is not there
        return
    kind, sudo = host()
    if cert is None or trusted(s, cert, kind):
        return
    name = router.config().name
    label = router.checkout_label(s.settings.project) or "CHECKOUT"
    how = router_trust.plan(kind, name, f"{name}.crt", sudo=sudo)
    if how is None or (sudo and not shutil.which("sudo")):
        console.status(
            f"the router's HTTPS root ({cert.subject}) is not trusted here, and "
            f"dockhand cannot add it on this system: {MANUAL} has the commands"
        )
        return
    if not confirm.yes_or_no(
        f"trust the router's root CA ({cert.subject}) on this machine, so "
        f"browsers, curl and Python accept https://SERVICE.{label}.localhost "
        f"(adds it to {how.target}{', through sudo' if sudo else ''})?"
    ):
        why = "" if confirm.can_ask() else " (no terminal to ask on)"
        console.status(
            f"the router's HTTPS root stays untrusted here{why}; to trust it by "
            f"hand: {MANUAL}"
        )
        return
    _add(s, cert, kind, name, sudo=sudo)


def _add(s: Session, cert: trust.Cert, kind: str, name: str, *, sudo: bool) -> None:
    with tempfile.TemporaryDirectory(prefix="dockhand-root-") as folder:
        pem = Path(folder) / router_trust.file_name(name)
        pem.write_text(cert.pem)
        how = router_trust.plan(kind, name, str(pem), sudo=sudo)
        if how is None:  # offer() asked only for a family it plans
            return
        if sudo:
            console.status(f"through sudo (it may ask for a password): {how.shown()}")
        failure = _run(s, how)
    if failure:
        console.warn(
            f"could not add the router's root to this machine's trust: {failure}; "
            f"nothing was changed ({MANUAL} has the commands)"
        )
        return
    console.ok(
        f"this machine trusts the router's root now ({how.target}); Firefox "
        "keeps its own store: import it there (docs/commands.md)"
    )


def _run(s: Session, how: Plan) -> str:
    """Run the plan's steps; the first failure's reason ("" for none), with
    the copy removed again when the update after it failed."""
    for number, argv in enumerate(how.steps):
        try:
            done = s.runner.quiet(argv, timeout=600)
            reason = "" if done.ok else router.said(done.stderr)
        except DockhandError as missing:  # a command not on PATH
            reason = missing.message
        if reason:
            if number > 0:  # the copy is made: taken back
                for undo in how.undo:
                    s.runner.quiet(undo, timeout=600)
            return f"`{' '.join(argv)}`: {reason}"
    return ""
