"""What `inv cluster rollback` rolls back, from the services' inspect data:
one previous spec each, none once Swarm has rolled a failed update back."""

from __future__ import annotations

from typing import Any

import pytest

from dockhand.commands import cluster
from dockhand.errors import DockhandError
from dockhand.swarm import inspected

UPDATED = {"Spec": {}, "PreviousSpec": {}, "UpdateStatus": {"State": "completed"}}
NEVER: dict[str, Any] = {"Spec": {}}
# After an automatic rollback Swarm drops PreviousSpec (seen on engine 20.10).
UNDONE = {"Spec": {}, "UpdateStatus": {"State": "rollback_completed"}}
# After `docker service rollback` the two specs swap: going back again is possible.
ROLLED = {
    "Spec": {},
    "PreviousSpec": {},
    "UpdateStatus": {"State": "rollback_completed"},
}


def rollback_plan(
    services: dict[str, dict[str, Any]], names: list[str]
) -> tuple[list[str], list[str]]:
    """The plan from the services' inspect data, parsed as the manager's is."""
    parsed = {name: inspected.service(attrs) for name, attrs in services.items()}
    return cluster.rollback_plan(parsed, names)


def test_named_services_are_rolled_back_when_each_has_a_previous_spec() -> None:
    services = {"web": UPDATED, "db": ROLLED, "redis": NEVER}
    assert rollback_plan(services, ["web", "db"]) == (["db", "web"], [])


def test_all_skips_the_services_never_updated() -> None:
    services = {"web": UPDATED, "redis": NEVER}
    assert rollback_plan(services, []) == (["web"], ["redis"])


def test_a_service_swarm_rolled_back_itself_refuses_the_whole_rollback() -> None:
    services = {"web": UNDONE, "db": UPDATED}
    for names in (["web"], [], ["db", "web"]):
        with pytest.raises(DockhandError) as caught:
            rollback_plan(services, names)
        assert caught.value.message.startswith("web was rolled back by Swarm")
    assert rollback_plan(services, ["db"]) == (["db"], [])


def test_nothing_to_roll_back_is_one_line() -> None:
    with pytest.raises(DockhandError, match="redis has no previous spec"):
        rollback_plan({"redis": NEVER, "web": UPDATED}, ["redis"])
    with pytest.raises(DockhandError, match="no service of the stack has a previous"):
        rollback_plan({"redis": NEVER}, [])
