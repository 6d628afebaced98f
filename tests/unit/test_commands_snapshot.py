"""Whole-stack snapshots: which volumes, the names, the helper commands
(dockhand.commands.snapshot, dockhand.docker.containers)."""

from __future__ import annotations

import pytest

from dockhand.commands import snapshot
from dockhand.commands.snapshot import Volume
from dockhand.docker import containers
from dockhand.docker.model import parse
from dockhand.errors import DockhandError

MODEL = {
    "name": "shop",
    "services": {
        "db": {"volumes": [{"type": "volume", "source": "db-data", "target": "/d"}]},
        "redis": {"volumes": [{"type": "volume", "source": "cache", "target": "/c"}]},
        "web": {
            "volumes": [
                {"type": "bind", "source": "/src", "target": "/app"},
                {"type": "volume", "source": "cache", "target": "/c"},
            ]
        },
        "job": {},
    },
    "volumes": {"db-data": {"name": "shop_db-data"}, "cache": {"name": "custom"}},
}


def test_the_named_volumes_with_who_mounts_them() -> None:
    assert snapshot.project_volumes(parse(MODEL), "shop", "db") == [
        Volume("custom", ("redis", "web"), database=False),
        Volume("shop_db-data", ("db",), database=True),
    ]
    # Without a name in the model: Compose's own PROJECT_SOURCE.
    bare = {**MODEL, "volumes": {}}
    assert snapshot.project_volumes(parse(bare), "p", None)[0].name == "p_cache"


@pytest.mark.parametrize("name", ["before-upgrade", "20260102T150405Z", "a.b_c"])
def test_good_names(name: str) -> None:
    assert snapshot.check_name(name) == name


@pytest.mark.parametrize("name", ["", "../x", "a/b", "-x", "a b", "x" * 65])
def test_bad_names_are_one_line(name: str) -> None:
    with pytest.raises(DockhandError, match="is not a snapshot name"):
        snapshot.check_name(name)


def test_the_helpers_run_the_projects_image_without_network_as_root() -> None:
    tar = containers.volume_tar_argv("shop_cache", "sha256:abc")
    assert tar[:3] == ["docker", "run", "--rm"]
    assert tar[5:7] == ["--network", "none"]
    assert "shop_cache:/v:ro" in tar and tar[-4:] == ["-C", "/v", "-c", "."]
    untar = containers.volume_untar_argv("shop_cache", "sha256:abc")
    assert "-i" in untar and "shop_cache:/v" in untar
    assert untar[-1] == containers.UNTAR
