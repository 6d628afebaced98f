"""`inv setup`'s identity step: this checkout's project name and host ports
(dockhand.config.checkout has the rules), and the record of the checkouts seen."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path

from dockhand import envfile
from dockhand.checks.ports import port_in_use
from dockhand.config import checkout
from dockhand.config.checkout import MARKER_VAR, NAME_VAR, Identity
from dockhand.docker import compose_cache, containers, engine
from dockhand.docker import inventory as projects
from dockhand.docker.states import PROJECT, Container, container_of
from dockhand.envfile.generation import write_private
from dockhand.errors import DockhandError
from dockhand.session import Session
from dockhand.steps import lock
from dockhand.ui import console

RECORD = "checkouts.json"
WORKING_DIR = "com.docker.compose.project.working_dir"
ENV_FILE = "com.docker.compose.project.environment_file"


# --- the checkouts this machine has seen --------------------------------------


def recorded() -> dict[str, str]:
    """project -> checkout folder, of every checkout `inv setup` named here."""
    try:
        data = json.loads((compose_cache.location() / RECORD).read_text())
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def record(project: str, root: Path) -> None:
    found = recorded()
    if found.get(project) == str(root):
        return
    found[project] = str(root)
    folder = compose_cache.location()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        partial = folder / f"{RECORD}.{os.getpid()}"
        partial.write_text(json.dumps(found, indent=1, sort_keys=True))
        partial.replace(folder / RECORD)
    except OSError:
        pass  # best effort: inv ls and gc also read the containers' labels


def forget(projects: set[str]) -> None:
    found = recorded()
    if not set(found) & projects:
        return
    folder = compose_cache.location()
    partial = folder / f"{RECORD}.{os.getpid()}"
    partial.write_text(
        json.dumps({k: v for k, v in found.items() if k not in projects}, indent=1)
    )
    partial.replace(folder / RECORD)


# --- what the engine holds ----------------------------------------------------


def all_containers(s: Session) -> list[Container]:
    """`docker inspect` of every container on the engine, stopped ones too."""
    listed = s.runner.capture(containers.all_ids_argv(), timeout=30)
    if not listed.ok:
        raise engine.unreachable(containers.unreachable_reason(listed.stderr))
    ids = listed.stdout.split()
    if not ids:
        return []
    found = s.runner.capture(containers.inspect_argv(ids), timeout=60)
    try:
        data = json.loads(found.stdout or "[]")
    except ValueError:
        return []
    return [container_of(d) for d in data if isinstance(d, dict)]


def bound_ports(inspected: list[Container], but: str = "") -> set[int]:
    """Host ports any container (running or not) is set to publish, except
    those of project `but`."""
    return {
        port
        for item in inspected
        if not (but and item.labels.get(PROJECT) == but)
        for port in item.host_ports
    }


def claimed_ports(root: Path) -> set[int]:
    """The host ports other checkouts' env files set (their stacks may be down)."""
    ports: set[int] = set()
    for folder in set(recorded().values()):
        other = Path(folder)
        if other == root or not (other / ".env").is_file():
            continue
        ports.update(checkout.port_keys(envfile.values(other / ".env")).values())
    return ports


def project_made_here(inspected: list[Container], root: Path, env: Path) -> str:
    """The project of containers Compose made from this folder and env file,
    if any (a checkout from before names of its own keeps its stack and data;
    a test's stack from the same folder has an env file of its own)."""
    names = {
        item.labels.get(PROJECT, "")
        for item in inspected
        if item.labels.get(WORKING_DIR) == str(root)
        and item.labels.get(ENV_FILE) == str(env)
    }
    names.discard("")
    return sorted(names)[0] if len(names) == 1 else ""


# --- the step -----------------------------------------------------------------


def _explicit_source(s: Session) -> str:
    """Where an explicit name comes from, or "" when the checkout may get its own."""
    settings = s.settings
    if settings.project_given:
        return settings.project_source
    if os.environ.get(NAME_VAR):
        return f"{NAME_VAR} in the environment"
    if settings.project_source == "name: in the compose file":
        return settings.project_source
    return ""


def _current(s: Session) -> Identity:
    env = s.settings.env_file
    values = envfile.values(env) if env.is_file() else {}
    return checkout.identity(values, s.settings.root)


