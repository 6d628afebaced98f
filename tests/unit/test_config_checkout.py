"""A checkout's own identity: its name, the marker that tells a copied env
file, the env file rewritten in place, ports chosen past the taken ones."""

from __future__ import annotations

from pathlib import Path

from dockhand.config import checkout
from dockhand.config.checkout import MARKER_VAR, NAME_VAR


def test_own_name_is_stable_readable_and_differs_per_path() -> None:
    a = checkout.own_name(Path("/home/ann/neuroagent"))
    assert a == checkout.own_name(Path("/home/ann/neuroagent"))
    assert a.startswith("neuroagent-") and len(a) == len("neuroagent-") + 6
    assert a != checkout.own_name(Path("/tmp/review/neuroagent"))
    assert checkout.own_name(Path("/x/My Shop.v2")).startswith("myshopv2-")
    assert checkout.own_name(Path("/x/___")).startswith("project-")


def test_identity_tells_own_copied_moved_explicit_and_none() -> None:
    root = Path("/work/b")
    here = {NAME_VAR: "b-1", MARKER_VAR: "/work/b"}
    assert checkout.identity(here, root).kind == "own"
    copied = checkout.identity(
        {NAME_VAR: "a-1", MARKER_VAR: "/work/a"}, root, lambda p: True
    )
    assert (copied.kind, copied.name, copied.marker) == ("copied", "a-1", "/work/a")
    assert copied.needs_name
    moved = checkout.identity(
        {NAME_VAR: "a-1", MARKER_VAR: "/old/a"}, root, lambda p: False
    )
    assert moved.kind == "moved" and not moved.needs_name
    assert checkout.identity({NAME_VAR: "shared"}, root).kind == "explicit"
    assert checkout.identity({}, root).kind == "none"


def test_set_keys_replaces_lines_and_appends_the_rest() -> None:
    text = "# a comment\nA=1\nexport COMPOSE_PROJECT_NAME=old\nB=2"
    out = checkout.set_keys(text, {NAME_VAR: "new", MARKER_VAR: "/w"}, "note")
    assert out == (
        "# a comment\nA=1\nCOMPOSE_PROJECT_NAME=new\nB=2\n\n# note\nDOCKHAND_CHECKOUT=/w\n"
    )
    assert checkout.set_keys("A=1\n", {}, "note") == "A=1\n"


def test_port_keys_are_numeric_port_variables() -> None:
    values = {"BACKEND_PORT": "8078", "X_PORT": "", "NAME": "8", "Y_PORT": "abc"}
    assert checkout.port_keys(values) == {"BACKEND_PORT": 8078}


def test_choose_ports_keeps_free_defaults_and_steps_past_taken_ones() -> None:
    wanted = {"BACKEND_PORT": 8078, "DB_PORT": 5432}
    assert checkout.choose_ports(wanted, set(), lambda p: True) == wanted
    moved = checkout.choose_ports(wanted, {8078, 8178}, lambda p: p != 5432)
    assert moved == {"BACKEND_PORT": 8278, "DB_PORT": 5532}
    # two keys never get the same port
    same = checkout.choose_ports(
        {"A_PORT": 9000, "B_PORT": 9000}, set(), lambda p: True
    )
    assert same == {"A_PORT": 9000, "B_PORT": 9100}


def test_host_name_is_the_project_under_localhost() -> None:
    assert checkout.host_name("shop-3f9c2a") == "shop-3f9c2a.localhost"
    assert checkout.host_name("my_shop") == "my-shop.localhost"
    assert checkout.host_name("") == "localhost"
    assert checkout.host_name("x" * 70) == "localhost"
