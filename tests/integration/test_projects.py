"""Two checkouts of this repository on one engine, set up one after the
other with no project name configured: each its own project, ports and
volumes; a copied .env is caught; data made with another password is one
line in seconds; `inv ls` sees both, `inv gc` removes what a deleted one
left; `inv setup --data-from` copies a database; a checkout from before
names of its own keeps its stack.

The clones are copies of this tree (its tracked and new files, as `git
clone` would give after a commit). Their .env.example gets free ports as
its defaults, so the first clone keeping "the defaults" never needs the
real default ports, which another checkout may be using.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from dotenv import dotenv_values
from harness import containers_of as container_ids
from harness import copy_checkout, free_port, output, remove_images, sql
from harness import volumes_of as volumes

SETUP_TIMEOUT = 1200
PORT_KEYS = (
    "POSTGRES_PORT",
    "REDIS_PORT",
    "BACKEND_PORT",
    "BACKEND_TS_PORT",
    "MINIO_PORT",
)


@dataclass
class Checkout:
    root: Path
    cache: Path

    def env(self, **extra: str) -> dict[str, str]:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("INVOKE_DOCKHAND_", "COMPOSE_"))
        }
        env.update(
            NO_COLOR="1",
            PYTHONPATH=str(self.root / "src"),
            DOCKHAND_CACHE_DIR=str(self.cache),
            **extra,
        )
        return env

    def inv(
        self, *args: str, timeout: float = 600, **extra: str
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "invoke", *args],
            cwd=self.root,
            env=self.env(**extra),
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
            check=False,
        )

    def compose(self, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
        """Plain `docker compose` in the checkout: no -p, no -f, as a developer types it."""
        return subprocess.run(
            ["docker", "compose", *args],
            cwd=self.root,
            env=self.env(**extra),
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )

    @property
    def values(self) -> dict[str, str]:
        return {k: v or "" for k, v in dotenv_values(self.root / ".env").items()}

    @property
    def project(self) -> str:
        return self.values.get("COMPOSE_PROJECT_NAME", "")

    def sql(self, query: str) -> str:
        return sql(self, query)


def destroy(project: str) -> None:
    if not project:
        return
    subprocess.run(
        [
            "docker",
            "compose",
            "-p",
            project,
            "down",
            "--volumes",
            "--remove-orphans",
            "-t",
            "2",
        ],
        capture_output=True,
        timeout=300,
        check=False,
    )
    for ids in [container_ids(project)]:
        if ids:
            subprocess.run(
                ["docker", "rm", "-f", *ids], capture_output=True, check=False
            )
    if found := volumes(project):
        subprocess.run(
            ["docker", "volume", "rm", *found], capture_output=True, check=False
        )
    remove_images(project)


def one_error(result: subprocess.CompletedProcess[str]) -> str:
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "Traceback" not in result.stderr, output(result)
    return errors[0]


@dataclass
class Pair:
    a: Checkout
    b: Checkout
    defaults: dict[str, str]
    made: list[str]


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    base = tmp_path_factory.mktemp("checkouts")
    cache = base / "cache"
    a_root = base / "one" / "neuroagent"
    b_root = base / "two" / "neuroagent"  # the same folder name: the old clash
    for root in (a_root, b_root):
        copy_checkout(root)
    defaults = {key: str(free_port()) for key in PORT_KEYS}
    for root in (a_root, b_root):
        example = root / ".env.example"
        text = example.read_text()
        for key, port in defaults.items():
            text = re.sub(rf"^{key}=\d+$", f"{key}={port}", text, flags=re.MULTILINE)
        example.write_text(text)
    made: list[str] = []
    found = Pair(Checkout(a_root, cache), Checkout(b_root, cache), defaults, made)
    try:
        yield found
    finally:
        for project in {*made, found.a.project, found.b.project}:
            destroy(project)


@pytest.fixture(scope="module")
def first(pair: Pair) -> Pair:
    """The first clone set up: its own name, the (free) defaults kept."""
    setup = pair.a.inv("setup", timeout=SETUP_TIMEOUT)
    pair.made.append(pair.a.project)
    assert setup.returncode == 0, output(setup)
    # A row only the first checkout's database holds: the tests that copy,
    # delete or share data look for it, in whatever order they run.
    pair.a.sql("CREATE TABLE marks (v text); INSERT INTO marks VALUES ('from-a')")
    return pair


def test_the_first_checkout_gets_its_own_name_and_keeps_the_default_ports(
    first: Pair,
) -> None:
    a = first.a
    assert re.fullmatch(r"neuroagent-[0-9a-f]{6}", a.project), a.values
    assert a.values["DOCKHAND_CHECKOUT"] == str(a.root)
    assert {k: a.values[k] for k in PORT_KEYS} == first.defaults
    # plain docker compose in the checkout sees the same project
    listed = a.compose("ps", "--format", "{{.Name}}")
    assert listed.returncode == 0 and listed.stdout.split(), listed.stderr
    assert all(name.startswith(a.project + "-") for name in listed.stdout.split())


@pytest.fixture(scope="module")
def both(first: Pair) -> Pair:
    """The second clone, with the first one's .env copied in (as worktree
    guides say to), refused until `inv setup` gives it its own identity."""
    a, b = first.a, first.b
    shutil.copy2(a.root / ".env", b.root / ".env")
    before = sorted(container_ids(a.project))
    refused = b.inv("up")
    assert refused.returncode == 1, output(refused)
    line = one_error(refused)
    assert f"copied from the checkout {a.root}" in line and a.project in line
    assert "run `inv setup`" in refused.stderr
    assert sorted(container_ids(a.project)) == before  # nothing of A's touched
    doctor = b.inv("doctor")
    assert (
        doctor.returncode == 1 and "FAIL  project name" in doctor.stdout + doctor.stderr
    )
    started = time.monotonic()
    setup = b.inv("setup", timeout=SETUP_TIMEOUT)
    pair_seconds = time.monotonic() - started
    first.made.append(b.project)
    assert setup.returncode == 0, output(setup)
    assert f"copied from {a.root}" in " ".join(setup.stderr.split())
    print(f"second checkout set up in {pair_seconds:.1f} s")
    return first


def test_two_checkouts_run_at_once_on_their_own_ports_and_volumes(both: Pair) -> None:
    a, b = both.a, both.b
    assert b.project != a.project and b.project.startswith("neuroagent-")
    assert b.values["DOCKHAND_CHECKOUT"] == str(b.root)
    a_ports = {a.values[k] for k in PORT_KEYS}
    b_ports = {b.values[k] for k in PORT_KEYS}
    assert not a_ports & b_ports, (a_ports, b_ports)
    assert set(volumes(a.project)).isdisjoint(volumes(b.project))
    assert volumes(a.project) and volumes(b.project)
    for c in (a, b):
        ps = c.inv("ps", "--json")
        assert ps.returncode == 0, output(ps)
        rows = json.loads(ps.stdout)
        assert {r["service"] for r in rows} == {"db", "redis", "backend", "backend-ts"}
        assert all(
            r["health"] in ("healthy", "") and r["state"] == "running" for r in rows
        )
        migrated = c.inv("migrate", "--status")
        assert migrated.returncode == 0 and "0001" in migrated.stdout + migrated.stderr
    # each prints its own URLs, under a host of its own
    up = b.inv("up")
    assert (
        f"http://{b.project}.localhost:{b.values['BACKEND_PORT']}/healthz" in up.stderr
    )


def test_rows_stay_in_their_checkout_and_down_volumes_leaves_the_other(
    both: Pair,
) -> None:
    a, b = both.a, both.b
    assert b.sql("SELECT to_regclass('marks') IS NULL") == "t"
    down = b.inv("down", "--volumes", "--yes")
    assert down.returncode == 0, output(down)
    assert volumes(b.project) == []
    assert a.sql("SELECT v FROM marks") == "from-a"
    again = b.inv("up")
    assert again.returncode == 0, output(again)


def test_data_made_with_another_password_is_one_line_in_seconds(both: Pair) -> None:
    """The measured scenario: a second checkout pointed at the first's
    project (a name set by hand shares it) with another password."""
    a, b = both.a, both.b
    before = sorted(container_ids(a.project))
    shared = {
        "COMPOSE_PROJECT_NAME": a.project,
        "POSTGRES_PASSWORD": "not-the-one",
        **{k: a.values[k] for k in PORT_KEYS},  # the same stack, as a clone would
    }
    started = time.monotonic()
    up = b.inv("up", **shared)
    seconds = time.monotonic() - started
    print(f"another password against the first checkout's data: {seconds:.1f} s")
    assert up.returncode == 1, output(up)
    line = one_error(up)
    assert f"volume {a.project}_db-data (made 20" in line
    assert "initialised with another POSTGRES_PASSWORD than .env has" in line
    assert "restore the .env it was made with" in up.stderr
    assert "inv down --volumes" in up.stderr
    # Far below the 180 s wait for health it spares (measured 2-5 s alone,
    # up to 9 s on a loaded machine; parallel workers load it more).
    assert seconds < 60
    assert sorted(container_ids(a.project)) == before  # checked before anything changed
    doctor = b.inv("doctor", **shared)
    assert "FAIL  database login" in doctor.stdout + doctor.stderr, output(doctor)
    mine = a.inv("doctor")
    assert re.search(
        r"ok\s+database login\s+POSTGRES_PASSWORD matches", mine.stdout + mine.stderr
    ), output(mine)
    # The database not running yet, its volume there: started alone, asked
    # as soon as it is healthy, stopped again; no backend started.
    assert a.inv("down").returncode == 0
    started = time.monotonic()
    cold = b.inv("up", **shared)
    seconds = time.monotonic() - started
    print(f"the same, the database not running before: {seconds:.1f} s")
    assert cold.returncode == 1, output(cold)
    assert "(db is stopped again)" in one_error(cold)
    # a database start included (4.6-9.3 s measured on a loaded machine),
    # still far below the 180 s wait for health
    assert seconds < 60
    running = subprocess.run(
        [
            "docker",
            "ps",
            "-q",
            "--filter",
            f"label=com.docker.compose.project={a.project}",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert running.stdout.split() == []
    back = a.inv("up")
    assert back.returncode == 0, output(back)


def test_a_busy_port_names_its_holder_and_the_command_that_moves(both: Pair) -> None:
    a, b = both.a, both.b
    taken = a.values["BACKEND_PORT"]
    down = b.inv("down")
    assert down.returncode == 0, output(down)
    env = b.root / ".env"
    saved = env.read_text()
    env.write_text(
        re.sub(r"^BACKEND_PORT=\d+$", f"BACKEND_PORT={taken}", saved, flags=re.M)
    )
    up = b.inv("up")
    assert up.returncode == 1, output(up)
    line = one_error(up)
    assert f"port {taken} in use by container {a.project}-backend-1" in line
    assert "`inv setup --new-ports`" in up.stderr
    doctor = b.inv("doctor")
    said = doctor.stdout + doctor.stderr
    assert f"FAIL  port {taken}" in said and "inv setup --new-ports" in said
    moved = b.inv("setup", "--new-ports", timeout=SETUP_TIMEOUT)
    assert moved.returncode == 0, output(moved)
    assert b.values["BACKEND_PORT"] != taken
    assert not {b.values[k] for k in PORT_KEYS} & {a.values[k] for k in PORT_KEYS}


def test_ls_lists_both_checkouts_with_paths_ports_and_volumes(both: Pair) -> None:
    a, b = both.a, both.b
    listed = a.inv("ls", "--json")
    assert listed.returncode == 0, output(listed)
    rows = {r["name"]: r for r in json.loads(listed.stdout)}
    for c in (a, b):
        row = rows[c.project]
        assert row["path"] == str(c.root) and row["exists"] is True
        assert row["dockhand"] is True and row["running"] == 4
        assert int(c.values["BACKEND_PORT"]) in row["ports"]
        assert {v["name"] for v in row["volumes"]} == set(volumes(c.project))
    table = a.inv("ls")
    assert a.project in table.stdout and "PROJECT" in table.stdout


def test_setup_data_from_copies_another_checkouts_database(
    both: Pair, tmp_path: Path
) -> None:
    a = both.a
    c = Checkout(tmp_path / "three" / "neuroagent", a.cache)
    copy_checkout(c.root)
    shutil.copy2(a.root / ".env.example", c.root / ".env.example")
    before = sorted(container_ids(a.project))
    setup = c.inv("setup", "--data-from", str(a.root), timeout=SETUP_TIMEOUT)
    both.made.append(c.project)
    try:
        assert setup.returncode == 0, output(setup)
        assert "setup 5/6: data" in setup.stderr
        assert c.sql("SELECT v FROM marks") == "from-a"
        assert a.sql("SELECT v FROM marks") == "from-a"
        assert sorted(container_ids(a.project)) == before  # kept running
        # A checkout from before names of its own (no name in .env) keeps
        # the stack Compose made from its folder.
        env = c.root / ".env"
        own = c.project
        env.write_text(
            "".join(
                line
                for line in env.read_text().splitlines(keepends=True)
                if not line.startswith(("COMPOSE_PROJECT_NAME=", "DOCKHAND_CHECKOUT="))
            )
        )
        up = c.inv("up")
        assert up.returncode == 1, output(up)
        assert f"runs as project {own!r}" in one_error(up)
        assert "run `inv setup` once" in up.stderr
        doctor = c.inv("doctor")
        assert f"containers run as project {own!r}" in doctor.stdout + doctor.stderr
        again = c.inv("setup", timeout=SETUP_TIMEOUT)
        assert again.returncode == 0, output(again)
        assert c.project == own
        assert "its containers were made from this folder" in " ".join(
            again.stderr.split()
        )
        assert c.sql("SELECT v FROM marks") == "from-a"
    finally:
        destroy(c.project)


def test_gc_removes_what_a_deleted_checkout_left_and_keeps_its_volumes(
    both: Pair, tmp_path: Path
) -> None:
    """A third checkout of its own is set up and its folder deleted, so the
    pair stays whole for the tests that run after this one."""
    a = both.a
    d = Checkout(tmp_path / "four" / "neuroagent", a.cache)
    copy_checkout(d.root)
    shutil.copy2(a.root / ".env.example", d.root / ".env.example")
    setup = d.inv("setup", timeout=SETUP_TIMEOUT)
    gone = d.project
    both.made.append(gone)
    assert setup.returncode == 0, output(setup)
    assert container_ids(gone) and volumes(gone)
    shutil.rmtree(d.root)
    dry = a.inv("--dry", "gc")
    assert dry.returncode == 0, output(dry)
    text = " ".join(dry.stderr.split())
    assert f"{gone} (was {d.root})" in text and f"volume {gone}_db-data" in text
    assert a.project not in text  # a checkout that exists is never a leftover
    refused = a.inv("gc", "--project", gone)
    assert refused.returncode == 1 and "without a terminal" in one_error(refused)
    assert container_ids(gone)
    removed = a.inv("gc", "--yes", "--project", gone)
    assert removed.returncode == 0, output(removed)
    assert container_ids(gone) == []
    assert volumes(gone), "volumes are kept without --volumes"
    images = subprocess.run(
        ["docker", "image", "ls", "-q", "--filter", f"reference={gone}-*"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert images.stdout.split() == []
    purged = a.inv("gc", "--volumes", "--yes", "--project", gone)
    assert purged.returncode == 0, output(purged)
    assert volumes(gone) == []
    assert len(container_ids(a.project)) == 4  # the other checkout untouched
    assert a.sql("SELECT v FROM marks") == "from-a"
