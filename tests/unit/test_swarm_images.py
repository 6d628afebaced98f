"""Immutable tags, digests, which services a deploy builds, the endpoint."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from dockhand.errors import DockhandError
from dockhand.process import Captured
from dockhand.settings import load
from dockhand.swarm import argv
from dockhand.swarm.endpoint import Manager, choose, require_manager
from dockhand.swarm.images import (
    built_services,
    digest_of,
    immutable_tag,
    require_registry,
)


def test_the_tag_is_the_commit_and_the_content() -> None:
    assert (
        immutable_tag("0123456789ab", "sha256:fedcba9876543210")
        == "0123456789ab-fedcba987654"
    )
    assert immutable_tag("", "sha256:fedcba9876543210") == "nocommit-fedcba987654"


def test_the_digest_is_read_for_the_pushed_repository_only() -> None:
    digests = ["other/web@sha256:1", "127.0.0.1:5000/shop/web@sha256:2"]
    assert digest_of(digests, "127.0.0.1:5000/shop/web") == "sha256:2"
    assert digest_of(digests, "127.0.0.1:5000/shop/db") == ""


def test_only_services_with_a_build_are_built_under_composes_image_names() -> None:
    model = {
        "name": "shop",
        "services": {
            "web": {"build": {}},
            "api": {"build": {}, "image": "me/api"},
            "cache": {"image": "redis"},
        },
    }
    assert built_services(model) == {"web": "shop-web", "api": "me/api"}


def test_no_registry_or_one_that_does_not_answer_is_one_line() -> None:
    with pytest.raises(DockhandError, match=r"dockhand\.deploy_registry is not set"):
        require_registry("")
    with pytest.raises(
        DockhandError,
        match=r"^the registry 127.0.0.1:9 does not answer .*nothing was built",
    ):
        require_registry("127.0.0.1:9", timeout=2)


def test_the_stack_is_deployed_without_asking_the_registry_again() -> None:
    command = argv.stack_deploy("unix:///m.sock", "shop", Path("/tmp/s.yml"))
    assert command == [
        "docker", "--host", "unix:///m.sock", "stack", "deploy",
        "--compose-file", "/tmp/s.yml", "--resolve-image", "never", "shop",
    ]  # fmt: skip


def test_a_migration_job_runs_once_on_the_stack_network() -> None:
    command = argv.job(
        "ssh://m",
        "shop_migrate-web",
        "shop",
        "r/web@sha256:1",
        "shop_default",
        {"B": "2", "A": "1"},
        ("alembic", "upgrade", "head"),
    )
    assert command[:3] == ["docker", "--host", "ssh://m"]
    assert command[command.index("--mode") + 1] == "replicated-job"
    assert command[command.index("--restart-condition") + 1] == "none"
    assert command[command.index("--network") + 1] == "shop_default"
    assert command[-4:] == ["r/web@sha256:1", "alembic", "upgrade", "head"]
    assert command.index("A=1") < command.index("B=2")


@dataclass
class Answers:
    """A runner whose probes answer from a table keyed by argv."""

    table: dict[tuple[str, ...], tuple[int, str]] = field(default_factory=dict)
    dry: bool = False

    def capture(
        self, command: Sequence[str], *, timeout: float | None = None
    ) -> Captured:
        code, out = self.table.get(tuple(command), (1, ""))
        return Captured(tuple(command), code, out, "" if code == 0 else "no such thing")


def settings(**section: object):  # type: ignore[no-untyped-def]
    return load({"root": "/tmp", **section})


LAB = tuple(argv.context_host("swarm-lab"))


def test_the_endpoint_setting_wins_then_docker_host_then_the_lab() -> None:
    lab = Answers({LAB: (0, "unix:///run/lab.sock\n")})
    assert (
        choose(
            settings(deploy_endpoint="ssh://me@m1"), {"DOCKER_HOST": "tcp://x"}, lab
        ).host
        == "ssh://me@m1"
    )  # type: ignore[arg-type]
    assert (
        choose(settings(), {"DOCKER_HOST": "tcp://x:2375"}, lab).source == "DOCKER_HOST"
    )  # type: ignore[arg-type]
    found = choose(settings(), {}, lab)  # type: ignore[arg-type]
    assert (found.host, found.source) == ("unix:///run/lab.sock", "context swarm-lab")


def test_without_the_lab_the_current_context_is_used() -> None:
    runner = Answers(
        {
            tuple(argv.current_context()): (0, "default\n"),
            tuple(argv.context_host("default")): (0, "unix:///var/run/docker.sock\n"),
        }
    )
    assert choose(settings(), {}, runner).host == "unix:///var/run/docker.sock"  # type: ignore[arg-type]


def test_a_context_that_is_not_there_is_one_line() -> None:
    with pytest.raises(
        DockhandError,
        match=r"the Docker context 'prod' \(dockhand.deploy_endpoint\) does not exist",
    ):
        choose(settings(deploy_endpoint="prod"), {}, Answers())  # type: ignore[arg-type]


def test_an_engine_that_is_not_a_manager_is_refused() -> None:
    m = Manager("unix:///x.sock", "DOCKER_HOST")
    worker = Answers(
        {tuple(argv.swarm_info(m.host)): (0, '{"LocalNodeState":"inactive"}|box')}
    )
    with pytest.raises(DockhandError, match="is not a Swarm manager"):
        require_manager(m, worker)  # type: ignore[arg-type]
    with pytest.raises(
        DockhandError,
        match=r"^the Swarm manager at unix:///x.sock \(DOCKER_HOST\) does not answer: no such thing \(",
    ):
        require_manager(m, Answers())  # type: ignore[arg-type]
    manager = Answers(
        {
            tuple(argv.swarm_info(m.host)): (
                0,
                '{"LocalNodeState":"active","ControlAvailable":true,"Cluster":{"ID":"c1"}}|m1',
            )
        }
    )
    assert require_manager(m, manager) == Manager(m.host, m.source, "m1", "c1")  # type: ignore[arg-type]
