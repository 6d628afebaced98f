"""Onboarding: what `inv setup` and `inv env` do.

Setup chains doctor's machine checks (dockhand.commands.check), the env file
(dockhand.envfile), build, up and migrate (dockhand.commands.stack, .dev).
"""

from __future__ import annotations

import json as jsonlib
import os
import time
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

from dockhand import discovery, envfile
from dockhand.checks.report import machine_step
from dockhand.config import invoke_file
from dockhand.config.defaults import INVOKE_FILES
from dockhand.docker import engine, trust_store
from dockhand.docker.router_trust import own_files
from dockhand.errors import DockhandError
from dockhand.session import Session
from dockhand.steps import (
    checkouts,
    confirm,
    data_copy,
    migration_safety,
    router,
    router_trust,
    router_urls,
    start,
)
from dockhand.ui import console

if TYPE_CHECKING:
    from dockhand.envfile import Variable


def env(s: Session, *, show_secrets: bool = False, as_json: bool = False) -> None:
    """`inv env`: the effective variables and their sources, secrets masked."""
    settings = s.settings
    example = (
        envfile.read(settings.env_example) if settings.env_example.is_file() else None
    )
    # Compose's env files, the one that wins first (dockhand.docker.compose_env)
    envs = [envfile.read(path) for path in reversed(s.project.env_files)]
    for found in (example, *envs):
        if found is not None:
            found.require_valid()
    current = envs[0] if envs else None
    if current is None and example is None:
        if as_json:
            console.print_data("[]")
            return
        console.status(
            f"no variables: neither {settings.env_file.name} nor "
            f"{settings.env_example.name} exists, so Compose reads none from them"
        )
        return
    if current is None:
        console.warn(
            f"{settings.env_file} does not exist; "
            + (
                f"showing {settings.env_example.name} (`inv setup` creates it)"
                if example is not None
                else f"nor does {settings.env_example.name}"
            )
        )
    for env in envs:
        for note in envfile.differences(env):
            console.warn(str(note))
    variables = envfile.effective(envs, example, os.environ, settings.root)
    secrets = [v.value for v in variables if v.secret and v.value]

    def shown(v: Variable) -> str:
        if v.value is None or show_secrets:
            return v.value or ""
        return envfile.mask(v.value) if v.secret else envfile.redact(v.value, secrets)

    if as_json:
        rows = [
            {
                "key": v.key,
                "value": None if v.value is None else shown(v),
                "source": v.source,
                "secret": v.secret,
            }
            for v in variables
        ]
        console.print_data(jsonlib.dumps(rows, indent=2))
        return
    console.table(
        ("VARIABLE", "VALUE", "SOURCE"),
        [[v.key, shown(v), v.source] for v in variables],
    )


def _env_step(s: Session, project: str = "", new_ports: bool = False) -> None:
    settings = s.settings
    name, example_name = settings.env_file.name, settings.env_example.name
    outcome = envfile.ensure(settings.env_file, settings.env_example, dry=s.runner.dry)
    dry = s.runner.dry
    if outcome.no_example:
        exists = settings.env_file.exists()
        console.ok(
            f"no {example_name} to make {name} from; "
            + (f"{name} is valid" if exists else "the project uses no env file")
        )
        if not exists:
            return
    elif outcome.created:
        console.ok(
            f"{'would create' if dry else 'created'} {name} from {example_name} (mode "
            f"0600; secrets generated: {', '.join(outcome.generated) or 'none'})"
        )
    elif outcome.added:
        console.ok(
            f"{'would add' if dry else 'added'} to {name}: {', '.join(outcome.added)} "
            "(existing values kept)"
        )
    else:
        console.ok(f"{name} has every key of {example_name}; kept as it is")
    checkouts.identify(s, created=outcome.created, name=project, new_ports=new_ports)
    if outcome.created and not dry:
        _warn_about_old_volumes(s)
    if outcome.tightened:
        console.ok(
            f"{'would chmod' if dry else 'made'} {name} 0600 (other users could read it)"
        )
    if outcome.unknown:
        console.warn(
            f"{name} has keys {example_name} does not list: "
            f"{', '.join(outcome.unknown)} (a typo?)"
        )
    if dry and (outcome.created or outcome.added):
        # Compose cannot read a file that does not exist yet, or lacks keys
        # the compose files require: the dry run shows the example's reading.
        s.project = replace(s.project, env_files=(settings.env_example,))
        console.status(f"(dry run: the commands below read {example_name})")
        return
    current = envfile.read(settings.env_file)
    marked = (
        envfile.read(settings.env_example).secret_keys
        if settings.env_example.exists()
        else frozenset()
    )
    left = envfile.placeholders(current, marked)
    if left:
        raise DockhandError(
            f"{name} still has a placeholder or empty secret: {', '.join(left)}",
            hint=f"delete those lines from {name} to have them generated (a database "
            "created with the old password needs `inv down --volumes` first)",
        )
    for note in envfile.differences(current):
        console.warn(str(note))


