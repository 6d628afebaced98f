"""`dockhand.trust`: before `inv up` and `inv build`, the host's bundle and
the Compose override that mounts it into every service (and hands it to
every BuildKit build as the secret `dockhand-ca`) are written for the
services Compose has now; every later command of the project adds the
override while its files are unchanged (Session.project). docs/trust.md."""

from __future__ import annotations

import os

from dockhand.docker import containers, trust, trust_store
from dockhand.errors import DockhandError
from dockhand.session import Session
from dockhand.ui import console

CLASSIC = (
    "dockhand.trust: this engine builds with the classic builder (no buildx "
    "plugin, or DOCKER_BUILDKIT=0), which takes no build secrets: containers "
    "get the host's CAs, builds do not"
)


def buildkit(s: Session) -> bool:
    """Whether Compose builds with BuildKit here (the buildx plugin answers)."""
    if os.environ.get("DOCKER_BUILDKIT", "").strip() in ("0", "false"):
        return False
    return s.runner.capture(containers.buildx_version(), timeout=20).ok


def prepare(s: Session) -> None:
    """With `dockhand.trust` on, write (or refresh) the bundle and the
    override; then this command's Compose calls include it."""
    if not s.settings.trust or s.runner.dry:
        return
    host = trust_store.read(s.settings.trust_path)
    if host.problems:
        raise DockhandError(
            f"dockhand.trust_path: {'; '.join(host.problems)}",
            hint="name a PEM file or a folder of .crt/.pem files, or unset it",
        )
    if host.bundle_file is None and not host.extras:
        raise DockhandError(
            "dockhand.trust is on, but this host has no CA bundle dockhand knows "
            "(/etc/ssl/certs/ca-certificates.crt, /etc/pki/tls/certs/ca-bundle.crt, "
            "/etc/ssl/cert.pem)",
            hint="name your CAs with dockhand.trust_path (docs/trust.md), or turn trust off",
        )
    if host.bundle_file is None:
        console.warn(
            "dockhand.trust: no CA bundle of this host was found, so the containers' "
            "bundle holds only dockhand.trust_path's CAs (public sites fail where "
            "SSL_CERT_FILE is read)"
        )
    base = s.base_project()
    where = s.trust_folder(base)
    text = trust_store.bundle_text(host)
    was = s.trust_override(base)
    if was is not None and _same(trust_store.bundle_path(where), text):
        return
    model = s.ask_model()
    if model is None:
        console.warn("dockhand.trust needs Compose v2 or newer: nothing is mounted")
        return
    services = sorted(model.services)
    builds = [name for name in services if model.services[name].build is not None]
    secret = bool(builds) and buildkit(s)
    if builds and not secret:
        console.warn(CLASSIC)
    bundle = str(trust_store.bundle_path(where))
    override = trust.override(services, builds, bundle, build_secret=secret)
    trust_store.write(where, text, override, base)
    if was is None:
        s.reload()  # the override joins the project's files from now on


def _same(path: os.PathLike[str], text: str) -> bool:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.read() == text
    except OSError:
        return False
