"""The host's trust on disk: the CAs its stores hold beyond the public
bundle (read here, judged by trust.py), and the bundle and Compose override
dockhand writes for `dockhand.trust` (docs/trust.md).

Where the stores are (paths under `root`, `/` but in tests):
- Debian and Ubuntu: what `update-ca-certificates` adds, from
  /usr/local/share/ca-certificates, and whatever else the bundle
  /etc/ssl/certs/ca-certificates.crt holds that the `ca-certificates`
  package's Mozilla set (/usr/share/ca-certificates/mozilla) does not;
- RHEL, Fedora: /etc/pki/ca-trust/source/anchors (each one added by hand);
- macOS: none is read; export the keychain to a file and name it
  (`dockhand.trust_path`);
- the file or folder `dockhand.trust_path` names.

The override and the bundle live in dockhand's cache, one folder per
checkout and set of compose files; the override records the files it was
made from, and a project includes it only while they are unchanged."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from dockhand.docker import compose_cache, service_names
from dockhand.docker.compose import Project
from dockhand.docker.trust import Cert, beyond, bundle, parse

LOCAL = ("usr/local/share/ca-certificates", "etc/pki/ca-trust/source/anchors")
PUBLIC = "usr/share/ca-certificates/mozilla"
# The bundle of all the host trusts, as each family names it.
BUNDLES = (
    "etc/ssl/certs/ca-certificates.crt",
    "etc/pki/tls/certs/ca-bundle.crt",
    "etc/ssl/cert.pem",
)
SUFFIXES = (".crt", ".pem", ".cer")
OVERRIDE, BUNDLE, STATE = "trust.yml", "ca-certificates.crt", "trust-state.json"


@dataclass(frozen=True)
class HostTrust:
    """What the host trusts beyond the public bundle, and where its bundle is."""

    extras: list[Cert]
    bundle_file: Path | None  # the host's bundle (all it trusts), when found
    problems: list[str] = field(default_factory=list)  # the named path's


def _read(path: Path) -> list[Cert]:
    try:
        return parse(path.read_bytes(), str(path))
    except OSError:
        return []


def _files(folder: Path) -> list[Path]:
    try:
        found = sorted(p for p in folder.rglob("*") if p.suffix.lower() in SUFFIXES)
    except OSError:
        return []
    return [p for p in found if p.is_file()]


def _named(path: Path) -> tuple[list[Cert], list[str]]:
    if not path.exists():
        return [], [f"{path} does not exist"]
    certs = (
        [c for f in _files(path) for c in _read(f)] if path.is_dir() else _read(path)
    )
    if not certs:
        return [], [f"{path} holds no certificate (PEM or DER)"]
    return certs, []


def read(
    named: Path | None = None, root: Path = Path("/"), own: Sequence[str] = ()
) -> HostTrust:
    """The CAs the host's stores (and the path named) hold that the public
    set does not, each named by the first file that holds it. `own`: names
    of files in the local folders that hold the router's root (dockhand's
    own local CA, router_trust.own_files), left out with every copy of it:
    no container needs it."""
    public_dir = root / PUBLIC
    public = {c.fingerprint for f in _files(public_dir) for c in _read(f)}
    left_out = {c.fingerprint for d in LOCAL for n in own for c in _read(root / d / n)}
    found = [c for folder in LOCAL for f in _files(root / folder) for c in _read(f)]
    bundle_file = next((root / b for b in BUNDLES if (root / b).is_file()), None)
    if public and bundle_file is not None:  # only beside a set to compare with
        found += _read(bundle_file)
    problems: list[str] = []
    if named is not None:
        certs, problems = _named(named)
        found += certs
    return HostTrust(beyond(found, public | left_out), bundle_file, problems)


def holds(fingerprint: str, root: Path = Path("/")) -> bool:
    """Whether a bundle of the host's (what OpenSSL, curl and Python read
    on Linux) holds the certificate."""
    return any(
        c.fingerprint == fingerprint
        for b in BUNDLES
        if (root / b).is_file()
        for c in _read(root / b)
    )


def bundle_text(host: HostTrust) -> str:
    """The host's bundle with every extra CA it lacks (the named path's)."""
    base = ""
    if host.bundle_file is not None:
        try:
            base = host.bundle_file.read_text(errors="replace")
        except OSError:
            base = ""
    return bundle(base, host.extras)


# Which engine and builder the override was made for (its build secret
# needs BuildKit): another one has a folder of its own.
ENGINE_VARIABLES = ("DOCKER_HOST", "DOCKER_CONTEXT", "DOCKER_CONFIG", "DOCKER_BUILDKIT")


def folder(cache: Path, project: Project, environ: Mapping[str, str]) -> Path:
    """The checkout's own folder for its bundle and override: one per set
    of compose files (`inv prod` has its own), profiles and engine."""
    engine = [f"{k}={environ.get(k, '')}" for k in ENGINE_VARIABLES]
    files = [str(f) for f in project.files]
    key = "\n".join([project.name, *files, f"profiles={project.profiles}", *engine])
    return cache / "trust" / hashlib.sha256(key.encode()).hexdigest()[:16]


def _stats(project: Project) -> list[list[object]]:
    return [[f, compose_cache.file_stat(f)] for f in service_names.depends_on(project)]


def current(where: Path, project: Project) -> Path | None:
    """The override, while the files it was made from are as they were."""
    try:
        state = json.loads((where / STATE).read_text())
    except (OSError, ValueError):
        return None
    override = where / OVERRIDE
    if state != _stats(project) or not override.is_file():
        return None
    return override


def write(
    where: Path, text: str, override: dict[str, object], project: Project
) -> Path:
    """Write the bundle (0644: a container's user reads it; a CA is no
    secret) and the override, recorded against the files it was made from."""
    where.mkdir(parents=True, exist_ok=True)
    for name, content in (
        (BUNDLE, text),
        (OVERRIDE, json.dumps(override, indent=2)),
        (STATE, json.dumps(_stats(project))),
    ):
        partial = where / f"{name}.partial"
        partial.write_text(content)
        partial.chmod(0o644)
        partial.replace(where / name)
    return where / OVERRIDE


def bundle_path(where: Path) -> Path:
    return where / BUNDLE


def remove(where: Path) -> None:
    for name in (OVERRIDE, BUNDLE, STATE):
        (where / name).unlink(missing_ok=True)
