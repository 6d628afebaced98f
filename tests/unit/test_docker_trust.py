"""docker/trust.py: PEM and DER read, which CAs are extra, the bundle, the
Compose override and the variables."""

from __future__ import annotations

import base64
from unittest.mock import ANY

from dockhand.docker import trust

# Two CAs made with `openssl req -x509 -newkey ec`: subject O=Acme, CN=Corp
# Proxy CA; and one with only O=Only Org.
CORP = """-----BEGIN CERTIFICATE-----
MIIBpDCCAUugAwIBAgIUXaVOrFJkJPCGZwbp6Fh1BSPxuR4wCgYIKoZIzj0EAwIw
JzENMAsGA1UECgwEQWNtZTEWMBQGA1UEAwwNQ29ycCBQcm94eSBDQTAgFw0yNjEy
MDcwMTI4MjdaGA8yMTI2MTExMzAxMjgyN1owJzENMAsGA1UECgwEQWNtZTEWMBQG
A1UEAwwNQ29ycCBQcm94eSBDQTBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABKPZ
IVoKKH8EHHLulUmxSOv6otUdymloS/JjhOB+HI9Q8fIoy0sMtA5hgFMmqCXETtmK
itR96wJbPmNmFqn6lDOjUzBRMB0GA1UdDgQWBBRikiEdWo2whXg+4oeCgxiefX8+
UzAfBgNVHSMEGDAWgBRikiEdWo2whXg+4oeCgxiefX8+UzAPBgNVHRMBAf8EBTAD
AQH/MAoGCCqGSM49BAMCA0cAMEQCIDLsOKeqJyXsMymTnaj9O3mw9lgj11KFLdz2
eu7ejzbDAiBU00jPY6Depq/sO2lbN4d/UHT02xL7L/EVSZzqbq0mkw==
-----END CERTIFICATE-----
"""
ORG_ONLY = """-----BEGIN CERTIFICATE-----
MIIBfTCCASOgAwIBAgIUIUYmlzXZ2v1N/LktLq4RfwybQ7owCgYIKoZIzj0EAwIw
EzERMA8GA1UECgwIT25seSBPcmcwIBcNMjYxMjA3MDEyODI3WhgPMjEyNjExMTMw
MTI4MjdaMBMxETAPBgNVBAoMCE9ubHkgT3JnMFkwEwYHKoZIzj0CAQYIKoZIzj0D
AQcDQgAEZEnDjtIQEFUnclEEQbTo2Us8E0TgbaAgBTYSQe6f85vb0XiIMExMoQdv
F4AGx8T1d6gxvegv1iy6WzybBtqYz6NTMFEwHQYDVR0OBBYEFCulTDKnb+yA3OIO
iOE6vZ2HlcNVMB8GA1UdIwQYMBaAFCulTDKnb+yA3OIOiOE6vZ2HlcNVMA8GA1Ud
EwEB/wQFMAMBAf8wCgYIKoZIzj0EAwIDSAAwRQIgY+AkQcwpP4WIZ6RgKRSuc8g5
Zrb4dadDTkmQOngXrqsCIQDxMO1IuzI2ejir4IHtnQW0txXUkwAOONmA4r4dUdKq
Vg==
-----END CERTIFICATE-----
"""


def der(pem: str) -> bytes:
    return base64.b64decode("".join(pem.splitlines()[1:-1]))


def test_a_pem_file_gives_each_certificate_with_its_subject_and_file() -> None:
    found = trust.parse(
        f"# a comment\n{CORP}\ntext between\n{ORG_ONLY}".encode(), "a.pem"
    )
    assert [c.subject for c in found] == ["Corp Proxy CA", "Only Org"]
    assert [c.line() for c in found] == ["Corp Proxy CA (a.pem)", "Only Org (a.pem)"]
    assert found[0].der == der(CORP)


def test_a_der_file_is_one_certificate() -> None:
    (cert,) = trust.parse(der(CORP), "corp.crt")
    assert cert.subject == "Corp Proxy CA" and cert.source == "corp.crt"


def test_what_is_no_certificate_gives_none() -> None:
    broken = CORP.replace("MIIBpDCC", "MIIBpDCD")  # a length that lies
    assert trust.parse(broken.encode()) == []
    assert (
        trust.parse(b"-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----")
        == []
    )
    assert (
        trust.parse(b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----")
        == []
    )
    assert trust.parse(b"") == [] and trust.parse(b"\x30\x03\x02\x01\x01") == []


def test_a_subject_that_cannot_be_read_says_so() -> None:
    assert trust.subject_name(b"\x30\x00") == "(unreadable subject)"


def test_the_pem_written_reads_back_as_the_same_certificate() -> None:
    (cert,) = trust.parse(CORP.encode())
    assert cert.pem == CORP
    assert trust.parse(cert.pem.encode())[0].fingerprint == cert.fingerprint


def test_extra_are_those_the_public_set_lacks_each_once() -> None:
    corp, org = (
        trust.parse(CORP.encode(), "a")[0],
        trust.parse(ORG_ONLY.encode(), "b")[0],
    )
    again = trust.Cert(corp.der, "c")
    assert trust.beyond([corp, org, again], {org.fingerprint}) == [corp]
    assert trust.beyond([corp, org], set()) == [corp, org]


def test_the_bundle_keeps_the_hosts_and_adds_what_it_lacks() -> None:
    corp, org = trust.parse(CORP.encode())[0], trust.parse(ORG_ONLY.encode())[0]
    assert trust.bundle(ORG_ONLY, [corp, org]) == ORG_ONLY + CORP
    assert trust.bundle(ORG_ONLY.rstrip("\n"), [corp]) == ORG_ONLY + CORP
    assert trust.bundle("", [corp]) == CORP


def test_the_variables_name_the_mounted_bundle() -> None:
    assert trust.variables() == {
        "SSL_CERT_FILE": trust.MOUNTED,
        "REQUESTS_CA_BUNDLE": trust.MOUNTED,
        "NODE_EXTRA_CA_CERTS": trust.MOUNTED,
        "PIP_CERT": trust.MOUNTED,
        "CURL_CA_BUNDLE": trust.MOUNTED,
        "GIT_SSL_CAINFO": trust.MOUNTED,
    }


def test_every_service_gets_the_bundle_read_only_and_builds_the_secret() -> None:
    found = trust.override(["web", "db"], ["web"], "/c/b.crt", build_secret=True)
    mount = {
        "type": "bind",
        "source": "/c/b.crt",
        "target": "/etc/dockhand/ca-certificates.crt",
        "read_only": True,
    }
    assert found == {
        "services": {
            "web": {
                "volumes": [mount],
                "environment": trust.variables(),
                "build": {"secrets": ["dockhand-ca"]},
            },
            "db": {"volumes": [mount], "environment": trust.variables()},
        },
        "secrets": {"dockhand-ca": {"file": "/c/b.crt"}},
    }
    assert "dockhand-ca" in trust.DOCKERFILE_LINE


def test_without_buildkit_no_build_gets_a_secret() -> None:
    found = trust.override(["web"], ["web"], "/c/b.crt", build_secret=False)
    assert found == {
        "services": {"web": {"volumes": [ANY], "environment": trust.variables()}}
    }
    assert trust.override(["db"], [], "/b", build_secret=True).keys() == {"services"}
