"""The containers read through the docker CLI: the argv, and the states
parsed from `docker inspect` output (the SDK's attrs are the same JSON)."""

from __future__ import annotations

import json
from pathlib import Path

from dockhand.docker import containers
from dockhand.docker.engine_socket import absent
from helpers import FakeEngine, FakeRunner

INSPECT = json.loads(
    (Path(__file__).parent / "data" / "inspect_backend.json").read_text()
)
LABELS = "com.docker.compose"


def test_ps_argv_filters_by_label_never_by_name() -> None:
    assert containers.ps_argv("shop") == [
        *("docker", "ps", "--all", "--quiet", "--no-trunc"),
        *("--filter", f"label={LABELS}.project=shop"),
        *("--filter", f"label={LABELS}.oneoff=False"),
    ]
    one = containers.ps_argv("shop", ["backend"])
    assert one[-2:] == ["--filter", f"label={LABELS}.service=backend"]
    # Several services: docker ANDs label filters, so they are picked after.
    assert containers.ps_argv("shop", ["a", "b"]) == containers.ps_argv("shop")


def test_inspect_output_becomes_sorted_states_of_the_wanted_services() -> None:
    worker = json.loads(json.dumps(INSPECT))
    worker["Name"] = "/shop-worker-1"
    worker["Config"]["Labels"][f"{LABELS}.service"] = "worker"
    printed = json.dumps([worker, INSPECT])
    assert [s.service for s in containers.parse(printed)] == ["backend", "worker"]
    assert [s.container for s in containers.parse(printed, ["worker"])] == [
        "shop-worker-1"
    ]
    assert containers.parse(printed)[0].health == "healthy"


def test_nothing_or_no_json_is_no_containers() -> None:
    assert containers.parse("") == []
    assert containers.parse("Error: No such container: abc") == []


def test_the_cli_s_complaint_reads_as_the_sdk_s(tmp_path: Path) -> None:
    gone = tmp_path / "absent.sock"
    there = tmp_path / "there.sock"
    there.write_text("")
    said = "Cannot connect to the Docker daemon at unix://{}. Is the docker daemon running?"
    assert containers.unreachable_reason(said.format(gone)) == "no socket there"
    assert containers.unreachable_reason(said.format(there)) == "nobody answers there"
    assert "docker group" in containers.unreachable_reason(
        "permission denied while trying to connect to the Docker daemon socket"
    )
    assert containers.unreachable_reason("") == "no answer"


def test_built_images_are_the_services_with_build_never_the_pulled_ones() -> None:
    model = {
        "name": "shop",
        "services": {
            "api": {"build": {"context": "."}},
            "web": {"build": {"context": "web"}, "image": "shop/web:dev"},
            "db": {"image": "postgres:15"},
            "cache": {"image": "redis:7"},
        },
    }
    assert containers.built_images(model, "ignored") == ["shop-api", "shop/web:dev"]
    assert containers.built_images({"services": {}}, "shop") == []


def test_the_docker_cli_is_asked_its_version_at_the_path_found() -> None:
    assert containers.version_argv("/usr/bin/docker") == [
        "/usr/bin/docker",
        "--version",
    ]


def test_whether_a_service_runs_is_one_call_for_its_running_containers() -> None:
    argv = containers.running_argv("shop", "backend")
    assert argv == [
        *("docker", "ps", "--quiet", "--no-trunc"),
        *("--filter", f"label={LABELS}.project=shop"),
        *("--filter", f"label={LABELS}.oneoff=False"),
        *("--filter", f"label={LABELS}.service=backend"),
        *("--filter", "status=running"),
    ]
    up = FakeRunner(reply=lambda argv: (0, "abc123\n", ""))
    assert containers.running(up, "shop", "backend", engine=absent)
    assert up.calls == [argv]
    down = FakeRunner(reply=lambda argv: (0, "", ""))
    assert not containers.running(down, "shop", "backend", engine=absent)


def test_on_the_engine_s_socket_the_states_are_read_without_a_process() -> None:
    def engine(path: str) -> tuple[int, object]:
        if path.startswith("/containers/json?"):
            return 200, [{"Id": "c0ffee"}]
        return 200, INSPECT

    runner, socket = FakeRunner(), FakeEngine(engine)
    found = containers.states(runner, "shop", engine=socket)
    assert runner.calls == []  # no docker CLI started
    assert found == containers.parse(json.dumps([INSPECT]))
    assert socket.asked[1] == "/containers/c0ffee/json"
    assert containers.running(runner, "shop", "backend", engine=socket)
    assert runner.calls == []


def test_a_socket_that_does_not_answer_as_an_engine_leaves_it_to_the_cli() -> None:
    runner = FakeRunner(reply=lambda argv: (0, "", ""))
    engine = FakeEngine(lambda path: (500, {"message": "oops"}))
    assert containers.states(runner, "shop", engine=engine) == []
    assert runner.calls == [containers.ps_argv("shop")]


def test_images_are_inspected_on_the_socket_a_missing_one_left_out() -> None:
    runner = FakeRunner()
    engine = FakeEngine(
        lambda path: (
            (404, {"message": "no such image"})
            if "gone" in path
            else (200, {"Id": "sha256:1", "RepoTags": ["shop-web:latest"]})
        )
    )
    text = containers.inspect_images(runner, ["shop-web", "gone"], engine=engine)
    assert json.loads(text) == [{"Id": "sha256:1", "RepoTags": ["shop-web:latest"]}]
    assert runner.calls == []
