"""The router's steps (dockhand.steps.router) over a scripted docker: made
on the first free port of the list, saying once where it moved; a race lost
to another `inv up`; the routes set, withdrawn before `inv down`, the router
removed by `inv gc` only when unused; a remote engine is one warning."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from dockhand.config import settings
from dockhand.docker import engine_socket, router_recipe
from dockhand.docker.states import ServiceState
from dockhand.errors import DockhandError
from dockhand.session import Session
from dockhand.steps import router
from helpers import FakeEngine, FakeRunner

NAME = "r-test"


CURRENT = router_recipe.recipe_digest(router_recipe.files(), "")  # files' digest


def inspected(
    port: int,
    networks: tuple[str, ...] = (NAME,),
    running: bool = True,
    tls: int = 0,
    image: str = "dockhand-router:x",
    id_: str = "c1",
) -> str:
    ports = {"8080/tcp": [{"HostIp": "127.0.0.1", "HostPort": str(port)}]}
    if tls:
        ports["8443/tcp"] = [{"HostIp": "127.0.0.1", "HostPort": str(tls)}]
    return json.dumps(
        [
            {
                "Name": f"/{NAME}",
                "Id": id_,
                "State": {"Running": running},
                "Config": {
                    "Image": image,
                    "Labels": {"dockhand.router": NAME},
                },
                "NetworkSettings": {
                    "Ports": ports,
                    "Networks": {n: {} for n in networks},
                },
            }
        ]
    )


class Docker:
    """A scripted docker: the router made by `docker run` on a port not in
    `taken`; the networks and routes it has."""

    def __init__(self, taken: tuple[int, ...] = (), exists: int = 0) -> None:
        self.taken = taken
        self.port = exists
        self.tls = 0
        self.networks = [NAME] if exists else []
        self.routes: list[str] = []
        # The image it runs (another base's, the same files), and its id.
        self.image, self.files, self.made = "dockhand-router:x", CURRENT, 1

    def __call__(self, argv: list[str]) -> tuple[int, str, str]:
        words = argv[1:3]
        if words == ["container", "inspect"]:
            if not self.port:
                return (1, "", "Error: No such container: r-test")
            return (
                0,
                inspected(
                    self.port, tuple(self.networks), tls=self.tls,
                    image=self.image, id_=f"c{self.made}",
                ),
                "",
            )  # fmt: skip
        if words == ["image", "inspect"]:
            return (0, f"{self.files}\n" if "{{index" in argv[4] else "sha256:1\n", "")
        if words == ["network", "ls"]:
            return (0, "proj_default\n", "")
        if words == ["network", "connect"]:
            self.networks.append(argv[3])
        if words == ["network", "disconnect"]:
            self.networks.remove(argv[4])
        if argv[1] == "run":
            publish = [argv[i + 1] for i, a in enumerate(argv) if a == "--publish"]
            port, tls = (int(p.split(":")[1] or 49999) for p in publish)
            for wanted in (port, tls):
                if wanted in self.taken:
                    return (
                        125,
                        "",
                        f"Bind for 127.0.0.1:{wanted} failed: port is already allocated",
                    )
            self.port, self.tls, self.networks = port, tls, [NAME]
            self.image, self.files, self.made = argv[-1], CURRENT, self.made + 1
        if argv[1] == "rm":
            if argv[-1] not in (NAME, f"c{self.made}"):
                return (1, "", f"Error: No such container: {argv[-1]}")
            self.port, self.networks = 0, []
        if argv[1] == "exec":
            verb = argv[4]
            if verb == "set":
                self.routes.append(argv[5])
            elif verb == "rm":
                self.routes.remove(argv[5])
            return (
                0,
                "".join(f"{r}\n" for r in self.routes) if verb == "ls" else "",
                "",
            )
        return (0, "", "")


def running(service: str, container: str, port: str) -> ServiceState:
    return ServiceState(
        service, container, "running", "healthy", 0, (port,), datetime.now(timezone.utc)
    )


STATES = [
    running("backend", "proj-backend-1", "8078/tcp->8100"),
    running("db", "proj-db-1", "5432/tcp->127.0.0.1:5432"),
]


@pytest.fixture
def docker_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCKHAND_ROUTER", NAME)
    monkeypatch.setenv("DOCKHAND_ROUTER_PORTS", "8101,8102")
    monkeypatch.setenv("DOCKHAND_ROUTER_TLS_PORTS", "443")
    monkeypatch.setenv("DOCKER_HOST", "unix:///var/run/docker.sock")
    monkeypatch.setattr(router, "held", lambda port: False)
    monkeypatch.setattr(router, "spare_port", lambda: 49999)


def make(tmp_path: Path, docker: Docker) -> tuple[Session, FakeRunner]:
    runner = FakeRunner(reply=docker)
    config = {
        "root": str(tmp_path),
        "project": "proj",
        "services": {"backend": {"port": 8078, "path": "/healthz"}},
    }
    return Session(settings=settings.load(config), runner=runner), runner


def verbs(runner: FakeRunner) -> list[str]:
    return [
        " ".join(call[1:3]) if call[1] != "exec" else f"exec {call[4]}"
        for call in runner.calls
    ]


@pytest.mark.usefixtures("docker_env")
def test_up_makes_the_router_on_the_next_port_and_says_so_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    docker = Docker(taken=(8101,))
    s, runner = make(tmp_path, docker)
    router.publish_and_show(s, STATES)
    err = capsys.readouterr().err
    assert err.count("the router listens") == 1
    assert "warning: the router listens on 127.0.0.1:8102, as port 8101 is taken" in err
    assert (
        "http://backend.proj.localhost:8102/healthz  "
        "https://backend.proj.localhost/healthz  http://proj.localhost:8100/healthz"
        in err
    )
    assert "http://db.proj.localhost:8102/" in err
    assert docker.routes == ["proj"]
    assert docker.networks == [NAME, "proj_default"]
    assert verbs(runner) == [
        "container inspect", "image inspect", "network create", "volume create",
        "run --detach", "rm --force", "run --detach", "container inspect",
        "network ls", "network connect", "exec set",
    ]  # fmt: skip
    # Again: the router is there, on its network: only the routes are set.
    runner.calls.clear()
    router.publish_and_show(s, STATES)
    assert "the router listens" not in capsys.readouterr().err
    assert verbs(runner) == ["container inspect", "network ls", "exec set"]


@pytest.mark.usefixtures("docker_env")
def test_every_port_taken_lets_the_engine_choose(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    s, runner = make(tmp_path, Docker(taken=(8101, 8102)))
    published = router.publish(s, STATES)
    assert published is not None and published.port == 49999
    runs = [call for call in runner.calls if call[1] == "run"]
    assert [run[run.index("--publish") + 1] for run in runs] == [
        "127.0.0.1:8101:8080", "127.0.0.1:8102:8080", "127.0.0.1:49999:8080",
    ]  # fmt: skip
    assert "127.0.0.1:49999, as port 8101 is taken" in capsys.readouterr().err


@pytest.mark.usefixtures("docker_env")
def test_a_rootless_engine_refusing_the_first_port_is_said_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    docker = Docker()
    refusing = docker.__call__

    def reply(argv: list[str]) -> tuple[int, str, str]:
        if argv[1] == "run" and "127.0.0.1:8101:8080" in argv:
            return (
                125,
                "",
                "rootlessport cannot expose privileged port 8101, you can add",
            )
        return refusing(argv)

    s, _ = make(tmp_path, docker)
    s.runner = FakeRunner(reply=reply)
    assert router.publish(s, STATES) is not None
    assert capsys.readouterr().err.splitlines()[0] == (
        "warning: the router listens on 127.0.0.1:8102, as this engine may not "
        "publish port 8101 (rootless: ports under 1024 are privileged)"
    )


# `docker run` when another command made the router first (its own words).
NAME_IN_USE = (
    125,
    "",
    f'Conflict. The container name "/{NAME}" is already in use by container "ab"',
)


@pytest.mark.usefixtures("docker_env")
def test_a_race_lost_to_another_up_takes_the_router_it_made(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    docker = Docker()

    def reply(argv: list[str]) -> tuple[int, str, str]:
        if argv[1] == "run":  # the other `inv up` made it a moment before
            docker.port, docker.networks = 8101, [NAME]
            return NAME_IN_USE
        return docker(argv)

    s, _ = make(tmp_path, docker)
    s.runner = fake = FakeRunner(reply=reply)
    published = router.publish(s, STATES)
    assert published is not None and published.port == 8101
    assert docker.port == 8101  # not removed
    assert not [call for call in fake.calls if call[1] == "rm"]
    assert "the router listens" not in capsys.readouterr().err  # it was not ours to say


@pytest.mark.usefixtures("docker_env")
def test_a_router_another_command_made_that_never_starts_is_left_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(router, "START_SECONDS", 0.0)
    docker = Docker()

    def reply(argv: list[str]) -> tuple[int, str, str]:
        if argv[1] == "run":
            return NAME_IN_USE
        return docker(argv)

    s, _ = make(tmp_path, docker)
    s.runner = fake = FakeRunner(reply=reply)
    with pytest.raises(DockhandError) as raised:
        router.publish(s, STATES)
    assert raised.value.message == (
        f"another command is making the router {NAME}, and it did not start"
    )
    assert not [call for call in fake.calls if call[1] == "rm"]
    assert len([call for call in fake.calls if call[1] == "run"]) == 3  # tried again


@pytest.mark.usefixtures("docker_env")
def test_a_router_another_command_gave_up_on_is_made_again(tmp_path: Path) -> None:
    docker = Docker()
    runs = []

    def reply(argv: list[str]) -> tuple[int, str, str]:
        if argv[1] == "run":
            runs.append(argv)
            if len(runs) == 1:  # theirs, then gone
                return NAME_IN_USE
        return docker(argv)

    s, _ = make(tmp_path, docker)
    s.runner = FakeRunner(reply=reply)
    published = router.publish(s, STATES)
    assert published is not None and published.port == 8101
    assert len(runs) == 2 and docker.routes == ["proj"]


@pytest.mark.usefixtures("docker_env")
def test_a_router_another_up_is_starting_is_waited_for_not_removed(
    tmp_path: Path,
) -> None:
    docker = Docker(exists=8101)
    asked = []

    def reply(argv: list[str]) -> tuple[int, str, str]:
        if argv[1:3] == ["container", "inspect"]:
            asked.append(argv)
            if len(asked) < 3:  # created: the other `inv up` still starts it
                found = json.loads(inspected(8101))
                found[0]["State"] = {"Running": False, "Status": "created"}
                found[0]["NetworkSettings"]["Ports"] = {}
                return (0, json.dumps(found), "")
        return docker(argv)

    s, _ = make(tmp_path, docker)
    s.runner = fake = FakeRunner(reply=reply)
    published = router.publish(s, STATES)
    assert published is not None and published.port == 8101
    assert len(asked) == 3
    assert not [call for call in fake.calls if call[1] in ("rm", "start", "run")]


@pytest.mark.usefixtures("docker_env")
def test_a_port_known_held_is_not_tried(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(router, "held", lambda port: port == 8101)
    s, runner = make(tmp_path, Docker())
    assert router.publish(s, STATES) is not None
    assert "127.0.0.1:8102:8080" in next(c for c in runner.calls if c[1] == "run")


@pytest.mark.usefixtures("docker_env")
def test_down_withdraws_the_routes_and_leaves_the_networks(tmp_path: Path) -> None:
    docker = Docker(exists=8101)
    s, runner = make(tmp_path, docker)
    router.publish(s, STATES)
    assert router.routed(s, STATES) is not None
    runner.calls.clear()
    router.withdraw(s)
    assert docker.routes == []
    assert docker.networks == [NAME]
    assert verbs(runner) == [
        "container inspect", "exec rm", "network ls", "network disconnect",
    ]  # fmt: skip
    assert router.routed(s, STATES) is None


@pytest.mark.usefixtures("docker_env")
def test_the_projects_networks_are_read_on_the_socket_where_it_answers(
    tmp_path: Path,
) -> None:
    docker = Docker(exists=8101)
    s, runner = make(tmp_path, docker)
    asked = "/networks?filters=" + engine_socket.quote(
        json.dumps({"label": ["com.docker.compose.project=proj"]})
    )

    def answer(path: str) -> tuple[int, object] | None:
        return (200, [{"Name": "proj_default"}]) if path == asked else None

    s.read_engine = FakeEngine(answer)
    router.publish(s, STATES)
    router.withdraw(s)
    assert "network ls" not in verbs(runner)
    assert {"network connect", "network disconnect"} <= set(verbs(runner))
    assert docker.networks == [NAME] and docker.routes == []
    # The engine refusing the question (or no socket): the docker CLI is asked.
    s.read_engine = FakeEngine(lambda path: (500, {"message": "busy"}))
    runner.calls.clear()
    router.publish(s, STATES)
    assert "network ls" in verbs(runner)
    assert docker.networks == [NAME, "proj_default"]


@pytest.mark.usefixtures("docker_env")
def test_gc_removes_the_router_only_when_no_checkout_uses_it(tmp_path: Path) -> None:
    docker = Docker(exists=8101)
    s, runner = make(tmp_path, docker)
    router.publish(s, STATES)
    assert not router.remove_unused(s)
    assert docker.port == 8101
    router.withdraw(s)
    runner.calls.clear()
    assert router.remove_unused(s)
    assert verbs(runner) == [
        "container inspect", "exec ls", "rm --force", "network rm",
    ]  # fmt: skip


@pytest.mark.usefixtures("docker_env")
def test_the_router_off_or_nothing_to_route_runs_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    s, runner = make(tmp_path, Docker())
    assert router.publish(s, []) is None  # no running service
    monkeypatch.setenv("DOCKHAND_ROUTER", "off")
    assert router.publish(s, STATES) is None
    router.withdraw(s)
    assert not router.remove_unused(s)
    assert runner.calls == []


@pytest.mark.usefixtures("docker_env")
def test_an_engine_elsewhere_is_one_warning_and_the_port_urls(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DOCKER_HOST", "ssh://me@far")
    s, runner = make(tmp_path, Docker())
    router.publish_and_show(s, STATES)
    err = capsys.readouterr().err
    assert err.splitlines() == [
        "warning: names without ports need an engine on this machine, not "
        "DOCKER_HOST=ssh://me@far (the port URLs work; or set DOCKHAND_ROUTER=off)",
        "  backend      http://proj.localhost:8100/healthz",
    ]
    assert runner.calls == []


@pytest.mark.usefixtures("docker_env")
def test_dry_prints_what_it_would_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    docker = Docker()
    s, _ = make(tmp_path, docker)
    s.runner = FakeRunner(reply=docker, dry=True)
    router.publish(s, STATES)
    err = capsys.readouterr().err
    assert f"$ docker run --detach --name {NAME}" in err
    assert docker.port == 0  # nothing made


@pytest.mark.usefixtures("docker_env")
def test_ps_reads_the_router_on_the_socket_and_starts_nothing(tmp_path: Path) -> None:
    networks: tuple[str, ...] = (NAME, "proj_default")

    def answer(path: str) -> tuple[int, object] | None:
        if path == f"/containers/{NAME}/json":
            return (200, json.loads(inspected(80, networks))[0])
        return None

    s, runner = make(tmp_path, Docker())
    s.read_engine = FakeEngine(answer)
    assert router.names(s, STATES) == {
        "backend": ["http://backend.proj.localhost/healthz"],
        "db": ["http://db.proj.localhost/"],
    }
    tls = 8443  # a router that serves HTTPS: that name too
    answer_tls = inspected(80, networks, tls=tls)
    s.read_engine = FakeEngine(lambda path: (200, json.loads(answer_tls)[0]))
    assert router.names(s, STATES)["backend"] == [
        "http://backend.proj.localhost/healthz",
        "https://backend.proj.localhost:8443/healthz",
    ]
    assert runner.calls == []
    s.read_engine = FakeEngine(answer)
    networks = (NAME, "other_default")  # another checkout's: not this one's names
    assert router.names(s, STATES) == {}
    s.read_engine = FakeEngine(lambda path: (404, {"message": "No such container"}))
    assert router.find(s, router.config()) is None
    assert runner.calls == []


@pytest.mark.usefixtures("docker_env")
def test_a_router_of_an_older_recipe_is_made_again_by_its_id_keeping_its_data(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    docker = Docker(exists=8101)
    docker.image, docker.files = "dockhand-router:old", ""  # before the label
    s, runner = make(tmp_path, docker)
    published = router.publish(s, STATES)
    assert published is not None and published.port == 8101
    assert docker.image.startswith("dockhand-router:") and docker.files == CURRENT
    assert docker.image != "dockhand-router:old"
    assert ["docker", "rm", "--force", "--volumes", "c1"] in runner.calls
    assert not [call for call in runner.calls if call[1:3] == ["volume", "rm"]]
    said = [line for line in capsys.readouterr().err.splitlines() if "older" in line]
    assert said == [
        f"> the router {NAME} runs an older dockhand's image (dockhand-router:old): "
        "making it again (its CA kept); other checkouts: `inv up` there"
    ]
    # Made again once: the next `inv up` keeps it.
    calls = len(runner.calls)
    assert router.publish(s, STATES) is not None
    assert not [call for call in runner.calls[calls:] if call[1] in ("rm", "run")]


@pytest.mark.usefixtures("docker_env")
def test_an_older_router_another_up_made_again_first_is_shared_not_removed(
    tmp_path: Path,
) -> None:
    docker = Docker(exists=8101)
    docker.image, docker.files = "dockhand-router:old", "f0"
    seen = []

    def reply(argv: list[str]) -> tuple[int, str, str]:
        if argv[1] == "rm" and not seen:  # the other `inv up` was first
            seen.append(argv)
            docker.made, docker.image, docker.files = 2, "dockhand-router:new", CURRENT
            return docker(argv)  # c1 is gone: "No such container"
        if argv[1] == "run":  # and its new router has the name
            return (125, "", f'name "/{NAME}" is already in use by container "c2"')
        return docker(argv)

    s, _ = make(tmp_path, docker)
    s.runner = fake = FakeRunner(reply=reply)
    published = router.publish(s, STATES)
    assert published is not None and published.port == 8101
    assert [call[-1] for call in fake.calls if call[1] == "rm"] == ["c1"]
    assert docker.made == 2 and docker.routes == ["proj"]  # theirs, routed


@pytest.mark.usefixtures("docker_env")
def test_a_router_of_another_base_image_only_is_kept(tmp_path: Path) -> None:
    docker = Docker(exists=8101)  # dockhand-router:x, this recipe's files
    s, runner = make(tmp_path, docker)
    assert router.publish(s, STATES) is not None
    assert not [call for call in runner.calls if call[1] in ("rm", "run")]


@pytest.mark.usefixtures("docker_env")
def test_ps_on_an_engine_elsewhere_asks_nothing_of_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No router there (`inv up` routes on this machine's engine only): no
    `docker container inspect` over ssh:// on each `inv ps`."""
    monkeypatch.setenv("DOCKER_HOST", "ssh://me@far")
    s, runner = make(tmp_path, Docker(exists=8101))
    assert router.names(s, STATES) == {}
    assert runner.calls == []
    monkeypatch.setenv("DOCKER_HOST", "unix:///var/run/docker.sock")
    router.names(s, STATES)  # here: the CLI, as the socket did not answer
    assert [call[1:3] for call in runner.calls] == [["container", "inspect"]]
