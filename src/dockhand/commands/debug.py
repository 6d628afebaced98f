"""`inv debug SERVICE`: the service recreated with its debugger listening
(debugpy for Python, the inspector for Node) on a host port of this
checkout's own, 127.0.0.1 only; VS Code's launch configuration written.
`--off` puts it back as it was.

Nothing of the project changes: not the image, not the compose files. The
wrapped command and the port are an override file dockhand writes
(steps.debugging: in its cache folder, never in the project's) and
passes to Compose as one more `-f`; `--off` and `inv up` remove it
and recreate the service without it. What the command is and how it is
wrapped: dockhand.docker.debug.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from dataclasses import replace

from dockhand.checks.ports import port_in_use
from dockhand.config import checkout
from dockhand.docker import compose, containers, launch
from dockhand.docker import debug as build
from dockhand.docker.debug import NODE, Plan
from dockhand.docker.jsondoc import items, mapping
from dockhand.docker.model import Service
from dockhand.errors import DockhandError
from dockhand.session import Session
from dockhand.steps import checkouts, copier, debugging, start
from dockhand.steps.wait import seconds
from dockhand.ui import console

# How often the debugger is looked for while the service starts.
POLL = 0.2


def debug(
    s: Session,
    name: str,
    *,
    wait_for_client: bool = False,
    off: bool = False,
    timeout: float | None = None,
) -> None:
    s.require_engine()
    (name,) = s.check_services([name])
    if off:
        back(s, name, timeout)
        return
    model = s.ask_model()
    if model is None:
        raise DockhandError(
            "inv debug needs Compose v2 or newer (it reads the model as JSON)",
            hint=f"this machine runs {s.find_compose()}; install the Compose v2 plugin",
        )
    service = model.services[name]
    image = model.image_of(name, s.settings.project)
    entrypoint, command = image_command(s, image, name)
    setting = s.settings.services.get(name)
    p = build.plan(
        name,
        *build.effective(service, entrypoint, command),
        port=0,
        wait=wait_for_client,
        setting=setting.debug if setting else None,
    )
    if p.kind != NODE:
        has_debugpy(s, image, p)
    p = replace(p, port=host_port(s, name, p))
    path = debugging.override_path(s.settings, name)
    if s.runner.dry:
        console.status(f"would write {path}:\n{build.override(p)}")
    else:
        debugging.write(path, build.override(p))
    project = replace(s.project, files=(*s.project.files, path))
    argv = compose.up(s.find_compose(), project, [name], no_deps=True)
    # The health check waits for the app, which waits for the client.
    start.run_then_wait(
        s,
        argv,
        f"Compose could not start {name} under its debugger",
        [name],
        not wait_for_client,
        timeout,
        show_urls=False,
    )
    if s.runner.dry:
        return
    wait_listening(s, p, time.monotonic() + seconds(s, timeout))
    console.ok(f"{name} runs under its debugger")
    for line in build.attach_lines(p):
        console.status(f"  {line}")
    write_launch(s, p)
    if wait_for_client:
        console.status(
            f"  {name} starts once a client has attached (--wait-for-client)"
        )
    console.status(f"  back to normal: inv debug {name} --off (or inv up)")


def back(s: Session, name: str, timeout: float | None) -> None:
    """The service recreated from the compose files alone; the override gone."""
    path = debugging.override_path(s.settings, name)
    argv = compose.up(s.find_compose(), s.project, [name], no_deps=True)
    start.run_then_wait(
        s, argv, f"Compose could not recreate {name}", [name], True, timeout,
        show_urls=False,
    )  # fmt: skip
    if not s.runner.dry:
        debugging.remove(path)
    console.ok(f"{name} runs without its debugger")


def image_command(
    s: Session, image: str, name: str
) -> tuple[build.Words | None, build.Words | None]:
    """The image's ENTRYPOINT and CMD (built first when it is not there)."""
    found = s.runner.capture(containers.image_inspect_argv([image]), timeout=60)
    if not found.ok and not s.runner.dry:
        start.build(s, [name])
        found = s.runner.capture(containers.image_inspect_argv([image]), timeout=60)
    if not found.ok:
        if s.runner.dry:
            return None, None
        raise DockhandError(f"no image {image} for {name}", hint=f"inv build {name}")
    config = mapping(
        mapping((items(json.loads(found.stdout)) or [{}])[0]).get("Config")
    )
    return (
        build.words(_words(config.get("Entrypoint"))),
        build.words(_words(config.get("Cmd"))),
    )


