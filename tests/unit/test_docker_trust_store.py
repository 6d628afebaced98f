"""docker/trust_store.py: the host's stores under a folder of the test's,
the bundle, and the override recorded against its compose files."""

from __future__ import annotations

import os
from pathlib import Path

from test_docker_trust import CORP, ORG_ONLY

from dockhand.docker import trust, trust_store
from dockhand.docker.compose import Project


def host(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def test_debian_local_cas_and_the_bundles_own_beyond_the_mozilla_set(
    tmp_path: Path,
) -> None:
    root = host(
        tmp_path,
        {
            "usr/share/ca-certificates/mozilla/Public.crt": ORG_ONLY,
            "usr/local/share/ca-certificates/corp/proxy.crt": CORP,
            "etc/ssl/certs/ca-certificates.crt": ORG_ONLY + CORP,
        },
    )
    found = trust_store.read(root=root)
    assert [c.line() for c in found.extras] == [
        f"Corp Proxy CA ({root}/usr/local/share/ca-certificates/corp/proxy.crt)"
    ]
    assert found.bundle_file == root / "etc/ssl/certs/ca-certificates.crt"
    assert trust_store.bundle_text(found) == ORG_ONLY + CORP  # nothing twice


def test_a_ca_only_the_bundle_holds_is_named_by_the_bundle(tmp_path: Path) -> None:
    root = host(
        tmp_path,
        {
            "usr/share/ca-certificates/mozilla/Public.crt": ORG_ONLY,
            "etc/ssl/certs/ca-certificates.crt": ORG_ONLY + CORP,
        },
    )
    (cert,) = trust_store.read(root=root).extras
    assert cert.source == f"{root}/etc/ssl/certs/ca-certificates.crt"


def test_rhel_anchors_count_without_a_set_to_compare_with(tmp_path: Path) -> None:
    root = host(
        tmp_path,
        {
            "etc/pki/ca-trust/source/anchors/corp.pem": CORP,
            "etc/pki/tls/certs/ca-bundle.crt": ORG_ONLY + CORP,
        },
    )
    found = trust_store.read(root=root)
    assert [c.subject for c in found.extras] == ["Corp Proxy CA"]
    assert found.bundle_file == root / "etc/pki/tls/certs/ca-bundle.crt"


def test_a_clean_host_has_none(tmp_path: Path) -> None:
    root = host(
        tmp_path,
        {
            "usr/share/ca-certificates/mozilla/Public.crt": ORG_ONLY,
            "etc/ssl/certs/ca-certificates.crt": ORG_ONLY,
        },
    )
    assert trust_store.read(root=root).extras == []


def test_the_named_path_adds_its_cas_to_the_hosts_bundle(tmp_path: Path) -> None:
    root = host(tmp_path / "host", {"etc/ssl/cert.pem": ORG_ONLY})
    named = host(tmp_path / "named", {"a/corp.crt": CORP, "notes.txt": "x"})
    found = trust_store.read(named, root=root)
    assert [c.subject for c in found.extras] == ["Corp Proxy CA"]
    assert found.problems == []
    assert trust_store.bundle_text(found) == ORG_ONLY + CORP
    one_file = trust_store.read(named / "a/corp.crt", root=root)
    assert [c.subject for c in one_file.extras] == ["Corp Proxy CA"]


def test_a_named_path_missing_or_without_certificates_is_a_problem(
    tmp_path: Path,
) -> None:
    assert trust_store.read(tmp_path / "none", root=tmp_path).problems == [
        f"{tmp_path}/none does not exist"
    ]
    (tmp_path / "empty.pem").write_text("nothing here")
    assert trust_store.read(tmp_path / "empty.pem", root=tmp_path).problems == [
        f"{tmp_path}/empty.pem holds no certificate (PEM or DER)"
    ]


def test_the_override_counts_while_its_files_stay_as_they_were(tmp_path: Path) -> None:
    compose = tmp_path / "compose.yml"
    compose.write_text("services: {}\n")
    project = Project("p", (compose,))
    where = trust_store.folder(tmp_path / "cache", project, {})
    assert trust_store.current(where, project) is None
    override = trust.override(["web"], [], "/b", build_secret=False)
    path = trust_store.write(where, CORP, override, project)
    assert trust_store.current(where, project) == path
    assert oct(os.stat(trust_store.bundle_path(where)).st_mode & 0o777) == "0o644"
    assert trust_store.bundle_path(where).read_text() == CORP
    compose.write_text("services: {web: {image: x}}\n")
    assert trust_store.current(where, project) is None
    prod = Project("p", (compose, tmp_path / "prod.yml"))
    assert trust_store.folder(tmp_path / "cache", prod, {}) != where
    storage = Project("p", (compose,), (), ("storage",))
    assert trust_store.folder(tmp_path / "cache", storage, {}) != where
    modern = {"DOCKER_HOST": "unix:///run/modern.sock"}
    assert trust_store.folder(tmp_path / "cache", project, modern) != where
    trust_store.remove(where)
    assert list(where.iterdir()) == []


def test_the_routers_own_root_is_left_out_with_its_copy_in_the_bundle(
    tmp_path: Path,
) -> None:
    from test_docker_router_trust import CADDY_ROOT

    root = host(
        tmp_path,
        {
            "usr/share/ca-certificates/mozilla/Public.crt": ORG_ONLY,
            "usr/local/share/ca-certificates/corp.crt": CORP,
            "usr/local/share/ca-certificates/dockhand-router.crt": CADDY_ROOT,
            "etc/ssl/certs/ca-certificates.crt": ORG_ONLY + CORP + CADDY_ROOT,
        },
    )
    every = trust_store.read(root=root).extras
    assert [c.subject for c in every] == [
        "Corp Proxy CA",
        "Caddy Local Authority - 2026 ECC Root",
    ]
    left = trust_store.read(root=root, own=("dockhand-router.crt",)).extras
    assert [c.subject for c in left] == ["Corp Proxy CA"]
    # Another router's file: this one is not left out.
    other = trust_store.read(root=root, own=("dhtest-r1.crt",)).extras
    assert len(other) == 2


def test_a_rhel_host_with_only_the_routers_root_has_no_extras_and_no_bundle_read(
    tmp_path: Path,
) -> None:
    from test_docker_router_trust import CADDY_ROOT

    root = host(
        tmp_path,
        {
            "etc/pki/ca-trust/source/anchors/dockhand-router.crt": CADDY_ROOT,
            "etc/pki/tls/certs/ca-bundle.crt": ORG_ONLY + CADDY_ROOT,
        },
    )
    assert trust_store.read(root=root, own=("dockhand-router.crt",)).extras == []


def test_holds_reads_the_hosts_bundle(tmp_path: Path) -> None:
    from test_docker_router_trust import CADDY_ROOT

    (caddy,) = trust.parse(CADDY_ROOT.encode())
    (corp,) = trust.parse(CORP.encode())
    root = host(tmp_path, {"etc/ssl/certs/ca-certificates.crt": ORG_ONLY + CORP})
    assert trust_store.holds(corp.fingerprint, root)
    assert not trust_store.holds(caddy.fingerprint, root)
    # In the local folder but not yet in the bundle: not trusted yet.
    host(tmp_path, {"usr/local/share/ca-certificates/dockhand-router.crt": CADDY_ROOT})
    assert not trust_store.holds(caddy.fingerprint, root)
    host(tmp_path, {"etc/pki/tls/certs/ca-bundle.crt": CADDY_ROOT})
    assert trust_store.holds(caddy.fingerprint, root)
    assert not trust_store.holds(caddy.fingerprint, tmp_path / "nothing")
