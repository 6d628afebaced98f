"""Which Swarm manager a deploy talks to, and whether it is one."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pytest

from dockhand.config.settings import load
from dockhand.docker.process import Captured
from dockhand.errors import DockhandError
from dockhand.swarm import argv
from dockhand.swarm.endpoint import Manager, cause, choose, require_manager, ssh_check


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


CLI_OVER_SSH = (
    'error during connect: Get "http://docker.example.com/v1.50/info": command '
    "[ssh -o ConnectTimeout=30 -T -l root -p 1 -- 127.0.0.1 docker system "
    "dial-stdio] has exited with exit status 255, make sure the URL is valid, and "
    "Docker 18.09 or later is installed on the remote host: stderr=%s\n"
)


@pytest.mark.parametrize(
    ("stderr", "said"),
    [
        (
            CLI_OVER_SSH % "ssh: connect to host 127.0.0.1 port 1: Connection refused",
            "ssh: connect to host 127.0.0.1 port 1: Connection refused",
        ),
        (
            CLI_OVER_SSH
            % "No ED25519 host key is known for [m1]:22 and you have requested "
            "strict checking.\nHost key verification failed.",
            "No ED25519 host key is known for [m1]:22 and you have requested "
            "strict checking. Host key verification failed.",
        ),
        (
            "Cannot connect to the Docker daemon at http://docker.example.com. "
            "Is the docker daemon running?\n",
            "Cannot connect to the Docker engine of the ssh host. "
            "Is the docker daemon running?",
        ),
        (
            "WARNING: x\nCannot connect to unix:///x.sock\n",
            "Cannot connect to unix:///x.sock",
        ),
        ("", "no answer"),
    ],
    ids=["refused", "host-key", "remote-engine", "last-line", "silent"],
)
def test_the_cause_is_what_ssh_or_the_cli_said_in_a_few_words(
    stderr: str, said: str
) -> None:
    assert cause(stderr) == said


def test_the_ssh_check_to_paste_is_the_dial_without_dial_stdio() -> None:
    assert (
        ssh_check("ssh://deploy@m1:2222") == "ssh -l deploy -p 2222 -- m1 docker info"
    )
    assert ssh_check("ssh://m1/run/d.sock") == (
        "ssh -- m1 docker --host=unix:///run/d.sock info"
    )
    assert ssh_check("ssh://m1:port") == "docker --host ssh://m1:port info"


@dataclass
class Says:
    """A runner whose every probe fails saying `stderr`."""

    stderr: str
    dry: bool = False

    def capture(
        self, command: Sequence[str], *, timeout: float | None = None
    ) -> Captured:
        return Captured(tuple(command), 1, "", self.stderr)


def test_an_ssh_manager_that_does_not_answer_says_what_ssh_said_and_what_to_try() -> (
    None
):
    m = Manager("ssh://root@127.0.0.1:1", "dockhand.deploy_endpoint")
    refused = CLI_OVER_SSH % "ssh: connect to host 127.0.0.1 port 1: Connection refused"
    with pytest.raises(DockhandError) as caught:
        require_manager(m, Says(refused))  # type: ignore[arg-type]
    assert caught.value.message == (
        "the Swarm manager at ssh://root@127.0.0.1:1 (dockhand.deploy_endpoint) "
        "does not answer: ssh: connect to host 127.0.0.1 port 1: Connection refused"
    )
    assert "`ssh -l root -p 1 -- 127.0.0.1 docker info`" in caught.value.hint


def test_an_ssh_url_ssh_cannot_take_is_one_line_not_a_traceback() -> None:
    with pytest.raises(
        DockhandError,
        match=r"cannot reach the Swarm manager at ssh://m1:port \(DOCKER_HOST\): Port",
    ):
        Manager("ssh://m1:port", "DOCKER_HOST").client(Answers())  # type: ignore[arg-type]


BROKEN_PIPE = (
    'error during connect: Get "http://docker.example.com/v1.51/info": '
    "write |1: broken pipe\n"
)


def test_when_the_cli_loses_what_ssh_said_ssh_is_asked_alone() -> None:
    """The docker CLI writes its request to ssh as ssh dies and, losing that
    race, says only "broken pipe" (seen on a loaded machine); ssh asked on
    its own then names the cause."""
    m = Manager("ssh://root@127.0.0.1:1", "dockhand.deploy_endpoint")
    refused = "ssh: connect to host 127.0.0.1 port 1: Connection refused\n"
    runner = Answers()
    runner.capture = lambda command, *, timeout=None: Captured(  # type: ignore[method-assign]
        tuple(command),
        255 if command[0] == "ssh" else 1,
        "",
        refused if command[0] == "ssh" else BROKEN_PIPE,
    )
    with pytest.raises(DockhandError) as caught:
        require_manager(m, runner)  # type: ignore[arg-type]
    assert caught.value.message.endswith(
        "does not answer: ssh: connect to host 127.0.0.1 port 1: Connection refused"
    )
    asked = argv.ssh_reach(m.host)
    assert asked == [
        *("ssh", "-o", "ConnectTimeout=30", "-T", "-o", "BatchMode=yes"),
        *("-l", "root", "-p", "1", "--", "127.0.0.1", "true"),
    ]


def test_when_ssh_alone_gets_through_the_clis_words_stand() -> None:
    m = Manager("ssh://root@127.0.0.1:1", "dockhand.deploy_endpoint")
    runner = Answers({tuple(argv.ssh_reach(m.host)): (0, "")})
    runner.capture = (  # type: ignore[method-assign]
        lambda command, *, timeout=None: (
            Captured(tuple(command), 0, "", "")
            if command[0] == "ssh"
            else Captured(tuple(command), 1, "", BROKEN_PIPE)
        )
    )
    with pytest.raises(DockhandError) as caught:
        require_manager(m, runner)  # type: ignore[arg-type]
    assert caught.value.message.endswith("write |1: broken pipe")
