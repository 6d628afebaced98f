"""The dashboard's rows model: what each engine event asks for, rows kept
through restarts and recreation, the cells as text, the ps --watch view."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from dockhand.config.settings import DEFAULTS, load
from dockhand.docker.states import state_of
from dockhand.docker.stats import Usage
from dockhand.steps import dashboard
from dockhand.steps.router_urls import Published
from helpers import inspect_backend

BACKEND = replace(state_of(inspect_backend()), id="b1", number="1")
SETTINGS = load(
    {
        **DEFAULTS,
        "root": "/tmp",
        "services": {"backend": {"port": 8078, "path": "/healthz"}},
    }
)


def event(action: str, container: str = "abc") -> dict[str, object]:
    """An event as the engine sends it (API 1.41 and later keep `status`
    and `id` beside `Action` and `Actor`)."""
    return {
        "status": action,
        "id": container,
        "Type": "container",
        "Action": action,
        "Actor": {"ID": container, "Attributes": {"name": "shop-backend-1"}},
        "time": 1796616768,
    }


@pytest.mark.parametrize(
    "action, need",
    [
        ("exec_create: /bin/sh -c curl -fsS localhost", "nothing"),
        ("exec_start: /bin/sh -c curl -fsS localhost", "nothing"),
        ("exec_die", "nothing"),
        ("health_status: healthy", "inspect"),
        ("health_status: unhealthy", "inspect"),
        ("start", "inspect"),
        ("die", "inspect"),
        ("kill", "inspect"),
        ("create", "inspect"),
        ("restart", "restarted"),
        ("destroy", "gone"),
    ],
)
def test_what_each_event_asks_for(action: str, need: str) -> None:
    assert dashboard.event_of(event(action)) == dashboard.Event("abc", action, need)  # type: ignore[arg-type]


def test_an_event_read_from_its_actor_alone_or_naming_no_container() -> None:
    only_actor = {"Action": "start", "Actor": {"ID": "def"}}
    assert dashboard.event_of(only_actor) == dashboard.Event("def", "start", "inspect")
    assert dashboard.event_of({"Action": "start"}).need == "nothing"


def test_rows_show_state_restarts_uptime_usage_and_url() -> None:
    board = dashboard.Board(SETTINGS)
    board.seed([BACKEND])
    assert BACKEND.started_at is not None
    now = BACKEND.started_at + timedelta(minutes=3, seconds=5)
    (row,) = board.rows(now)
    assert row.key == BACKEND.id and row.service == "backend"
    assert dict(zip(dashboard.COLUMNS, row.cells, strict=True)) == {
        "SERVICE": "backend",
        "STATE": "healthy",
        "RESTARTS": "0",
        "UPTIME": "3m",
        "CPU": "",
        "MEMORY": "",
        "URL": "http://tmp.localhost:18078/healthz",
    }
    assert board.sampled(BACKEND.id, Usage(2.345, 150 << 20, 1 << 30))
    assert board.rows(now)[0].cells[4:6] == ("2.3%", "150 MiB")
    assert not board.sampled("another", Usage(1.0, 1, 1))  # not shown: ignored


def test_the_url_is_the_router_s_name_where_it_routes_the_service() -> None:
    """Read once at start and on a network's connect or disconnect (the
    router joining or leaving), never per frame: the Board keeps it."""
    board = dashboard.Board(SETTINGS)
    worker = replace(BACKEND, service="worker", id="w1", container="tmp-worker-1")
    board.seed([BACKEND, replace(worker, ports=())])  # worker: no port, no name
    url = {row.service: row.cells[-1] for row in board.rows()}
    assert url == {"backend": "http://tmp.localhost:18078/healthz", "worker": ""}
    board.routed(Published([], 8080, 8443))
    url = {row.service: row.cells[-1] for row in board.rows()}
    assert url == {"backend": "http://backend.tmp.localhost:8080/healthz", "worker": ""}
    links = board.links
    board.routed(Published([], 8080, 8443))  # the same: the URLs kept
    assert board.links is links
    # A container stopped: no route (as `inv up` sets them), the port URL.
    board.update(replace(BACKEND, state="exited"))
    assert board.rows()[0].cells[-1] == "http://tmp.localhost:18078/healthz"
    board.update(BACKEND)
    assert board.rows()[0].cells[-1] == "http://backend.tmp.localhost:8080/healthz"
    board.routed(None)  # the router left (`inv down`, or removed)
    assert board.rows()[0].cells[-1] == "http://tmp.localhost:18078/healthz"


def test_restarts_add_the_ones_seen_to_the_engine_s_own_count() -> None:
    board = dashboard.Board(SETTINGS)
    board.seed([replace(BACKEND, restart_count=2)])
    board.restarted(BACKEND.id)
    board.restarted("unknown")  # a container not shown: nothing
    board.update(replace(BACKEND, restart_count=2, health="starting"))
    (row,) = board.rows()
    assert row.cells[1:3] == ("starting", "3")


def test_a_stopped_container_shows_no_usage_and_no_uptime() -> None:
    board = dashboard.Board(SETTINGS)
    board.seed([BACKEND])
    board.sampled(BACKEND.id, Usage(5.0, 10 << 20, None))
    board.update(replace(BACKEND, state="exited", exit_code=137, health=""))
    board.sampled(BACKEND.id, Usage(None, None, None))
    (row,) = board.rows()
    assert row.cells[1:6] == ("exited (137)", "0", "", "", "")


def test_a_recreated_container_takes_its_predecessor_s_row() -> None:
    board = dashboard.Board(SETTINGS)
    other = replace(BACKEND, service="db", id="db1", number="1", container="shop-db-1")
    board.seed([BACKEND, other])
    board.restarted(BACKEND.id)
    successor = replace(BACKEND, id="new", container="shop-backend-1")
    board.update(successor)
    assert [(r.key, r.cells[2]) for r in board.rows()] == [("new", "0"), ("db1", "0")]
    board.remove("new")
    board.remove("never-shown")
    assert [r.key for r in board.rows()] == ["db1"]


def test_rows_are_ordered_by_service_then_number() -> None:
    board = dashboard.Board(SETTINGS)
    board.seed(
        [
            replace(BACKEND, id="b2", number="2"),
            replace(BACKEND, service="api", id="a1", number="1"),
            BACKEND,
        ]
    )
    assert [r.key for r in board.rows()] == ["a1", "b1", "b2"]


def test_the_urls_follow_the_containers() -> None:
    board = dashboard.Board(SETTINGS)
    board.seed([replace(BACKEND, ports=())])
    assert board.rows()[0].cells[6] == ""
    board.update(BACKEND)  # published again: its port is read anew
    assert board.rows()[0].cells[6] == "http://tmp.localhost:18078/healthz"


@pytest.mark.parametrize(
    "percent, text",
    [
        (None, ""),
        (0.0, "0.0%"),
        (0.04, "0.0%"),
        (9.94, "9.9%"),
        (10.4, "10%"),
        (187.5, "188%"),
    ],
)
def test_cpu_text(percent: float | None, text: str) -> None:
    assert dashboard.cpu_text(percent) == text


@pytest.mark.parametrize(
    "used, text",
    [
        (None, ""),
        (0, "0 bytes"),
        (852 << 10, "852 KiB"),
        (150 << 20, "150 MiB"),
        (3 << 29, "1.5 GiB"),
    ],
)
def test_memory_text(used: int | None, text: str) -> None:
    assert dashboard.memory_text(used) == text


def test_ps_watch_sees_states_health_ports_and_containers_not_the_clock() -> None:
    later = replace(
        BACKEND,
        started_at=BACKEND.started_at + timedelta(hours=1)
        if BACKEND.started_at
        else None,
    )
    assert dashboard.ps_view([BACKEND]) == dashboard.ps_view([later])
    for changed in (
        replace(BACKEND, health="unhealthy"),
        replace(BACKEND, state="exited", exit_code=1),
        replace(BACKEND, ports=()),
        replace(BACKEND, container="shop-backend-2"),
    ):
        assert dashboard.ps_view([BACKEND]) != dashboard.ps_view([changed])
    assert dashboard.ps_view([BACKEND]) != dashboard.ps_view([])


def test_log_lines_lose_their_terminal_codes() -> None:
    assert dashboard.log_line("\x1b[32mINFO\x1b[0m:  started\r\n") == "INFO:  started"
    assert dashboard.log_line("\x1b[?25lplain\x1b[2K") == "plain"
    assert dashboard.log_line("no codes") == "no codes"
