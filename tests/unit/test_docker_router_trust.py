"""docker/router_trust.py: the commands that add the router's root to the
host's trust, per family of system; which files hold a router's root."""

from __future__ import annotations

import pytest

from dockhand.docker import router_trust

# A root as Caddy's local CA makes one (openssl, same subject and curve).
CADDY_ROOT = """-----BEGIN CERTIFICATE-----
MIIBtjCCAVugAwIBAgIUM/3lpM5wBEeidHsoKoaT/3No/2wwCgYIKoZIzj0EAwIw
MDEuMCwGA1UEAwwlQ2FkZHkgTG9jYWwgQXV0aG9yaXR5IC0gMjAyNiBFQ0MgUm9v
dDAeFw0yNjEyMDcwNzI0MTRaFw0zNjEyMDQwNzI0MTRaMDAxLjAsBgNVBAMMJUNh
ZGR5IExvY2FsIEF1dGhvcml0eSAtIDIwMjYgRUNDIFJvb3QwWTATBgcqhkjOPQIB
BggqhkjOPQMBBwNCAATalNAmsaw/Sxfkwzp1gu6rFQvszNVJY/BC2MYcm2Iky+uY
a4Sxx+wugYAX7QLwUlbah1ZAoYVFmXxoP0RjjP/1o1MwUTAdBgNVHQ4EFgQUS6PF
oN5dg+/nW/UpcdL8I6XD7uYwHwYDVR0jBBgwFoAUS6PFoN5dg+/nW/UpcdL8I6XD
7uYwDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNJADBGAiEAwToPHuyYGuKA
j+PKmMfprz0O9Hhx7AX2JeH1F17xYIQCIQDMLBH77YddltcigfGEKY4HC/3Ug1zP
jI0x4vgx0UQzJg==
-----END CERTIFICATE-----
"""


@pytest.mark.parametrize(
    ("system", "present", "expected"),
    [
        ("Linux", {"update-ca-certificates", router_trust.DEBIAN_FOLDER}, "debian"),
        ("Linux", {"update-ca-trust", router_trust.RHEL_FOLDER}, "rhel"),
        ("Darwin", {"security"}, "macos"),
        # The command without its folder, or the folder alone: not that family.
        ("Linux", {"update-ca-certificates"}, ""),
        ("Linux", {router_trust.DEBIAN_FOLDER, "update-ca-trust"}, ""),
        ("Linux", set(), ""),
        ("Darwin", set(), ""),
        ("Windows", {"update-ca-certificates", router_trust.DEBIAN_FOLDER}, ""),
        # Both present (a Debian with p11-kit's update-ca-trust): Debian's.
        (
            "Linux",
            {
                "update-ca-certificates",
                router_trust.DEBIAN_FOLDER,
                "update-ca-trust",
                router_trust.RHEL_FOLDER,
            },
            "debian",
        ),
    ],
)
def test_the_family_is_read_from_the_system_its_commands_and_folders(
    system: str, present: set[str], expected: str
) -> None:
    assert router_trust.family(system, present.__contains__) == expected


def test_debian_copies_then_updates_and_takes_the_copy_back() -> None:
    plan = router_trust.plan("debian", "dockhand-router", "/tmp/x/r.crt", sudo=False)
    assert plan is not None
    target = "/usr/local/share/ca-certificates/dockhand-router.crt"
    assert plan.target == target
    assert plan.steps == [
        ["install", "-m", "0644", "/tmp/x/r.crt", target],
        ["update-ca-certificates"],
    ]
    assert plan.undo == [["rm", "-f", target]]


def test_rhel_copies_into_the_anchors_then_updates_through_sudo() -> None:
    plan = router_trust.plan("rhel", "dhtest-router-1", "/tmp/x/r.crt", sudo=True)
    assert plan is not None
    target = "/etc/pki/ca-trust/source/anchors/dhtest-router-1.crt"
    assert plan.steps == [
        ["sudo", "install", "-m", "0644", "/tmp/x/r.crt", target],
        ["sudo", "update-ca-trust"],
    ]
    assert plan.undo == [["sudo", "rm", "-f", target]]
    assert plan.shown() == (
        f"sudo install -m 0644 /tmp/x/r.crt {target}; sudo update-ca-trust"
    )


def test_macos_adds_a_trusted_root_to_the_system_keychain() -> None:
    plan = router_trust.plan("macos", "dockhand-router", "/tmp/x/r.crt", sudo=True)
    assert plan is not None
    assert plan.steps == [
        [
            "sudo", "security", "add-trusted-cert", "-d", "-r", "trustRoot",
            "-k", "/Library/Keychains/System.keychain", "/tmp/x/r.crt",
        ]
    ]  # fmt: skip
    assert plan.undo == []  # one command: nothing made before it fails


def test_an_unknown_family_has_no_plan() -> None:
    assert router_trust.plan("", "dockhand-router", "/tmp/r.crt", sudo=False) is None


def test_the_files_of_a_routers_root_are_the_default_routers_and_the_named_one() -> (
    None
):
    assert router_trust.own_files({}) == ("dockhand-router.crt",)
    assert router_trust.own_files({"DOCKHAND_ROUTER": "off"}) == (
        "dockhand-router.crt",
    )
    assert router_trust.own_files({"DOCKHAND_ROUTER": " dhtest-r1 "}) == (
        "dhtest-r1.crt",
        "dockhand-router.crt",
    )
    # A name that is no container name is up's error, not this one's.
    assert router_trust.own_files({"DOCKHAND_ROUTER": "../x"}) == (
        "dockhand-router.crt",
    )


def test_the_keychain_listing_is_searched_by_sha256() -> None:
    fingerprint = "ab" * 32
    listing = (
        "SHA-256 hash: 0000000000000000000000000000000000000000000000000000000000000000\n"
        "SHA-1 hash: " + "AB" * 20 + "\n"
        'keychain: "/Library/Keychains/System.keychain"\n'
        "SHA-256 hash: " + "AB" * 32 + "\n"
    )
    assert router_trust.in_keychain(listing, fingerprint)
    assert not router_trust.in_keychain(listing, "cd" * 32)
    # A SHA-1 that starts the same is no match.
    assert not router_trust.in_keychain("SHA-1 hash: " + "AB" * 32, fingerprint)
    assert router_trust.keychain_argv() == [
        "security", "find-certificate", "-a", "-Z", "/Library/Keychains/System.keychain",
    ]  # fmt: skip