def identify(
    s: Session, *, created: bool, name: str = "", new_ports: bool = False
) -> None:
    """Give this checkout its project name and host ports, in its env file."""
    settings = s.settings
    env_name = settings.env_file.name
    if not settings.env_file.is_file():
        if name:
            raise DockhandError(
                "--name needs an env file to keep the name in",
                hint="set dockhand.project in invoke.yaml instead",
            )
        return
    explicit = _explicit_source(s)
    found = _current(s)
    writes: dict[str, str] = {}
    if explicit:
        if name and name != settings.project:
            raise DockhandError(
                f"--name {name} cannot change the name {settings.project!r} given by "
                f"{explicit}",
                hint="change it there, or drop --name",
            )
        console.ok(
            f"project {settings.project} (from {explicit}: every checkout that "
            "says so shares this stack)"
        )
        chosen = settings.project
    elif found.kind == "explicit" and not name:
        console.ok(
            f"project {found.name} ({NAME_VAR} in {env_name}, set by hand: every "
            "checkout whose env file says so shares this stack)"
        )
        chosen = found.name
    else:
        chosen, said = _choose_name(s, found, name)
        console.ok(said)
        if found.name != chosen or found.marker != str(settings.root):
            writes = {NAME_VAR: chosen, MARKER_VAR: str(settings.root)}
    if created or found.kind == "copied" or new_ports:
        writes.update(_ports(s, chosen, moving=new_ports))
    if writes and not s.runner.dry:
        _write(settings.env_file, writes)
        s.reload()  # Compose reads the new values next time
    elif writes:
        console.status(f"(dry run: would write {', '.join(writes)} to {env_name})")
    if chosen != settings.project:
        s.reload(
            replace(
                settings,
                project=chosen,
                project_source=discovery_source(),
                copied_from="",
            )
        )
        if not s.runner.dry:
            lock.hold(chosen, "setup")
    s.keep(replace(s.settings, copied_from=""))
    if not s.runner.dry and not explicit:
        record(chosen, settings.root)


def discovery_source() -> str:
    return "this checkout's own name (.env, made by inv setup)"


def _choose_name(s: Session, found: Identity, name: str) -> tuple[str, str]:
    root = s.settings.root
    if name:
        return name, f"project {name} (--name), kept in {s.settings.env_file.name}"
    if found.kind == "own":
        return found.name, f"project {found.name} (this checkout's own)"
    if found.kind == "moved":
        return found.name, (
            f"project {found.name}: the env file was made in {found.marker}, which "
            "no longer exists; this checkout carries on with its name and data"
        )
    if found.kind == "copied":
        own = checkout.own_name(root)
        return own, (
            f"{s.settings.env_file.name} was copied from {found.marker} (project "
            f"{found.name}); this checkout gets its own project {own} and ports"
        )
    env = s.settings.env_file
    old = "" if s.runner.dry else project_made_here(all_containers(s), root, env)
    if old:
        return old, (
            f"project {old}: its containers were made from this folder; "
            "kept, with its data"
        )
    own = checkout.own_name(root)
    _warn_about_orphans(s, own)
    return own, f"project {own} (this checkout's own name)"


def _warn_about_orphans(s: Session, own: str) -> None:
    """Volumes no container uses, named like this stack's, from before it had
    a name of its own: say how to keep them."""
    if s.runner.dry:
        return
    model = s.ask_model()
    keys = set(model.volumes) if model else set()
    if not keys:
        return
    in_use = {item.labels.get(PROJECT) for item in all_containers(s)}
    listed = s.runner.capture(projects.LIST_VOLUMES, timeout=30)
    on_record = recorded()
    found = set()
    for _volume, text in projects.pairs(listed.stdout):
        volume_labels = projects.parse_labels(text)
        name = volume_labels.get(PROJECT, "")
        if (
            name
            and name != own
            and name not in in_use
            and name not in on_record
            and volume_labels.get("com.docker.compose.volume") in keys
        ):
            found.add(name)
    if found:
        names = sorted(found)
        shown = ", ".join(names[:3]) + (
            f" and {len(names) - 3} more" if len(names) > 3 else ""
        )
        console.warn(
            f"volumes like this stack's, of projects with no containers and no "
            f"checkout on record: {shown}; if one is this checkout's data from "
            f"before, `inv setup --name {names[0]}` keeps using it"
        )


def _ports(s: Session, project: str, *, moving: bool) -> dict[str, str]:
    """Free host ports for this checkout: the example's defaults when nobody
    has them, else the next free ones."""
    settings = s.settings
    source = (
        settings.env_example if settings.env_example.is_file() else settings.env_file
    )
    current = envfile.values(settings.env_file)
    wanted = checkout.port_keys(envfile.values(source))
    wanted = {k: v for k, v in wanted.items() if k not in os.environ}
    if not wanted or s.runner.dry:
        return {}
    taken = bound_ports(all_containers(s), but="" if moving else project)
    taken |= claimed_ports(settings.root)
    if moving:
        taken |= set(checkout.port_keys(current).values())
    chosen = checkout.choose_ports(
        wanted, taken, lambda port: not port_in_use("", port)
    )
    moved = {k: str(v) for k, v in chosen.items() if str(v) != current.get(k)}
    if moved:
        console.ok(
            "host ports for this checkout: "
            + ", ".join(f"{k}={v}" for k, v in chosen.items())
        )
    return moved


def _write(path: Path, values: dict[str, str]) -> None:
    text = path.read_text(encoding="utf-8")
    write_private(path, checkout.set_keys(text, values, "this checkout's (inv setup)"))
