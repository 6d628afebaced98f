"""The router's text and argv (dockhand.docker.router): the routes a
checkout gets, the file Caddy reads, the ports tried, the inspect read."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timezone

import pytest

from dockhand.docker import router, router_tls
from dockhand.docker.router import Route, RouterConfig
from dockhand.docker.states import ServiceState
from dockhand.errors import DockhandError


def state(
    service: str, container: str, *ports: str, running: bool = True
) -> ServiceState:
    return ServiceState(
        service=service,
        container=container,
        state="running" if running else "exited",
        health="",
        exit_code=0,
        ports=ports,
        started_at=datetime(2026, 1, 1, tzinfo=timezone.utc),
    )


def test_config_defaults_and_variables() -> None:
    assert router.config({}) == RouterConfig("dockhand-router", (80, 8080, 8880))
    assert router.config({}).on
    assert not router.config({"DOCKHAND_ROUTER": "off"}).on
    found = router.config(
        {
            "DOCKHAND_ROUTER": "r-1",
            "DOCKHAND_ROUTER_PORTS": "81, 82",
            "BASE_IMAGE": "b:1",
        }
    )
    assert found == RouterConfig("r-1", (81, 82), "b:1")


@pytest.mark.parametrize(
    ("environ", "named"),
    [
        ({"DOCKHAND_ROUTER": "no spaces"}, "DOCKHAND_ROUTER="),
        ({"DOCKHAND_ROUTER": "-x"}, "DOCKHAND_ROUTER="),
        ({"DOCKHAND_ROUTER_PORTS": "80,http"}, "DOCKHAND_ROUTER_PORTS="),
        ({"DOCKHAND_ROUTER_PORTS": "0"}, "DOCKHAND_ROUTER_PORTS="),
        ({"DOCKHAND_ROUTER_PORTS": "65536"}, "DOCKHAND_ROUTER_PORTS="),
    ],
)
def test_a_bad_variable_is_one_error_naming_it(
    environ: dict[str, str], named: str
) -> None:
    with pytest.raises(DockhandError) as raised:
        router.config(environ)
    assert raised.value.message.startswith(named)


def test_routes_take_the_settings_port_else_the_lowest_published_one() -> None:
    states = [
        state("backend", "p-backend-2", "8078/tcp->8100"),
        state("backend", "p-backend-1", "8078/tcp->8078"),
        state("web", "p-web-1", "9000/tcp->9000", "3000/tcp->127.0.0.1:3000"),
        state("worker", "p-worker-1"),  # no port: no route
        state("db", "p-db-1", "5432/tcp->5432", running=False),  # not running
        state("Bad_Name", "p-bad-1", "80/tcp->80"),  # cannot be a host label
        state("udp", "p-udp-1", "53/udp->53"),
    ]
    found = router.routes(
        "p.localhost", {"backend": (8078, "/healthz"), "worker": (None, "/")}, states
    )
    assert found == [
        Route(
            "backend",
            "backend.p.localhost",
            ("p-backend-1:8078", "p-backend-2:8078"),
            "/healthz",
        ),
        Route("web", "web.p.localhost", ("p-web-1:3000",), "/"),
    ]
    # A settings port wins over what is published.
    only = router.routes("p.localhost", {"web": (9000, "/")}, states[2:3])
    assert only[0].upstreams == ("p-web-1:9000",)


def test_a_container_not_running_yet_or_again_is_routed_an_exited_one_not() -> None:
    """After `inv up --no-wait` (Caddy finds the container by name when a
    request comes), and a container restarting after a crash."""
    states = [
        replace(state("web", "p-web-1"), state="created"),  # no port published yet
        replace(state("api", "p-api-1", "80/tcp->8000"), state="restarting"),
        replace(state("job", "p-job-1", "80/tcp->8001"), state="exited"),
        replace(state("dead", "p-dead-1", "80/tcp->8002"), state="dead"),
    ]
    found = router.routes("p.localhost", {"web": (3000, "/")}, states)
    assert [(r.service, r.upstreams) for r in found] == [
        ("api", ("p-api-1:80",)),
        ("web", ("p-web-1:3000",)),
    ]


def test_no_routes_for_a_project_without_a_host_name_of_its_own() -> None:
    assert router.routes("localhost", {}, [state("web", "w", "80/tcp->80")]) == []


def test_the_routes_file_is_a_site_per_service() -> None:
    routes = [
        Route("api", "api.p.localhost", ("p-api-1:8078", "p-api-2:8078"), "/healthz"),
        Route("web", "web.p.localhost", ("p-web-1:3000",)),
    ]
    assert router.routes_text("p", routes) == (
        "# dockhand: the routes of checkout p\n"
        "http://api.p.localhost:8080, https://api.p.localhost:8443 {\n"
        "\ttls internal\n"
        "\treverse_proxy p-api-1:8078 p-api-2:8078\n"
        "}\n"
        "http://web.p.localhost:8080, https://web.p.localhost:8443 {\n"
        "\ttls internal\n"
        "\treverse_proxy p-web-1:3000\n"
        "}\n"
    )


def test_the_url_names_the_port_only_when_it_is_not_80() -> None:
    route = Route("api", "api.p.localhost", ("c:1",), "/healthz")
    assert router.url(route, 80) == "http://api.p.localhost/healthz"
    assert router.url(route, 8080) == "http://api.p.localhost:8080/healthz"


def test_the_https_url_names_the_port_only_when_it_is_not_443() -> None:
    assert router_tls.tls_url("a.p.localhost", "/x", 443) == "https://a.p.localhost/x"
    assert router_tls.tls_url("a.p.localhost", "/", 8443) == (
        "https://a.p.localhost:8443/"
    )


def test_a_failed_run_moves_the_port_it_names() -> None:
    taken = "Bind for 127.0.0.1:443 failed: port is already allocated"
    ports = [[80, 8080, 0], [443, 8443, 0]]
    assert router_tls.next_ports(ports, taken, 443) == [[80, 8080, 0], [8443, 0]]
    held = "Bind for 127.0.0.1:80 failed: port is already allocated"
    assert router_tls.next_ports(ports, held, 443) == [[8080, 0], [443, 8443, 0]]
    rootless = "rootlessport cannot expose privileged port 443, you can add"
    assert router_tls.next_ports(ports, rootless, 443)[1] == [8443, 0]
    assert router_tls.next_ports([[0], [0]], held, 50000) == []


def test_ports_tried_skip_the_busy_ones_then_let_the_engine_choose() -> None:
    assert router.candidates((80, 8080, 8880), []) == [80, 8080, 8880, 0]
    assert router.candidates((80, 8080, 80), [80]) == [8080, 0]
    assert router.candidates((80,), [80]) == [0]
    assert router.moved_line(8080, 80, rootless=True) == (
        "the router listens on 127.0.0.1:8080, as this engine may not publish "
        "port 80 (rootless: ports under 1024 are privileged)"
    )
    assert router.privileged("rootlessport cannot expose privileged port 80, you")
    assert not router.privileged("port is already allocated")
    assert router.moved_line(8080, 80) == (
        "the router listens on 127.0.0.1:8080, as port 80 is taken; "
        "`inv doctor` names what holds it"
    )


@pytest.mark.parametrize(
    ("stderr", "port", "name"),
    [
        ("Bind for 127.0.0.1:80 failed: port is already allocated", True, False),
        ("listen tcp4 127.0.0.1:80: bind: address already in use", True, False),
        ("rootlessport cannot expose privileged port 80, ...", True, False),
        (
            'Conflict. The container name "/r" is already in use by container "ab"',
            False,
            True,
        ),
        ("no such image", False, False),
    ],
)
def test_why_docker_run_failed(stderr: str, port: bool, name: bool) -> None:
    assert router.port_taken(stderr) is port
    assert router.name_taken(stderr) is name


def test_the_argv() -> None:
    assert router.run_argv("r", "dockhand-router:abc", 80, 443) == [
        "docker", "run", "--detach", "--name", "r",
        "--label", "dockhand.router=r", "--restart", "unless-stopped",
        "--network", "r", "--publish", "127.0.0.1:80:8080",
        "--publish", "127.0.0.1:443:8443",
        "--volume", "r-data:/var/lib/caddy", "dockhand-router:abc",
    ]  # fmt: skip
    assert "127.0.0.1::8080" in router.run_argv("r", "t", 0, 8443)
    assert router_tls.volume_create_argv("r") == [
        "docker", "volume", "create", "--label", "dockhand.router=r", "r-data",
    ]  # fmt: skip
    assert router_tls.root_ca_argv("r") == [
        "docker", "exec", "r", "cat",
        "/var/lib/caddy/caddy/pki/authorities/local/root.crt",
    ]  # fmt: skip
    assert router.network_create_argv("r") == [
        "docker", "network", "create", "--label", "dockhand.router=r", "r",
    ]  # fmt: skip
    assert router.networks_argv("p") == [
        "docker", "network", "ls", "--filter", "label=com.docker.compose.project=p",
        "--format", "{{.Name}}",
    ]  # fmt: skip
    assert router.set_routes_argv("r", "p", "TEXT") == [
        "docker", "exec", "r", "dockhand-route", "set", "p", "TEXT",
    ]  # fmt: skip
    assert router.remove_routes_argv("r", "p")[-3:] == ["dockhand-route", "rm", "p"]
    assert router.list_routes_argv("r")[-2:] == ["dockhand-route", "ls"]
    assert router.connect_argv("n", "r") == ["docker", "network", "connect", "n", "r"]
    assert router.disconnect_argv("n", "r") == [
        "docker", "network", "disconnect", "--force", "n", "r",
    ]  # fmt: skip
    assert router.remove_argv("r") == ["docker", "rm", "--force", "--volumes", "r"]


def test_the_router_is_read_from_inspect() -> None:
    inspected = [
        {
            "Name": "/r",
            "State": {"Running": True, "Status": "running"},
            "Config": {
                "Image": "dockhand-router:abc",
                "Labels": {"dockhand.router": "r"},
            },
            "NetworkSettings": {
                "Ports": {"8080/tcp": [{"HostIp": "127.0.0.1", "HostPort": "8081"}]},
                "Networks": {"r": {}, "p_default": {}},
            },
        }
    ]
    inspected[0]["Id"] = "c1"
    found = router.router_of(json.dumps(inspected))
    assert found == router.Router(
        "r", True, 8081, ("p_default", "r"), "dockhand-router:abc", "running", id="c1"
    )
    not_router = [{**inspected[0], "Config": {"Labels": {}}}]
    assert router.router_of(json.dumps(not_router)) is None
    assert router.router_of("") is None
    assert router.router_of("not json") is None
    created = [
        {
            **inspected[0],
            "State": {"Status": "created"},
            "NetworkSettings": {"Ports": {}},
        }
    ]
    assert router.router_of(json.dumps(created)) == router.Router(
        "r", False, None, (), "dockhand-router:abc", "created", id="c1"
    )
