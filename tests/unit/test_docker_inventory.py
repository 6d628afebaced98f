"""Every project on the engine, from labels and the record of checkouts;
only a project whose checkout is known and gone is a leftover."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dockhand.docker import inventory as projects
from dockhand.docker.states import container_of


def container(
    project: str, service: str, folder: str, running: bool, port: str = ""
) -> dict[str, Any]:
    bindings = {"80/tcp": [{"HostIp": "127.0.0.1", "HostPort": port}]} if port else {}
    return {
        "Id": f"{project}-{service}-id",
        "Config": {
            "Labels": {
                projects.PROJECT: project,
                projects.SERVICE: service,
                projects.WORKING_DIR: folder,
                projects.CONFIG_FILES: f"{folder}/compose.yaml",
            }
        },
        "State": {"Running": running},
        "HostConfig": {"PortBindings": bindings},
    }


def gathered() -> list[projects.Project]:
    return projects.gather(
        map(
            container_of,
            [
                container("alive", "web", "/here", True, "8078"),
                container("alive", "db", "/here", False),
                container("dead", "web", "/gone", False, "8178"),
                {"Id": "x", "Config": {"Labels": {}}},  # not Compose's
            ],
        ),
        [
            ("alive_data", f"{projects.PROJECT}=alive,com.docker.compose.volume=data"),
            ("dead_data", f"{projects.PROJECT}=dead"),
            ("lonely_data", f"{projects.PROJECT}=lonely"),
            ("anon", ""),
        ],
        [("dead_default", f"{projects.PROJECT}=dead")],
        [
            "dead-web:latest",
            "dead-other:latest",
            "deadly-web:latest",
            "alive-web:latest",
        ],
        {"dead": "/gone", "recorded": "/also-gone"},
        {"alive_data": 2048},
        exists=lambda path: path == "/here",
    )


def test_projects_with_their_checkouts_state_ports_and_volumes() -> None:
    found = {p.name: p for p in gathered()}
    assert set(found) == {"alive", "dead", "lonely"}
    alive, dead, lonely = found["alive"], found["dead"], found["lonely"]
    assert (alive.path, alive.exists, alive.state) == ("/here", True, "running 1 of 2")
    assert alive.ports == {8078} and alive.volumes == {"alive_data": 2048}
    assert (dead.exists, dead.dockhand, dead.state) == (False, True, "stopped (1)")
    assert dead.gone and not alive.gone
    # volumes alone say nothing of where a project lives: never a leftover
    assert lonely.exists is None and not lonely.gone
    # only the images Compose built for the gone project's own services
    assert dead.images == ["dead-web:latest"] and alive.images == []
    assert alive.as_dict()["volumes"] == [{"name": "alive_data", "size": 2048}]


def test_removal_keeps_volumes_unless_asked() -> None:
    dead = {p.name: p for p in gathered()}["dead"]
    assert projects.removal_argv(dead, volumes=False) == [
        ["docker", "container", "rm", "--force", "dead-web-id"],
        ["docker", "network", "rm", "dead_default"],
        ["docker", "image", "rm", "dead-web:latest"],
    ]
    with_volumes = projects.removal_argv(dead, volumes=True)
    assert with_volumes[0] == [
        "docker",
        "container",
        "rm",
        "--force",
        "--volumes",
        "dead-web-id",
    ]
    assert with_volumes[-1] == ["docker", "volume", "rm", "dead_data"]


def test_a_folder_is_gone_only_when_certainly_gone(tmp_path: Path) -> None:
    assert projects.folder_exists(str(tmp_path))
    assert not projects.folder_exists(str(tmp_path / "deleted"))
    (tmp_path / "file").write_text("")
    assert not projects.folder_exists(str(tmp_path / "file" / "below"))
