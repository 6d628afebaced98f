"""Pure: the `deploy:` section of one Swarm service: resources, placement
(a service with a local data volume pinned to its node), the restart policy
from Compose's `restart:`, the endpoint mode, and how updates roll."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

HOST = "host"  # the routing without IPVS (services.MESH is the other)
WARN = "warn"

RESTART = {
    "always": "any",
    "unless-stopped": "any",
    "on-failure": "on-failure",
    "no": "none",
}

# Compose's resource keys outside deploy:, and where Swarm has them.
RESOURCES = {
    "mem_limit": ("limits", "memory"),
    "cpus": ("limits", "cpus"),
    "mem_reservation": ("reservations", "memory"),
}


def deploy(
    name: str,
    spec: Mapping[str, Any],
    routing: str,
    pin: str,
    host_ports: bool,
    local: bool,
    note: Callable[[str, str], None],
) -> dict[str, Any]:
    given = dict(spec.get("deploy") or {})
    deploy: dict[str, Any] = {
        k: v
        for k, v in given.items()
        if k
        in (
            "mode",
            "replicas",
            "labels",
            "update_config",
            "rollback_config",
            "restart_policy",
        )
        and v not in (None, {})
    }
    resources = _resources(given.get("resources") or {}, spec, note)
    if resources:
        deploy["resources"] = resources
    placement = dict(given.get("placement") or {})
    constraints = list(placement.get("constraints") or [])
    if local and pin:
        constraint = f"node.hostname == {pin}"
        if constraint not in constraints:
            constraints.append(constraint)
    placement = {
        k: v
        for k, v in placement.items()
        if v and k in ("preferences", "max_replicas_per_node")
    }
    if constraints:
        placement["constraints"] = constraints
    if placement:
        deploy["placement"] = placement
    if "restart_policy" not in deploy and spec.get("restart"):
        condition = RESTART.get(str(spec["restart"]).split(":")[0])
        if condition:
            deploy["restart_policy"] = {"condition": condition}
    if routing == HOST:
        deploy["endpoint_mode"] = "dnsrr"
    # Roll start-first where two copies can run at once: no host-mode port
    # to share (moby#36934), no local data volume to share.
    order = "stop-first" if host_ports or local else "start-first"
    update = {
        "order": order,
        "failure_action": "rollback",
        **(deploy.get("update_config") or {}),
    }
    if update["order"] == "start-first" and host_ports:
        note(
            WARN,
            "update order start-first cannot be used with host-mode ports: stop-first",
        )
        update["order"] = "stop-first"
    deploy["update_config"] = update
    deploy["rollback_config"] = {
        "order": update["order"],
        **(deploy.get("rollback_config") or {}),
    }
    return deploy


def _resources(
    given: Mapping[str, Any], spec: Mapping[str, Any], note: Any
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for part in ("limits", "reservations"):
        values = dict(given.get(part) or {})
        for key, (where, what) in RESOURCES.items():
            if where == part and spec.get(key) and what not in values:
                values[what] = spec[key]
        for key in list(values):
            if key not in ("cpus", "memory"):
                note(
                    WARN,
                    f"deploy.resources.{part}.{key} dropped: Swarm does not take it",
                )
                del values[key]
        if "cpus" in values:
            values["cpus"] = f"{float(values['cpus']):g}"
        if "memory" in values:
            values["memory"] = str(values["memory"])
        if values:
            out[part] = values
    return out
