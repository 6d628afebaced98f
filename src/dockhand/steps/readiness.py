"""Pure: what a wait covers, and whether a container is ready, failed or not
yet, from the Compose model, what the engine says of the container and the
time. Nothing here talks to the engine; waits.wait_ready drives it.

A service is ready once it has stayed up (healthy, or running where it has no
healthcheck) for a stability window since its last start, so a service that
crashes a moment after it starts is not taken for a ready one. A restart
policy brings a crashed container back, so `State.Running` is no evidence:
the engine's `RestartCount` (reset by every manual start, so it counts the
crashes since `inv up` or `inv restart` started it) says how often it has
crashed. More restarts than a limit fail it at once; fewer, followed by the
window, pass with a warning naming the crash (compose#12424).

A crash is a `die` without a `kill`. A `kill` is a stop someone asked for:
Compose replacing the container (it creates the new one first), a restart
(a `start` follows at once), or someone else (`docker kill`, `docker stop`,
`docker compose stop`), whom no restart policy overrides. A stopped
container that neither starts again nor is being replaced within a short
grace fails the wait, named with how it ended, long before the deadline.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Literal

from dockhand.config.settings import DEFAULTS
from dockhand.docker.states import NUMBER, ONEOFF, SERVICE

if TYPE_CHECKING:
    from dockhand.docker.model import ComposeModel
    from dockhand.docker.states import ServiceState

# The defaults of the wait_stable_seconds and wait_max_restarts settings.
STABLE_SECONDS = float(DEFAULTS["wait_stable_seconds"])
MAX_RESTARTS = int(DEFAULTS["wait_max_restarts"])

# How long a container stopped by a kill may stay down before the wait
# fails: a restart's `start` follows its `stop` within milliseconds, and a
# replacement is known by its `create`, before the old one is stopped
# (Compose v2), or milliseconds after (v1).
STOPPED_GRACE = 2.0

# The condition a dependent sets when it waits for a service to finish.
COMPLETED = "service_completed_successfully"


@dataclass(frozen=True)
class Rules:
    stable_seconds: float = STABLE_SECONDS
    max_restarts: int = MAX_RESTARTS
    stopped_grace: float = STOPPED_GRACE


@dataclass(frozen=True)
class Scope:
    """The services a wait covers, and the ones a dependent waits on to finish.

    `services` None: every service container of the project. `awaited` None:
    not known (Compose v1 has no JSON model), and then a container with no
    restart policy is ready when it exits 0 (a job) or stays up (a service)."""

    services: frozenset[str] | None
    awaited: frozenset[str] | None = frozenset()

    def covers(self, service: str) -> bool:
        return self.services is None or service in self.services

    def is_job(self, state: ServiceState) -> bool | None:
        """A job is meant to finish: no restart policy, and (when the model is
        known) a dependent waits for it with service_completed_successfully.
        None: it may be one (no policy, and no model to tell)."""
        if state.restart_policy not in ("", "no"):
            return False
        return None if self.awaited is None else state.service in self.awaited


def scope(model: ComposeModel, names: Sequence[str]) -> Scope:
    """What `inv up NAMES` (or `inv restart NAMES`) waits for: those services
    and, transitively, what they depend on; every service without names."""
    services = model.services
    awaited = frozenset(
        dependency
        for service in services.values()
        for dependency, how in service.depends_on.items()
        if how.condition == COMPLETED
    )
    if not names:
        return Scope(frozenset(services), awaited)
    wanted: set[str] = set()
    todo = list(names)
    while todo:
        name = todo.pop()
        if name in wanted:
            continue
        wanted.add(name)
        if name in services:
            todo.extend(services[name].depends_on)
    return Scope(frozenset(wanted), awaited)


def scope_without_model(names: Iterable[str]) -> Scope:
    """Compose v1: the services named (v1 has no JSON model to find what they
    depend on), or every one; which ones are jobs is not known."""
    named = frozenset(names)
    return Scope(named or None, None)


@dataclass(frozen=True)
class Watch:
    """One container during a wait: what the engine said last and when, when
    we first saw its current start, and the exit code of the last `die`."""

    state: ServiceState
    job: bool | None  # None: a job or a service, not known (Compose v1)
    seen_at: float  # our clock, when state.started_at was first seen
    looked_at: float  # our clock, when `state` was read
    last_exit: int | None = None
    stopping: bool = False  # killed on request (a stop, a restart, a replacement)
    how: str = ""  # stopping: "killed", or "stopped" once a `stop` event says so
    ended_at: float | None = None  # our clock, when first seen ended
    replaced: bool = False  # Compose created its successor (same service, number)


def watch(state: ServiceState, *, job: bool | None, now: float) -> Watch:
    return Watch(state, job, seen_at=now, looked_at=now)


ENDED = ("exited", "dead", "removed")


def observe(w: Watch, state: ServiceState, now: float) -> Watch:
    """A fresh inspect of the container; a new start restarts the window;
    a stopped one's grace counts from the first look that finds it ended."""
    seen_at = w.seen_at if state.started_at == w.state.started_at else now
    ended_at = w.ended_at if state.state in ENDED else None
    if state.state in ENDED and ended_at is None:
        ended_at = now
    return replace(w, state=state, seen_at=seen_at, looked_at=now, ended_at=ended_at)


