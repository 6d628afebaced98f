"""What a deploy changes: the services whose spec moved, those gone from
the compose files, and the migrations of the changed ones (pure)."""

from __future__ import annotations

from pathlib import Path

import pytest

from dockhand.commands.deploy import plan
from dockhand.config.schema import Migration
from dockhand.config.settings import load
from dockhand.errors import DockhandError
from dockhand.session import Session
from dockhand.swarm import inspected, stackfile
from helpers import FakeRunner


def running(spec_digest: str) -> inspected.Service:
    labels = {stackfile.SPEC_LABEL: spec_digest}
    return inspected.service({"Spec": {"Labels": labels}})


def rendered(**digests: str) -> stackfile.Rendered:
    services: dict[str, stackfile.JSON] = {
        name: {"deploy": {"labels": {stackfile.SPEC_LABEL: digest}}}
        for name, digest in digests.items()
    }
    return stackfile.Rendered({"services": dict(services)}, [], services, digests)


def test_a_deploy_changes_the_services_whose_spec_moved_and_names_those_gone() -> None:
    current = {"web": running("a"), "db": running("b"), "old": running("c")}
    migrations = [Migration("web", ("migrate",)), Migration("db", ("x",))]
    found = plan(rendered(web="a2", db="b", new="d"), current, migrations)
    assert found.changed == ["web", "new"]
    assert found.gone == ["old"]
    assert found.migrating == [migrations[0]]


def test_nothing_changes_when_every_spec_is_the_one_running() -> None:
    found = plan(rendered(web="a"), {"web": running("a")}, [])
    assert (found.changed, found.gone, found.migrating) == ([], [], [])


def test_a_deploy_never_takes_the_trust_override(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # Its bind mount names a file of this machine, not of the cluster's nodes.
    from dockhand.commands import deploy

    seen: list[tuple[bool, bool]] = []

    def manager_of(s: Session) -> None:
        seen.append((s.settings.prod, s.settings.trust))
        raise DockhandError("stop here")

    monkeypatch.setattr(deploy, "manager_of", manager_of)
    s = Session(
        load({"root": str(tmp_path), "project": "p", "trust": True}), FakeRunner()
    )
    with pytest.raises(DockhandError, match="stop here"):
        deploy.deploy(s)
    assert seen == [(True, False)]