def _warn_about_old_volumes(s: Session) -> None:
    """A new .env has new passwords; data volumes from before keep the old ones."""

    volumes = confirm.volume_names(s)
    if volumes:
        console.warn(
            f"data volumes from an earlier .env exist ({', '.join(volumes)}): a "
            "database in them keeps its old password; if `up` cannot connect, "
            "`inv down --volumes` deletes them (and their data)"
        )


def _urls(s: Session) -> dict[str, list[str]]:
    """Each service's URLs as `inv up` prints them: the router's names
    (http, https) first where it serves them, then the port URL."""
    if s.runner.dry:
        return {}
    states = engine.states(s.connect(), s.settings.project)
    try:
        published = router.routed(s, states) if router.config().on else None
    except DockhandError:  # up said why the router is not there
        published = None
    return router_urls.urls(s.settings, states, published)


def _summary(s: Session, started: float) -> None:
    example = s.settings.default_service or "SERVICE"
    lines = [
        f"setup done in {time.monotonic() - started:.0f} s "
        f"(project {s.settings.project})",
        *(f"  {service:<12} {'  '.join(urls)}" for service, urls in _urls(s).items()),
        "next:",
        "  inv ps                  state, health and ports of each service",
        f"  inv logs -f {example:<11} follow one service's logs",
        "  inv shell               a shell in the default service",
        *(
            ["  inv migrate --status    applied and pending migrations"]
            if s.settings.migrations
            else []
        ),
        "  inv env                 the variables Compose sees (secrets masked)",
        "  inv down                stop the stack (data is kept)",
    ]
    console.status("\n".join(lines))


def _ports_stay(s: Session, new_ports: bool) -> bool:
    """Whether setup keeps the env file's ports and name (so doctor's port
    checks apply): not for a new env file, a copied one, --new-ports, or a
    checkout whose stack runs under an older name (its ports are its own)."""

    if not s.settings.env_file.is_file() or s.settings.copied_from or new_ports:
        return False
    return not discovery.older_project(s)


def _doctor_step(s: Session, new_ports: bool) -> None:
    machine_step(s, ports=_ports_stay(s, new_ports))
    _offer_trust(s)


def _offer_trust(s: Session) -> None:
    """When the host trusts CAs the containers would not (doctor's `trust`
    line), ask to turn dockhand.trust on, in the project's invoke.yaml;
    without a terminal, say how and leave it off."""
    settings = s.settings
    if settings.trust or s.runner.dry:
        return
    own = own_files(os.environ)  # the router's root: not offered
    extras = trust_store.read(settings.trust_path, own=own).extras
    if not extras:
        return
    by_hand = "add `trust: true` under `dockhand:` in invoke.yaml (docs/trust.md)"
    names = ", ".join(c.subject for c in extras[:3])
    more = f" and {len(extras) - 3} more" if len(extras) > 3 else ""
    if not confirm.yes_or_no(
        f"this machine trusts {len(extras)} CA(s) its containers and builds "
        f"would not ({names}{more}); hand them on (dockhand.trust)?"
    ):
        why = "" if confirm.can_ask() else " (no terminal to ask on)"
        console.status(f"dockhand.trust stays off{why}; to turn it on, {by_hand}")
        return
    path = next(
        (settings.root / n for n in INVOKE_FILES if (settings.root / n).is_file()),
        settings.root / INVOKE_FILES[0],
    )
    text = path.read_text() if path.is_file() else ""
    new = invoke_file.with_key(text, "trust", "true")
    if new is None:
        console.warn(f"{path.name} could not be edited safely: {by_hand}")
    else:
        path.write_text(new)
        console.ok(f"dockhand.trust is on: `trust: true` added to {path.name}")
    s.reload(replace(settings, trust=True))


def _up_step(s: Session, timeout: float | None) -> None:
    start.up(s, [], timeout=timeout, show_urls=False)
    router_trust.offer(s)  # the router's HTTPS root, once it serves it


def setup(
    s: Session,
    *,
    timeout: float | None = None,
    name: str = "",
    new_ports: bool = False,
    data_from: str = "",
) -> None:
    """`inv setup`: each step in order; a failure names its step."""
    started = time.monotonic()
    steps: list[tuple[str, Callable[[], None]]] = [
        ("doctor", lambda: _doctor_step(s, new_ports)),
        ("env file", lambda: _env_step(s, name, new_ports)),
        ("build", lambda: start.build(s, [])),
        ("up", lambda: _up_step(s, timeout)),
    ]
    if data_from:
        source = data_copy.source_checkout(s, data_from)
        steps.append(("data", lambda: data_copy.copy_from(s, source)))
    steps.append(
        (
            "migrate",
            lambda: migration_safety.apply_safely(s) if s.settings.migrations else None,
        )
    )
    for number, (step, run) in enumerate(steps, 1):
        console.step(f"setup {number}/{len(steps)}: {step}")
        try:
            run()
        except DockhandError as exc:
            # The same object, so a health failure keeps its details and an
            # interrupt its exit code; the message names the step.
            exc.message = f"setup stopped at step {number} ({step}): {exc.message}"
            exc.hint = f"{exc.hint}; then run `inv setup` again".lstrip("; ")
            raise
    _summary(s, started)
