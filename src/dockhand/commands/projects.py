"""`inv ls` and `inv gc`: every Compose project on this engine with its
checkout, and the leftovers of checkouts that no longer exist
(dockhand.docker.inventory gathers them; this module asks the engine and removes)."""

from __future__ import annotations

import json

from dockhand.docker import disk_usage, engine
from dockhand.docker import inventory as projects
from dockhand.docker.inventory import Project
from dockhand.errors import DockhandError
from dockhand.session import Session
from dockhand.steps import checkouts, router
from dockhand.steps.confirm import refuse_without_terminal, typed
from dockhand.ui import console, sizes


def gather(s: Session, *, with_sizes: bool = True) -> list[Project]:
    listed = [
        s.runner.capture(argv, timeout=60)
        for argv in (
            projects.LIST_VOLUMES,
            projects.LIST_NETWORKS,
            projects.LIST_IMAGES,
        )
    ]
    volume_sizes: dict[str, int] = {}
    if with_sizes:
        volume_sizes = disk_usage.volume_sizes(s.connect())
    return projects.gather(
        checkouts.all_containers(s),
        projects.pairs(listed[0].stdout),
        projects.pairs(listed[1].stdout),
        listed[2].stdout.split(),
        checkouts.recorded(),
        volume_sizes,
    )


def _where(p: Project) -> str:
    if not p.path:
        return "(not known)"
    return p.path + ("" if p.exists else "  (gone)")


def _volumes(p: Project) -> str:
    """How many and their size (the names are in --json)."""
    if not p.volumes:
        return ""
    known = [size for size in p.volumes.values() if size >= 0]
    total = sizes.size(sum(known)) if known else "size unknown"
    return f"{len(p.volumes)} ({total})"


def ls(s: Session, *, as_json: bool) -> None:
    """`inv ls`."""
    s.require_engine()
    found = gather(s)
    if as_json:
        console.print_data(json.dumps([p.as_dict() for p in found], indent=2))
        return
    if not found:
        console.status("no Compose projects on this engine")
        return
    rows = [
        [
            p.name + (" *" if p.name == s.settings.project else ""),
            _where(p),
            p.state,
            ", ".join(str(port) for port in sorted(p.ports)),
            _volumes(p),
        ]
        for p in found
    ]
    console.table(
        ("PROJECT", "CHECKOUT", "STATE", "PORTS", "VOLUMES"),
        rows,
        {
            "PROJECT": {"no_wrap": True},
            "CHECKOUT": {"overflow": "fold"},
            "STATE": {"no_wrap": True},
            "VOLUMES": {"no_wrap": True},
        },
    )
    console.status(
        "* this checkout; (gone): its folder no longer exists, `inv gc` removes what is left"
    )


def _items(p: Project, volumes: bool) -> list[str]:
    items = [f"{p.name}  (was {p.path})"]
    if p.containers:
        items.append(f"  {len(p.containers)} container(s)")
    items += [f"  network {n}" for n in sorted(p.networks)]
    items += [f"  image {i}" for i in sorted(p.images)]
    for name, size in sorted(p.volumes.items()):
        shown = sizes.size(size) if size >= 0 else "size unknown"
        items.append(f"  volume {name} ({shown})" + ("" if volumes else "  kept"))
    return items


def gc(s: Session, *, volumes: bool, yes: bool, only: str = "") -> None:
    """`inv gc`: what is left of checkouts whose folder is gone."""

    s.require_engine()
    where = engine.current_endpoint()
    if where.socket is None:
        raise DockhandError(
            f"inv gc works on an engine on this machine, not {engine.endpoint(where)}",
            hint="its projects' folders are on that machine: run `inv gc` there",
        )
    gone = [p for p in gather(s, with_sizes=True) if p.gone]
    if only:
        gone = [p for p in gone if p.name == only]
    removable = [p for p in gone if projects.removal_argv(p, volumes=volumes)]
    if not removable:
        _router_gc(s)
        console.ok(
            "nothing to remove: no project's checkout is gone"
            if not gone
            else "nothing to remove but volumes (kept; `inv gc --volumes` deletes them)"
        )
        return
    console.warn(
        "inv gc removes what is left of these checkouts, whose folders are gone:"
    )
    for p in removable:
        for item in _items(p, volumes):
            console.status(f"  {item}")
    if not _confirmed(s, yes=yes, volumes=volumes):
        return
    for p in removable:
        router.withdraw(s, p.name)  # else its networks stay: the router is on them
        for argv in projects.removal_argv(p, volumes=volumes):
            code = s.runner.run(argv).code
            if code != 0:
                raise DockhandError(
                    f"could not remove all of project {p.name}'s leftovers",
                    hint="see docker's output above",
                    code=code,
                )
    if volumes and not s.runner.dry:
        checkouts.forget({p.name for p in removable})
    _router_gc(s)
    kept = sum(len(p.volumes) for p in removable) if not volumes else 0
    console.ok(
        f"removed the leftovers of {len(removable)} checkout(s)"
        + (f"; {kept} volume(s) kept (`inv gc --volumes` deletes them)" if kept else "")
    )


def _confirmed(s: Session, *, yes: bool, volumes: bool) -> bool:
    if yes or s.runner.dry:
        return True
    refuse_without_terminal("remove", "inv gc --volumes" if volumes else "inv gc")
    if not typed("Type 'gc' to remove them: ", "gc"):
        console.status("not confirmed: nothing changed")
        return False
    return True


def _router_gc(s: Session) -> None:
    """The router goes once no checkout's routes are in it."""
    name = router.config().name
    if router.remove_unused(s):
        console.ok(f"removed the router {name}: no checkout uses it")
