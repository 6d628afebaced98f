"""Pure: adding the router's root CA (router_tls.ROOT_CA) to the host's
trust, so browsers, curl and Python accept https://SERVICE.CHECKOUT.localhost
without --cacert (`inv setup` offers it: dockhand.steps.router_trust).

Per family of system, the commands, each run on its own (no shell), as
root or through sudo:
- Debian, Ubuntu: the PEM copied to /usr/local/share/ca-certificates/NAME.crt,
  then `update-ca-certificates` (the bundle /etc/ssl/certs/ca-certificates.crt);
- RHEL, Fedora: /etc/pki/ca-trust/source/anchors/NAME.crt, then `update-ca-trust`;
- macOS: `security add-trusted-cert` into the System keychain.
NAME is the router's name (`dockhand-router`), one file per router.

When the update fails after the copy, the copy is removed again (`undo`): a
file left in the folder would be trusted by whatever runs the update next
(an upgrade of ca-certificates), without anyone having seen it work.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from dockhand.docker.router import DEFAULT_NAME, NAME_VAR

DEBIAN_FOLDER = "/usr/local/share/ca-certificates"
RHEL_FOLDER = "/etc/pki/ca-trust/source/anchors"
KEYCHAIN = "/Library/Keychains/System.keychain"
MANUAL = 'docs/commands.md, "inv urls", HTTPS'  # where the commands are, by hand


def file_name(router: str) -> str:
    """The file the router's root is kept in, in the host's store."""
    return f"{router}.crt"


def own_files(environ: Mapping[str, str]) -> tuple[str, ...]:
    """The names of the files in the host's stores that hold a router's
    root dockhand (or docs/commands.md) added: the default router's and the
    one DOCKHAND_ROUTER names. Never an error: a bad name is up's to say."""
    named = environ.get(NAME_VAR, "").strip()
    names = {DEFAULT_NAME}
    if re.fullmatch(r"[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}", named) and named != "off":
        names.add(named)
    return tuple(sorted(file_name(n) for n in names))


@dataclass(frozen=True)
class Plan:
    """How this host's trust takes a root: the commands, in order, and
    what undoes the first when a later one fails."""

    family: str  # debian, rhel, macos
    target: str  # the file written (the keychain on macOS)
    steps: list[list[str]]
    undo: list[list[str]] = field(default_factory=list)

    def shown(self) -> str:
        return "; ".join(shlex.join(step) for step in self.steps)


def family(system: str, found: Callable[[str], bool]) -> str:
    """The family of trust store: `system` is platform.system(); `found`
    says whether a command is on PATH or a folder exists. "" for none
    dockhand knows."""
    if system == "Darwin":
        return "macos" if found("security") else ""
    if system != "Linux":
        return ""
    if found("update-ca-certificates") and found(DEBIAN_FOLDER):
        return "debian"
    if found("update-ca-trust") and found(RHEL_FOLDER):
        return "rhel"
    return ""


def plan(kind: str, router: str, pem_file: str, *, sudo: bool) -> Plan | None:
    """The commands that make the host trust the root in `pem_file`
    (a temporary copy of the router's root): None for an unknown family."""
    root = ["sudo"] if sudo else []
    if kind == "macos":
        add = ["security", "add-trusted-cert", "-d", "-r", "trustRoot", "-k"]
        return Plan(kind, KEYCHAIN, [[*root, *add, KEYCHAIN, pem_file]])
    folders = {"debian": DEBIAN_FOLDER, "rhel": RHEL_FOLDER}
    updates = {"debian": "update-ca-certificates", "rhel": "update-ca-trust"}
    if kind not in folders:
        return None
    target = f"{folders[kind]}/{file_name(router)}"
    return Plan(
        kind,
        target,
        [
            [*root, "install", "-m", "0644", pem_file, target],
            [*root, updates[kind]],
        ],
        undo=[[*root, "rm", "-f", target]],
    )


def keychain_argv() -> list[str]:
    """The System keychain's certificates with their SHA-256 hashes (macOS)."""
    return ["security", "find-certificate", "-a", "-Z", KEYCHAIN]


def in_keychain(listing: str, fingerprint: str) -> bool:
    """Whether `security find-certificate -Z`'s listing names the SHA-256."""
    wanted = fingerprint.upper()
    hashes = re.findall(r"SHA-256 hash:\s*([0-9A-Fa-f]{64})", listing)
    return any(found.upper() == wanted for found in hashes)