def on_event(w: Watch, action: str, attributes: Mapping[str, str]) -> Watch:
    """What one engine event says of the watched container (a fresh inspect
    follows each): `kill`, `stop`, `die` (with its exitCode), `start`."""
    if action == "kill":
        return killed(w)
    if action == "stop":
        return replace(w, how="stopped") if w.stopping else w
    if action == "die":
        return died(w, int(attributes.get("exitCode") or 0))
    if action == "start":
        return started(w)
    return w


def replaces(w: Watch, attributes: Mapping[str, str]) -> bool:
    """Whether a container just created (its labels: `attributes`) is the
    successor Compose makes of `w`'s: same service and number, not a one-off
    (`compose run`)."""
    return (
        attributes.get(ONEOFF) != "True"
        and attributes.get(SERVICE) == w.state.service
        and bool(w.state.number)
        and attributes.get(NUMBER) == w.state.number
    )


def being_replaced(w: Watch) -> Watch:
    return replace(w, replaced=True)


def died(w: Watch, exit_code: int) -> Watch:
    """A `die` event: remember a crash's exit code, which the engine resets
    to 0 once a restart policy has started the container again. The end of a
    stop that was asked for (a `kill` came first) is no crash."""
    return replace(w, last_exit=exit_code) if exit_code and not w.stopping else w


def killed(w: Watch) -> Watch:
    """A `kill` event: someone stops it (Compose replacing it, `restart`
    itself, a user); its exit is not this service crashing."""
    return replace(w, stopping=True, how=w.how or "killed")


def started(w: Watch) -> Watch:
    """A `start` event: whatever stopped it, it runs again."""
    return replace(w, stopping=False, how="", ended_at=None, replaced=False)


@dataclass(frozen=True)
class Verdict:
    status: Literal["waiting", "ready", "failed"]
    reason: str = ""  # failed: what happened, after the service name
    recheck_at: float | None = None  # waiting: when to inspect it again, our clock
    warning: str = ""  # ready: a crash it recovered from
    hint: str = ""  # failed: what to do, when it is not to fix the service


def _crash_exit(w: Watch) -> int | None:
    if w.state.state in ("restarting", "exited") and w.state.exit_code != 0:
        return w.state.exit_code
    return w.last_exit


def _restart_due(w: Watch) -> bool:
    """Exited, not on request, under a policy that starts it again. Docker
    says `restarting` until it does; Podman says `exited` (for 100-800 ms,
    measured on 5.8), so the wait gives it the grace of a stop."""
    s = w.state
    if w.stopping or s.state != "exited":
        return False
    policy = s.restart_policy
    return policy in ("always", "unless-stopped") or (
        policy == "on-failure" and s.exit_code != 0
    )


def _exit_text(w: Watch) -> str:
    code = _crash_exit(w)
    return f"exit code {code}" if code is not None else "exit code unknown"


def _times(n: int) -> str:
    return "1 time" if n == 1 else f"{n} times"


