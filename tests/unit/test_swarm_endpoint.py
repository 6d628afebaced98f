"""Which Swarm manager a deploy talks to, and whether it is one."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pytest

from dockhand.errors import DockhandError
from dockhand.process import Captured
from dockhand.settings import load
from dockhand.swarm import argv
from dockhand.swarm.endpoint import Manager, choose, require_manager


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
