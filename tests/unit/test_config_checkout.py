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


def test_own_name_cuts_a_long_folder_name_at_40_without_a_trailing_dash() -> None:
    long = checkout.own_name(Path("/x/" + "a" * 39 + "-tail"))
    assert long.rpartition("-")[0] == "a" * 39  # cut at 40, the dash dropped
    assert len(checkout.own_name(Path("/x/" + "b" * 50)).rpartition("-")[0]) == 40


def test_identity_keeps_the_name_and_the_marker_it_read() -> None:
    root = Path("/work/b")
    gone = Path("/work/old")
    asked: list[Path] = []

    def exists(path: Path) -> bool:
        asked.append(path)
        return path != gone

    read = checkout.identity
    assert read({MARKER_VAR: "/work/a"}, root) == checkout.Identity(
        "none", "", "/work/a"
    )
    assert read({NAME_VAR: "x-1"}, root) == checkout.Identity("explicit", "x-1", "")
    assert read({NAME_VAR: "b-1", MARKER_VAR: "/work/b"}, root) == checkout.Identity(
        "own", "b-1", "/work/b"
    )
    assert read(
        {NAME_VAR: "o-1", MARKER_VAR: str(gone)}, root, exists
    ) == checkout.Identity("moved", "o-1", "/work/old")
    assert read(
        {NAME_VAR: "a-1", MARKER_VAR: "/work/a"}, root, exists
    ) == checkout.Identity("copied", "a-1", "/work/a")
    assert asked == [gone, Path("/work/a")]  # the folder the marker names


def test_copied_message_names_the_checkout_its_project_and_what_is_at_stake() -> None:
    found = checkout.Identity("copied", "a-1", "/work/a")
    assert checkout.copied_message(found, ".env") == (
        ".env was copied from the checkout /work/a: it names that checkout's "
        "project 'a-1', so this checkout would drive its containers and data"
    )


def test_set_keys_keeps_a_last_line_without_newline_as_it_was() -> None:
    note = "set by setup"
    assert checkout.set_keys("A=1", {"A": "2"}, note) == "A=2"
    assert checkout.set_keys("A=1", {"B": "2"}, note) == "A=1\n\n# set by setup\nB=2\n"
    assert checkout.set_keys("A=1\n", {"B": "2", "C": "3"}, note) == (
        "A=1\n\n# set by setup\nB=2\nC=3\n"
    )
    assert checkout.set_keys("", {"B": "2"}, note) == "\n# set by setup\nB=2\n"


def test_choose_ports_probes_each_port_once_and_gives_up_after_399() -> None:
    probed: list[int] = []

    def never(port: int) -> bool:
        probed.append(port)
        return False

    chosen = checkout.choose_ports({"A_PORT": 1000}, [], never)
    assert len(probed) == 399 == len(set(probed))
    assert probed[:2] == [1000, 1100]
    assert chosen == {"A_PORT": 1000 + 399 * 100}  # the next one, untried


def test_choose_ports_wraps_past_65535_into_20000_to_31999() -> None:
    def free(port: int) -> bool:
        return True

    # 65535 is a port still: it is kept, not wrapped.
    assert checkout.choose_ports({"A_PORT": 65435}, [65435], free) == {"A_PORT": 65535}
    # 65536 is not: it wraps, to a port in 20000..31999 that depends on it.
    assert checkout.choose_ports({"A_PORT": 65436}, [65436], free) == {"A_PORT": 22752}
    wrapped = checkout.choose_ports({"A_PORT": 65500}, [65500], free)["A_PORT"]
    assert wrapped == 20000 + (65600 * 7) % 12000 == 23200


def test_host_name_of_a_name_that_is_not_a_host_label_is_localhost() -> None:
    assert checkout.host_name("appX") == "localhost"  # upper case: no host label
    assert checkout.host_name("-app-") == "app.localhost"