def _stopped(w: Watch, now: float, rules: Rules) -> Verdict:
    """Killed or stopped on request, and ended: its successor is awaited
    (the deadline names it should none start); a start may follow within
    the grace; after it, someone else stopped it."""
    if w.replaced:
        return Verdict("waiting", "was replaced")
    ended_at = w.looked_at if w.ended_at is None else w.ended_at
    if now < ended_at + rules.stopped_grace:
        return Verdict(
            "waiting", "was stopped", recheck_at=ended_at + rules.stopped_grace
        )
    how = w.how or "killed"
    hint = f"it was {how} outside this command: `inv up` starts it again"
    if w.state.state == "removed":
        return Verdict("failed", f"was {how} and removed during the wait", hint=hint)
    return Verdict(
        "failed",
        f"was {how} during the wait (exit code {w.state.exit_code})",
        hint=hint,
    )


def deadline_failure(late: Iterable[tuple[Watch, Verdict]]) -> str:
    """The line when the deadline passed: each service not ready, with what
    it was waiting for (or its state)."""
    return (
        ", ".join(
            sorted(
                f"{w.state.service} ({v.reason or w.state.summary})" for w, v in late
            )
        )
        + " not healthy after the deadline"
    )


def young(s: ServiceState, rules: Rules) -> str:
    """Up, but not yet for the stability window."""
    return f"{s.health or 'running'}, not yet for {rules.stable_seconds:g} s"


def judge(w: Watch, now: float, rules: Rules, since: float) -> Verdict:
    """Ready, failed or waiting, now. `since`: when the command began (our
    clock); a restart after it is a crash of this start, worth a warning."""
    s = w.state
    if w.stopping and s.state in ENDED:
        return _stopped(w, now, rules)
    if s.state == "removed":
        return Verdict("failed", "was removed")
    if w.job is None and s.state in ("exited", "dead") and s.exit_code == 0:
        return Verdict("ready")  # finished, so it was a job; up, it is a service
    if w.job:
        if s.state in ("exited", "dead"):
            if s.exit_code == 0:
                return Verdict("ready")
            return Verdict("failed", f"exited ({s.exit_code})")
        return Verdict("waiting")
    # The engine marks a container that died unhealthy: only a running one's
    # health says anything.
    if s.state == "running" and s.health == "unhealthy":
        return Verdict("failed", "unhealthy")
    if s.state in ("exited", "dead"):
        if s.restart_count > rules.max_restarts:
            return Verdict(
                "failed",
                f"keeps restarting: {_exit_text(w)}, restarted "
                f"{_times(s.restart_count)}",
            )
        if _restart_due(w):
            ended_at = w.looked_at if w.ended_at is None else w.ended_at
            if now < ended_at + rules.stopped_grace:
                return Verdict(
                    "waiting",
                    f"exited ({s.exit_code}), to be restarted",
                    recheck_at=ended_at + rules.stopped_grace,
                )
        if s.exit_code == 0:
            return Verdict(
                "failed",
                "exited (0), but it is not a job: no service waits for it with "
                f"condition: {COMPLETED}",
            )
        return Verdict("failed", f"exited ({s.exit_code})")
    started = s.started_at.timestamp() if s.started_at is not None else w.seen_at
    # Measured from the engine's StartedAt, but never longer than the window
    # after we first saw this start (should the two clocks disagree).
    stable_at = min(started, w.seen_at) + rules.stable_seconds
    if s.state == "running" and s.health in ("", "healthy") and now >= stable_at:
        if w.looked_at < stable_at:
            # Ready only on a look taken once the window is over, so a crash
            # whose event is still on its way is not missed.
            return Verdict("waiting", young(s, rules), recheck_at=stable_at)
        warning = ""
        if s.restart_count and started >= since:
            warning = (
                f"{s.service} crashed ({_exit_text(w)}) and was restarted "
                f"{_times(s.restart_count)}, then stayed up for "
                f"{rules.stable_seconds:g} s; see `inv logs {s.service}`"
            )
        return Verdict("ready", warning=warning)
    if s.restart_count > rules.max_restarts:
        return Verdict(
            "failed",
            f"keeps restarting: {_exit_text(w)}, restarted {_times(s.restart_count)}",
        )
    if s.state == "running" and s.health in ("", "healthy"):
        return Verdict("waiting", young(s, rules), recheck_at=stable_at)
    return Verdict("waiting")  # restarting, starting, created, paused
