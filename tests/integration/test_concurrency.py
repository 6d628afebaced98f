"""Two commands at once on one project run one after the other: the second
says whom it waits for, both succeed, and the project has one network (two
racing `up`s made it twice, and every later `up` failed on the ambiguous
name)."""

from __future__ import annotations

import secrets
import subprocess
import sys
from pathlib import Path

from harness import duplicate_network, output, project_stack, wait_for

from dockhand.docker import compose_cache

NOTES = Path(__file__).parent / "projects" / "notes"


def test_two_ups_at_once_take_turns(tmp_path: Path, base_image: None) -> None:
    s = project_stack(NOTES, tmp_path, NOTES_PASSWORD=secrets.token_urlsafe(16))
    lock = compose_cache.location() / "locks" / f"{s.project}.lock"

    def start() -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, "-m", "invoke", "up", "--build"],
            cwd=s.root,
            env=s.env(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    try:
        first = start()
        wait_for(
            lambda: (
                first.poll() is not None
                or (lock.exists() and f"pid {first.pid}" in lock.read_text())
            ),
            timeout=60,
            what="the first up to hold the project's lock",
        )
        second = start()
        _, first_err = first.communicate(timeout=600)
        _, second_err = second.communicate(timeout=600)
        assert first.returncode == 0, first_err
        assert second.returncode == 0, second_err
        assert f"waiting for inv up (pid {first.pid})" in second_err, second_err
        networks = subprocess.run(
            [
                *("docker", "network", "ls", "-q", "--filter"),
                f"label=com.docker.compose.project={s.project}",
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        assert len(networks.stdout.split()) == 1, output(networks)
    finally:
        s.destroy()


CRASHLOOP = Path(__file__).parent / "projects" / "crashloop"


def networks_named(name: str) -> list[str]:
    return subprocess.run(
        [
            "docker",
            "network",
            "ls",
            "--quiet",
            "--no-trunc",
            "--filter",
            f"name=^{name}$",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()


def test_up_repairs_a_project_left_with_duplicate_networks(tmp_path: Path) -> None:
    """The state two racing `up`s left before the lock: a second network of
    the same name and labels. `inv up` removes the empty one, says so, and
    starts; the network in use, and its container, stay."""
    import docker

    s = project_stack(CRASHLOOP, tmp_path)
    client = docker.from_env()
    try:
        assert s.inv("up", "base").returncode == 0
        name = f"{s.project}_default"
        [kept] = networks_named(name)
        labels = client.networks.get(kept).attrs["Labels"]
        extra = duplicate_network(name, labels)
        if extra is None:
            return  # this engine refuses the duplicate: checked, nothing to repair
        assert sorted(networks_named(name)) == sorted([kept, extra])
        base = s.compose("ps", "--quiet", "base").stdout.strip()

        result = s.inv("up", "web")

        assert result.returncode == 0, output(result)
        lines = [line for line in result.stderr.splitlines() if extra[:12] in line]
        assert lines == [
            f"warning: removing the empty duplicate network {name} "
            f"({extra[:12]}); keeping {kept[:12]}"
        ], output(result)
        assert networks_named(name) == [kept]
        assert s.compose("ps", "--quiet", "base").stdout.strip() == base
        assert s.compose("ps", "--quiet", "web").stdout.strip()
    finally:
        s.destroy()
        for leftover in networks_named(f"{s.project}_default"):
            subprocess.run(["docker", "network", "rm", leftover], capture_output=True)
