"""checks/trust.py: doctor's line on the host's CAs, check's on the
Dockerfiles that download over HTTPS without the build secret."""

from __future__ import annotations

from pathlib import Path

from checked_project import GOOD_DOCKERFILE, facts_for, make_project
from test_docker_trust import CORP, ORG_ONLY

from dockhand.checks.facts import Facts
from dockhand.checks.result import FAIL, OK, WARN
from dockhand.checks.trust import check_build_trust, check_trust, downloads
from dockhand.config.settings import load
from dockhand.docker import trust
from dockhand.docker.dockerfile import parse_dockerfile
from dockhand.docker.trust_store import HostTrust

CERTS = trust.parse(CORP.encode(), "/usr/local/share/ca-certificates/corp.crt")


def doctor(tmp_path: Path, host: HostTrust, **keys: object) -> Facts:
    return Facts(load({"root": str(tmp_path), "project": "p", **keys}), host_trust=host)


def test_a_ca_beyond_the_public_bundle_is_named_with_its_file(tmp_path: Path) -> None:
    found = check_trust(doctor(tmp_path, HostTrust(CERTS, None)))
    assert found.status == WARN
    assert "1 CA the public bundle lacks" in found.detail
    assert "Corp Proxy CA (/usr/local/share/ca-certificates/corp.crt)" in found.detail
    assert "dockhand.trust" in found.fix
    assert "BEGIN" not in found.detail + found.fix  # never the certificate


def test_with_trust_on_it_is_handed_on(tmp_path: Path) -> None:
    found = check_trust(doctor(tmp_path, HostTrust(CERTS, None), trust=True))
    assert found.status == OK and "containers and builds get" in found.detail


def test_a_clean_host_is_ok_and_many_cas_are_counted(tmp_path: Path) -> None:
    assert check_trust(doctor(tmp_path, HostTrust([], None))).status == OK
    org = trust.parse(ORG_ONLY.encode(), "b")
    many = HostTrust([*CERTS, *org] * 4, None)
    assert check_trust(doctor(tmp_path, many)).detail.endswith("; and 3 more")


def test_a_named_path_that_holds_nothing_fails(tmp_path: Path) -> None:
    found = check_trust(doctor(tmp_path, HostTrust([], None, ["x does not exist"])))
    assert found.status == FAIL and "trust_path: x does not exist" in found.detail


def run(text: str) -> str:
    (step,) = parse_dockerfile(f"FROM debian\nRUN {text}\n").final.all("RUN")
    return downloads(step)


def test_what_downloads_over_https() -> None:
    assert run("curl -fsSL https://example.com/x.tgz | tar xz") == "curl"
    assert run("wget -q https://x/y") == "wget"
    assert run("echo 'deb https://x bookworm main' > l && apt-get update") == "apt-get"
    assert run("pip install -r requirements.txt") == "pip"
    assert run("python3 -m pip install x") == "pip"
    assert run("python3 fetch.py https://x/y") == "https"
    assert run("npm ci --omit=dev") == "npm"
    assert run("apt-get update && apt-get install -y curl") == ""
    assert run("curl -f http://localhost/") == ""
    assert run("python3 -m compileall app") == ""


def test_check_names_each_download_without_the_secret(tmp_path: Path) -> None:
    dockerfile = GOOD_DOCKERFILE.replace(
        "RUN python3 -m compileall -q app",
        "RUN pip install -r requirements.txt\n"
        "RUN --mount=type=cache,target=/root/.npm "
        "--mount=type=secret,id=dockhand-ca,target=/etc/ssl/certs/ca-certificates.crt "
        "npm ci",
    )
    make_project(tmp_path, Dockerfile=dockerfile)
    found = check_build_trust(facts_for(tmp_path))
    assert found.status == WARN
    assert found.detail.endswith("services/app/Dockerfile:5 (pip)")
    assert "--mount=type=secret,id=dockhand-ca" in found.fix


def test_check_is_ok_when_every_download_mounts_it(tmp_path: Path) -> None:
    make_project(tmp_path)
    found = check_build_trust(facts_for(tmp_path))
    assert (found.status, found.detail) == (OK, "no RUN step downloads over HTTPS")
    line = "RUN --mount=type=secret,id=dockhand-ca,target=/x curl -O https://x/y"
    make_project(tmp_path / "b", Dockerfile=GOOD_DOCKERFILE + line)
    found = check_build_trust(facts_for(tmp_path / "b"))
    assert found.status == OK and "each of 1 download(s)" in found.detail
