"""Pure: certificate authorities as the host's trust stores hold them, and
the Compose override that gives every container and build the host's trust
(`dockhand.trust`, docs/trust.md).

PEM blocks are read by their boundaries and compared by the SHA-256 of their
DER bytes; a certificate's subject is read from its DER by the few rules of
X.509 it needs (no `cryptography` dependency). Reading the stores on disk is
trust_store.py's."""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import textwrap
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

# Where every container finds the bundle, and the id a Dockerfile mounts it by.
MOUNTED = "/etc/dockhand/ca-certificates.crt"
BUILD_SECRET = "dockhand-ca"  # noqa: S105 - the id of a CA bundle, no password
# The one line a Dockerfile uses (docs/trust.md); `inv check` looks for the id.
DOCKERFILE_LINE = (
    f"RUN --mount=type=secret,id={BUILD_SECRET},"
    "target=/etc/ssl/certs/ca-certificates.crt ..."
)
# What the common runtimes read: OpenSSL (Python's ssl, Ruby, PHP), requests,
# Node (added to its own roots), pip, curl, git.
VARIABLES = (
    "SSL_CERT_FILE",
    "REQUESTS_CA_BUNDLE",
    "NODE_EXTRA_CA_CERTS",
    "PIP_CERT",
    "CURL_CA_BUNDLE",
    "GIT_SSL_CAINFO",
)

_PEM = re.compile(
    r"-----BEGIN CERTIFICATE-----\s*(.*?)\s*-----END CERTIFICATE-----", re.DOTALL
)
# Attribute OIDs (DER of 2.5.4.x) in the order a name is shown by.
_NAME_OIDS = (b"\x55\x04\x03", b"\x55\x04\x0b", b"\x55\x04\x0a")  # CN, OU, O


@dataclass(frozen=True)
class Cert:
    """One certificate: its DER bytes, where it was found, its subject."""

    der: bytes
    source: str = ""

    @property
    def fingerprint(self) -> str:
        return hashlib.sha256(self.der).hexdigest()

    @property
    def subject(self) -> str:
        return subject_name(self.der)

    @property
    def pem(self) -> str:
        body = "\n".join(textwrap.wrap(base64.b64encode(self.der).decode(), 64))
        return f"-----BEGIN CERTIFICATE-----\n{body}\n-----END CERTIFICATE-----\n"

    def line(self) -> str:
        """The CA as a report names it: subject and file, never the key or bytes."""
        return f"{self.subject} ({self.source})" if self.source else self.subject


def parse(data: bytes, source: str = "") -> list[Cert]:
    """The certificates of a PEM file (any number of blocks), or of one DER
    certificate; nothing for anything else."""
    text = data.decode("ascii", errors="replace")
    found = []
    for match in _PEM.finditer(text):
        try:
            der = base64.b64decode("".join(match.group(1).split()), validate=True)
        except (binascii.Error, ValueError):
            continue
        if _is_certificate(der):
            found.append(Cert(der, source))
    if not found and _is_certificate(data):
        found.append(Cert(bytes(data), source))
    return found


def beyond(found: Iterable[Cert], public: Iterable[str]) -> list[Cert]:
    """The certificates of `found` whose fingerprint is not in `public`, each
    once (the first file that holds it names it)."""
    seen = set(public)
    kept = []
    for cert in found:
        if cert.fingerprint not in seen:
            seen.add(cert.fingerprint)
            kept.append(cert)
    return kept


def bundle(base: str, extras: Iterable[Cert]) -> str:
    """The host's bundle as it is, then each of `extras` it lacks."""
    held = {c.fingerprint for c in parse(base.encode())}
    text = base if not base or base.endswith("\n") else base + "\n"
    return text + "".join(c.pem for c in extras if c.fingerprint not in held)


def variables(path: str = MOUNTED) -> dict[str, str]:
    return dict.fromkeys(VARIABLES, path)


def override(
    services: Sequence[str],
    builds: Sequence[str],
    bundle_file: str,
    *,
    build_secret: bool,
) -> dict[str, object]:
    """The Compose override: every service gets the bundle mounted read-only
    and the variables; each service that builds gets it as the build secret
    `dockhand-ca` (BuildKit only: `build_secret`)."""
    mount = {
        "type": "bind",
        "source": bundle_file,
        "target": MOUNTED,
        "read_only": True,
    }
    found: dict[str, dict[str, object]] = {}
    for name in services:
        found[name] = {"volumes": [mount], "environment": variables()}
        if build_secret and name in builds:
            found[name]["build"] = {"secrets": [BUILD_SECRET]}
    result: dict[str, object] = {"services": found}
    if build_secret and any(name in builds for name in services):
        result["secrets"] = {BUILD_SECRET: {"file": bundle_file}}
    return result


def _tlv(data: bytes, at: int) -> tuple[int, int, int]:
    """(tag, start of the value, end of it) of the DER element at `at`."""
    if at + 2 > len(data):
        raise ValueError("truncated")
    tag, size = data[at], data[at + 1]
    start = at + 2
    if size & 0x80:
        count = size & 0x7F
        if count == 0 or count > 4 or start + count > len(data):
            raise ValueError("bad length")
        size = int.from_bytes(data[start : start + count], "big")
        start += count
    if start + size > len(data):
        raise ValueError("truncated")
    return tag, start, start + size


def _children(data: bytes, start: int, end: int) -> list[tuple[int, int, int]]:
    found, at = [], start
    while at < end:
        tag, begin, stop = _tlv(data, at)
        found.append((tag, begin, stop))
        at = stop
    return found


def _tbs_parts(der: bytes) -> list[tuple[int, int, int]]:
    tag, start, end = _tlv(der, 0)
    if tag != 0x30 or end != len(der):
        raise ValueError("not a certificate")
    parts = _children(der, start, end)
    tag, start, end = parts[0]
    if tag != 0x30 or len(parts) != 3:
        raise ValueError("not a certificate")
    tbs = _children(der, start, end)
    return tbs[1:] if tbs and tbs[0][0] == 0xA0 else tbs  # drop [0] version


def _is_certificate(der: bytes) -> bool:
    try:
        return len(_tbs_parts(der)) >= 6
    except (ValueError, IndexError):
        return False


def _decode(tag: int, value: bytes) -> str:
    if tag == 0x1E:  # BMPString
        return value.decode("utf-16-be", errors="replace")
    if tag == 0x1C:  # UniversalString
        return value.decode("utf-32-be", errors="replace")
    if tag == 0x14:  # TeletexString
        return value.decode("latin-1")
    return value.decode("utf-8", errors="replace")


def _attributes(der: bytes, start: int, end: int) -> Mapping[bytes, str]:
    """The subject's attributes, {OID bytes: first value}."""
    found: dict[bytes, str] = {}
    for _, set_start, set_end in _children(der, start, end):
        for _, seq_start, seq_end in _children(der, set_start, set_end):
            parts = _children(der, seq_start, seq_end)
            if len(parts) != 2 or parts[0][0] != 0x06:
                continue
            oid = der[parts[0][1] : parts[0][2]]
            tag, value_start, value_end = parts[1]
            found.setdefault(oid, _decode(tag, der[value_start:value_end]))
    return found


def subject_name(der: bytes) -> str:
    """The subject's CN (else OU, else O), as a report shows a CA."""
    try:
        _, start, end = _tbs_parts(der)[
            4
        ]  # serial, algorithm, issuer, validity, subject
        attributes = _attributes(der, start, end)
    except (ValueError, IndexError):
        return "(unreadable subject)"
    for oid in _NAME_OIDS:
        if attributes.get(oid):
            return attributes[oid]
    return "(no subject name)"
