"""Pure: the `deploy:` section of one Swarm service: resources, placement
(a service with a local data volume pinned to its node), the restart policy
from Compose's `restart:`, the endpoint mode, and how updates roll."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from dockhand.docker.jsondoc import JSON, JSONValue, as_json, items, mapping, text
from dockhand.docker.model import Service

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
# Keys of `deploy:` a stack file takes as Compose gives them.
COPIED = (
    "mode",
    "replicas",
    "labels",
    "update_config",
    "rollback_config",
    "restart_policy",
)


def deploy(
    service: Service,
    routing: str,
    pin: str,
    host_ports: bool,
    local: bool,
    note: Callable[[str, str], None],
) -> JSON:
    given = service.deploy.raw
    deploy: JSON = {
        k: as_json(v) for k, v in given.items() if k in COPIED and v not in (None, {})
    }
    resources = _resources(mapping(given.get("resources")), service, note)
    if resources:
        deploy["resources"] = resources
    given_placement = mapping(given.get("placement"))
    constraints: list[JSONValue] = [
        as_json(c) for c in items(given_placement.get("constraints"))
    ]
    if local and pin:
        constraint = f"node.hostname == {pin}"
        if constraint not in constraints:
            constraints.append(constraint)
    placement: JSON = {
        k: as_json(v)
        for k, v in given_placement.items()
        if v and k in ("preferences", "max_replicas_per_node")
    }
    if constraints:
        placement["constraints"] = constraints
    if placement:
        deploy["placement"] = placement
    if "restart_policy" not in deploy and service.restart:
        condition = RESTART.get(service.restart.split(":")[0])
        if condition:
            deploy["restart_policy"] = {"condition": condition}
    if routing == HOST:
        deploy["endpoint_mode"] = "dnsrr"
    # Roll start-first where two copies can run at once: no host-mode port
    # to share (moby#36934), no local data volume to share.
    order = "stop-first" if host_ports or local else "start-first"
    update: JSON = {
        "order": order,
        "failure_action": "rollback",
        **_object(deploy.get("update_config")),
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
        **_object(deploy.get("rollback_config")),
    }
    return deploy


def _object(value: JSONValue) -> JSON:
    return value if isinstance(value, dict) else {}


def _resources(
    given: Mapping[str, object], service: Service, note: Callable[[str, str], None]
) -> JSON:
    outside = {
        "mem_limit": service.mem_limit,
        "cpus": service.cpus,
        "mem_reservation": text(service.raw.get("mem_reservation")),
    }
    out: JSON = {}
    for part in ("limits", "reservations"):
        values = _object(as_json(given.get(part)))
        for key, (where, what) in RESOURCES.items():
            if where == part and outside[key] and what not in values:
                values[what] = outside[key]
        for key in list(values):
            if key not in ("cpus", "memory"):
                note(
                    WARN,
                    f"deploy.resources.{part}.{key} dropped: Swarm does not take it",
                )
                del values[key]
        if "cpus" in values:
            values["cpus"] = f"{float(text(values['cpus'])):g}"
        if "memory" in values:
            values["memory"] = text(values["memory"])
        if values:
            out[part] = values
    return out