def _words(value: object) -> list[str] | None:
    return [str(w) for w in value] if isinstance(value, list) else None


def has_debugpy(s: Session, image: str, p: Plan) -> None:
    """One line saying what to add when the image has no debugpy."""
    if s.runner.dry:
        return
    said = s.runner.capture(build.check_argv(image, p.interpreter), timeout=120)
    if said.ok:
        return
    why = (said.stderr.strip() or "no output").splitlines()[-1]
    raise DockhandError(
        f"{p.service}'s image has no debugpy, the debugger `inv debug` starts "
        f"({p.interpreter} -c 'import debugpy': {why})",
        hint="add it to the image: python3-debugpy in its Dockerfile's apt-get "
        "install (Debian), or debugpy in its requirements; then `inv build "
        f"{p.service}`",
    )


def host_port(s: Session, name: str, p: Plan) -> int:
    """The port the override already publishes, else the debugger's usual
    one (5678, 9229) when no container and no other checkout has it, else
    the next free one PORT_STEP above (as a checkout's ports are chosen)."""
    before = debugging.written_port(s.settings, name)
    if before is not None:
        return before
    if s.runner.dry:
        return build.PORTS[p.kind]
    mine = {st.id for st in s.states([name])}
    taken = {
        port
        for found in checkouts.all_containers(s)
        if found.id not in mine
        for port in found.host_ports
    }
    taken |= checkouts.claimed_ports(s.settings.root)
    chosen = checkout.choose_ports(
        {name: build.PORTS[p.kind]}, taken, lambda port: not port_in_use("", port)
    )
    return chosen[name]


def wait_listening(s: Session, p: Plan, deadline: float) -> None:
    """Until the debugger answers: the inspector's /json/version over the
    published port (Node), the socket listening in the container (debugpy,
    see build.listening); the container's end is an error."""
    while True:
        states = [st for st in s.states([p.service]) if st.state == "running"]
        if not states:
            raise DockhandError(
                f"{p.service} stopped while its debugger started",
                hint=f"see why with `inv logs {p.service}`; "
                f"`inv debug {p.service} --off` puts it back",
            )
        if answers(s, p, states[0].id):
            return
        if time.monotonic() > deadline:
            raise DockhandError(
                f"{p.service}'s debugger did not listen on port {p.inside} in time",
                hint=f"see why with `inv logs {p.service}`; raise --timeout",
            )
        time.sleep(POLL)


def answers(s: Session, p: Plan, container: str) -> bool:
    if p.kind == NODE:
        url = f"http://127.0.0.1:{p.port}/json/version"
        try:
            with urllib.request.urlopen(url, timeout=2) as reply:
                return "Protocol-Version" in json.loads(reply.read() or b"{}")
        except (OSError, ValueError, urllib.error.URLError):
            return False
    said = s.runner.capture(containers.exec_argv(container, build.SOCKETS), timeout=30)
    return build.listening(said.stdout, p.inside)


def write_launch(s: Session, p: Plan) -> None:
    """VS Code's launch.json with the service's attach configuration."""
    _project, model = (
        copier.watch_model(s)
        if s.settings.watch_files and not s.find_compose().is_v1
        else (s.project, s.ask_model())
    )
    service = model.services.get(p.service, Service(p.service)) if model else None
    maps = build.mappings(service) if service else []
    root = s.settings.root
    entry = launch.configuration(p, maps, root)
    written = debugging.write_launch(root, entry)
    console.status(f"  '{launch.PREFIX}{p.service}' written to {written}")
    if not maps:
        console.warn(
            f"{p.service} has no bind mount and no develop.watch sync rule: the "
            "editor cannot map the container's files to the host's"
        )
