"""The readiness rules without an engine: the scope of a wait from a Compose
model, jobs, and the verdicts on container states, events and the time."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone
from typing import Any

import pytest

from dockhand.docker.model import parse
from dockhand.docker.states import NUMBER, ONEOFF, SERVICE, ServiceState
from dockhand.steps import readiness
from dockhand.steps.readiness import Rules, Scope, Watch, judge

T0 = 1_800_000_000.0  # when the command began, our clock
RULES = Rules(stable_seconds=3, max_restarts=2)

MODEL: dict[str, Any] = {
    "services": {
        "db": {"restart": "unless-stopped"},
        "redis": {},
        "migrate": {
            "restart": "no",
            "depends_on": {"db": {"condition": "service_healthy", "required": True}},
        },
        "backend": {
            "depends_on": {
                "migrate": {"condition": "service_completed_successfully"},
                "redis": {"condition": "service_started"},
            }
        },
        "worker": {"depends_on": {"backend": {"condition": "service_healthy"}}},
        "docs": {},
    }
}


def at(seconds: float) -> datetime:
    return datetime.fromtimestamp(T0 + seconds, tz=timezone.utc)


def state(
    status: str = "running",
    *,
    started: float = 0.0,
    health: str = "",
    exit_code: int = 0,
    restarts: int = 0,
    policy: str = "always",
    service: str = "web",
) -> ServiceState:
    return ServiceState(
        service,
        f"p-{service}-1",
        status,
        health,
        exit_code,
        (),
        at(started),
        restart_count=restarts,
        restart_policy=policy,
        id=f"id-{service}",
    )


def verdict(w: Watch, now: float) -> readiness.Verdict:
    return judge(w, T0 + now, RULES, since=T0)


def look(w: Watch, now: float) -> Watch:
    """Inspect again at `now` and find nothing changed."""
    return readiness.observe(w, w.state, T0 + now)


def test_scope_is_the_names_and_what_they_depend_on() -> None:
    assert readiness.scope(parse(MODEL), ["backend"]).services == {
        "backend",
        "migrate",
        "redis",
        "db",
    }
    assert readiness.scope(parse(MODEL), ["worker"]).services == {
        "worker",
        "backend",
        "migrate",
        "redis",
        "db",
    }
    assert readiness.scope(parse(MODEL), ["db"]).services == {"db"}
    assert readiness.scope(parse(MODEL), ["docs", "redis"]).services == {
        "docs",
        "redis",
    }
    everything = readiness.scope(parse(MODEL), [])
    assert everything.services == set(MODEL["services"])
    assert everything.awaited == {"migrate"}


def test_scope_without_a_model_is_the_names_or_everything() -> None:
    assert readiness.scope_without_model(["db"]) == Scope(frozenset({"db"}), None)
    assert readiness.scope_without_model([]).services is None
    assert readiness.scope_without_model([]).covers("anything")


def test_a_job_has_no_restart_policy_and_a_dependent_waiting_for_it() -> None:
    scope = readiness.scope(parse(MODEL), [])
    assert scope.is_job(state("exited", service="migrate", policy="no"))
    assert scope.is_job(state("exited", service="migrate", policy=""))
    # awaited, but restarted by the engine: a service, not a job
    assert not scope.is_job(state("exited", service="migrate", policy="on-failure"))
    # no restart policy, but nothing waits for it to complete
    assert not scope.is_job(state("exited", service="docs", policy="no"))
    # Compose v1: no model, so any container without a policy may be one
    assert readiness.scope_without_model([]).is_job(state(policy="no")) is None
    assert readiness.scope_without_model([]).is_job(state(policy="always")) is False


def test_under_compose_v1_a_container_without_a_policy_is_ready_up_or_done() -> None:
    """v1 gives no model to tell a job from a service: such a container is
    ready when it exits 0 (a job) and when it stays up and healthy (a
    service); a running one waited for its exit forever."""
    maybe = readiness.scope_without_model([]).is_job(state(policy="no"))
    up = readiness.watch(state(health="healthy", policy="no"), job=maybe, now=T0)
    assert verdict(up, 1).status == "waiting"
    assert verdict(look(up, 3), 3) == readiness.Verdict("ready")

    def ended(code: int) -> readiness.Verdict:
        s = state("exited", exit_code=code, policy="no")
        return verdict(readiness.watch(s, job=maybe, now=T0), 1)

    assert ended(0) == readiness.Verdict("ready")
    assert ended(2) == readiness.Verdict("failed", "exited (2)")


def test_running_is_ready_only_after_the_stability_window() -> None:
    w = readiness.watch(state(started=0.2), job=False, now=T0 + 0.5)
    early = verdict(w, 1.0)
    assert early.status == "waiting" and early.recheck_at == T0 + 3.2
    assert verdict(w, 3.19).status == "waiting"
    # The window is over, but the last look was before: look again first.
    assert verdict(w, 3.2) == readiness.Verdict(
        "waiting", "running, not yet for 3 s", recheck_at=T0 + 3.2
    )
    assert verdict(look(w, 3.2), 3.2) == readiness.Verdict("ready")


def test_healthy_is_ready_after_the_window_and_starting_waits_for_an_event() -> None:
    healthy = readiness.watch(state(health="healthy"), job=False, now=T0)
    assert verdict(healthy, 1).status == "waiting"
    assert verdict(look(healthy, 3), 3).status == "ready"
    starting = readiness.watch(state(health="starting"), job=False, now=T0)
    assert verdict(starting, 10) == readiness.Verdict("waiting")


def test_a_container_up_for_long_is_ready_at_once() -> None:
    old = readiness.watch(state(started=-3600, restarts=5), job=False, now=T0)
    assert verdict(old, 0.1) == readiness.Verdict("ready")  # no warning: old crashes


def test_unhealthy_exited_and_removed_fail() -> None:
    def reason(s: ServiceState) -> str:
        v = verdict(readiness.watch(s, job=False, now=T0), 1)
        assert v.status == "failed"
        return v.reason

    assert reason(state(health="unhealthy")) == "unhealthy"
    assert reason(state("exited", exit_code=3, policy="no")) == "exited (3)"
    assert reason(state("dead", exit_code=137)) == "exited (137)"
    assert reason(state("removed")) == "was removed"
    # Stopped by the user, or finished although nothing waits for it: not done.
    assert reason(state("exited", exit_code=0, policy="no")).startswith(
        "exited (0), but it is not a job"
    )


def test_a_job_is_ready_when_it_exits_0() -> None:
    def job(s: ServiceState) -> readiness.Verdict:
        return verdict(readiness.watch(s, job=True, now=T0), 1)

    assert job(state("running", policy="no")) == readiness.Verdict("waiting")
    assert job(state("exited", policy="no")) == readiness.Verdict("ready")
    assert job(state("exited", exit_code=2, policy="no")) == readiness.Verdict(
        "failed", "exited (2)"
    )


def test_restarts_past_the_limit_fail_at_once_with_the_exit_code() -> None:
    w = readiness.watch(state("restarting", exit_code=5, restarts=2), job=False, now=T0)
    assert verdict(w, 1).status == "waiting"  # two crashes: still in the limit
    w = readiness.observe(w, state("restarting", exit_code=5, restarts=3), T0 + 1)
    assert verdict(w, 1) == readiness.Verdict(
        "failed", "keeps restarting: exit code 5, restarted 3 times"
    )
    # Back up already: the exit code comes from the die event.
    w = readiness.died(w, 5)
    w = readiness.observe(w, state(started=1.1, restarts=3), T0 + 1.2)
    assert verdict(w, 1.2).reason == "keeps restarting: exit code 5, restarted 3 times"
    missed = readiness.watch(state(started=1.1, restarts=4), job=False, now=T0 + 2)
    assert "exit code unknown" in verdict(missed, 2).reason


def test_a_crashed_container_marked_unhealthy_is_a_restart_not_unhealthy() -> None:
    w = readiness.watch(
        state("restarting", health="unhealthy", exit_code=6, restarts=1),
        job=False,
        now=T0,
    )
    assert verdict(w, 1) == readiness.Verdict("waiting")


def test_a_crash_then_the_window_passes_with_a_warning() -> None:
    w = readiness.watch(state(started=0.0), job=False, now=T0 + 0.1)
    w = readiness.died(w, 4)
    w = readiness.observe(w, state("restarting", exit_code=4, restarts=1), T0 + 0.6)
    assert verdict(w, 0.6).status == "waiting"
    w = readiness.observe(w, state(started=0.7, restarts=1), T0 + 0.8)
    assert verdict(w, 3.0).status == "waiting"  # up 2.3 s since its last start
    ready = verdict(look(w, 3.7), 3.7)
    assert ready.status == "ready"
    assert ready.warning.startswith(
        "web crashed (exit code 4) and was restarted 1 time"
    )


@pytest.mark.parametrize("crash_after", [0.0, 1.0, 2.0, 2.8])
def test_a_crash_loop_is_never_ready(crash_after: float) -> None:
    """The engine's back-off (100 ms, doubling) around a service that crashes
    `crash_after` s after each start: it fails at the third restart."""
    now, started, w = 0.0, 0.0, None
    for restarts in range(1, 10):
        up = state(started=started, restarts=restarts - 1)
        w = (
            readiness.watch(up, job=False, now=T0)
            if w is None
            else readiness.observe(w, up, T0 + started)
        )
        # Looked at just before the crash: not yet ready.
        now = started + crash_after
        assert verdict(w, now).status == "waiting", restarts
        w = readiness.died(w, 5)
        w = readiness.observe(
            w, state("restarting", exit_code=5, restarts=restarts), T0 + now
        )
        v = verdict(w, now)
        if v.status == "failed":
            assert restarts == 3 and "exit code 5, restarted 3 times" in v.reason
            return
        started = now + 0.1 * 2 ** (restarts - 1)
    pytest.fail("the crash loop was never failed")


def test_a_start_we_see_late_by_the_engines_clock_still_gets_the_window() -> None:
    # The engine's clock runs 10 s ahead: StartedAt looks like the future.
    w = readiness.watch(state(started=10), job=False, now=T0)
    assert verdict(w, 1).status == "waiting"
    assert verdict(look(w, 3), 3).status == "ready"
    # A new start (another StartedAt) restarts the window from when we saw it.
    w = readiness.observe(w, state(started=20, restarts=1), T0 + 5)
    assert verdict(look(w, 7), 7).status == "waiting"
    assert verdict(look(w, 8), 8).status == "ready"


def test_a_stop_that_was_asked_for_is_no_crash() -> None:
    """`kill` then `die`: Compose replacing it, `restart` itself, a user."""
    w = readiness.watch(state(started=0.0), job=False, now=T0)
    w = readiness.died(readiness.killed(w), 137)
    w = readiness.observe(w, state("exited", exit_code=137), T0 + 1)
    assert w.last_exit is None
    # A start or a replacement may follow within the grace, counted from the
    # first look that found it ended.
    assert verdict(w, 1) == readiness.Verdict(
        "waiting", "was stopped", recheck_at=T0 + 1 + RULES.stopped_grace
    )
    gone = readiness.observe(w, state("removed", exit_code=137), T0 + 2)
    assert verdict(gone, 2).status == "waiting"
    # None did: someone else stopped it, and the wait ends now, not at the
    # deadline.
    late = 1 + RULES.stopped_grace
    again = "it was killed outside this command: `inv up` starts it again"
    assert verdict(look(w, late), late) == readiness.Verdict(
        "failed", "was killed during the wait (exit code 137)", hint=again
    )
    assert verdict(look(gone, late), late) == readiness.Verdict(
        "failed", "was killed and removed during the wait", hint=again
    )


def test_a_stop_event_says_stopped_and_a_start_forgets_it() -> None:
    """`docker stop`: kill (TERM), die, stop; events decoded by on_event."""
    w = readiness.watch(state(started=0.0), job=False, now=T0)
    for action, attributes in [
        ("kill", {"signal": "15"}),
        ("die", {"exitCode": "0"}),
        ("stop", {}),
        ("health_status: healthy", {}),
    ]:
        w = readiness.on_event(w, action, attributes)
    assert (w.stopping, w.how, w.last_exit) == (True, "stopped", None)
    w = readiness.observe(w, state("exited", exit_code=0), T0 + 1)
    assert verdict(w, 4) == readiness.Verdict(
        "failed",
        "was stopped during the wait (exit code 0)",
        hint="it was stopped outside this command: `inv up` starts it again",
    )
    again = readiness.on_event(w, "start", {})
    assert (again.stopping, again.how, again.ended_at) == (False, "", None)


def test_a_die_event_without_a_kill_keeps_its_exit_code() -> None:
    w = readiness.watch(state(started=0.0), job=False, now=T0)
    assert readiness.on_event(w, "die", {"exitCode": "4"}).last_exit == 4
    assert readiness.on_event(w, "stop", {}) == w  # no kill before: nothing


def test_a_stopped_container_being_replaced_waits_for_its_successor() -> None:
    w = readiness.watch(state(started=0.0), job=False, now=T0)
    labels = {SERVICE: "web", NUMBER: "1", ONEOFF: "False"}
    assert not readiness.replaces(w, labels)  # the state says no number
    w = readiness.watch(replace(state(started=0.0), number="1"), job=False, now=T0)
    assert readiness.replaces(w, labels)
    assert not readiness.replaces(w, {**labels, ONEOFF: "True"})  # compose run
    assert not readiness.replaces(w, {**labels, NUMBER: "2"})  # a scale-up
    assert not readiness.replaces(w, {**labels, SERVICE: "db"})
    w = readiness.being_replaced(readiness.killed(w))
    w = readiness.observe(w, replace(state("removed"), number="1"), T0 + 1)
    assert verdict(w, 30) == readiness.Verdict("waiting", "was replaced")


def test_a_die_without_a_kill_is_a_crash() -> None:
    w = readiness.watch(state(started=0.0, policy="no"), job=False, now=T0)
    crashed = state("exited", exit_code=3, policy="no")
    w = readiness.observe(readiness.died(w, 3), crashed, T0 + 1)
    assert w.last_exit == 3
    assert verdict(w, 1) == readiness.Verdict("failed", "exited (3)")


def test_a_start_after_a_stop_is_judged_again() -> None:
    w = readiness.killed(readiness.watch(state(started=0.0), job=False, now=T0))
    w = readiness.started(w)
    w = readiness.died(w, 5)
    w = readiness.observe(w, state("exited", exit_code=5, started=1.0), T0 + 2)
    assert verdict(w, 2 + RULES.stopped_grace) == readiness.Verdict(
        "failed", "exited (5)"
    )


def test_the_deadline_names_each_late_service_with_why() -> None:
    late = [
        (readiness.watch(state(service="web", health="starting"), job=False, now=T0),
         readiness.Verdict("waiting")),
        (readiness.watch(state(service="db"), job=False, now=T0),
         readiness.Verdict("waiting", "running, not yet for 3 s")),
    ]  # fmt: skip
    assert readiness.deadline_failure(late) == (
        "db (running, not yet for 3 s), web (starting) not healthy after the deadline"
    )


def test_a_crash_seen_exited_before_its_restart_waits_for_the_restart() -> None:
    """Podman never says `restarting`: between a crash and the restart its
    policy makes (100-800 ms, measured on Podman 5.8), the container is
    `exited`. That is a crash to count, not the end of the service."""
    w = readiness.watch(state(started=0.0, policy="on-failure"), job=False, now=T0)
    w = readiness.died(w, 4)
    gap = state("exited", exit_code=4, policy="on-failure")
    w = readiness.observe(w, gap, T0 + 0.5)
    waiting = verdict(w, 0.5)
    assert waiting.status == "waiting"
    assert waiting.recheck_at == T0 + 0.5 + RULES.stopped_grace
    w = readiness.started(w)
    w = readiness.observe(
        w, state(started=0.9, restarts=1, policy="on-failure"), T0 + 1
    )
    ready = verdict(look(w, 4.0), 4.0)
    assert ready.status == "ready"
    assert ready.warning.startswith(
        "web crashed (exit code 4) and was restarted 1 time"
    )


def test_an_exit_no_restart_follows_fails_after_the_grace() -> None:
    w = readiness.watch(state(policy="always"), job=False, now=T0)
    w = readiness.observe(w, state("exited", exit_code=4, policy="always"), T0 + 1)
    assert verdict(w, 1 + RULES.stopped_grace - 0.1).status == "waiting"
    assert verdict(w, 1 + RULES.stopped_grace) == readiness.Verdict(
        "failed", "exited (4)"
    )
    # Without a policy that restarts it, or past the restart limit: at once.
    never = state("exited", exit_code=4, policy="no")
    assert verdict(readiness.watch(never, job=False, now=T0), 0).status == "failed"
    looping = state("exited", exit_code=5, restarts=3, policy="always")
    assert verdict(readiness.watch(looping, job=False, now=T0), 0) == readiness.Verdict(
        "failed", "keeps restarting: exit code 5, restarted 3 times"
    )


def test_scope_follows_every_branch_of_a_shared_dependency() -> None:
    """A service two others depend on is met twice; the rest still counts."""
    model = parse(
        {
            "services": {
                "a": {"depends_on": {"d": {}, "b": {}, "c": {}}},
                "b": {"depends_on": {"c": {}}},
                "c": {},
                "d": {},
                "e": {},
            }
        }
    )
    assert readiness.scope(model, ["a"]).services == {"a", "b", "c", "d"}


def test_dead_is_as_ended_as_exited() -> None:
    """The engine says `dead` of a container it could not stop cleanly."""
    done = state("dead", exit_code=0, policy="no")
    assert verdict(readiness.watch(done, job=None, now=T0), 0).status == "ready"
    assert verdict(readiness.watch(done, job=True, now=T0), 0).status == "ready"
    broken = state("dead", exit_code=2, policy="no")
    assert verdict(readiness.watch(broken, job=True, now=T0), 0) == readiness.Verdict(
        "failed", "exited (2)"
    )


def test_a_running_container_without_a_start_time_gets_the_window_from_our_look() -> (
    None
):
    w = readiness.watch(replace(state(), started_at=None), job=False, now=T0 + 1)
    assert verdict(w, 1) == readiness.Verdict(
        "waiting", "running, not yet for 3 s", recheck_at=T0 + 1 + RULES.stable_seconds
    )


def test_healthy_but_young_waits_to_the_end_of_the_window() -> None:
    w = readiness.watch(state(started=0.0, health="healthy"), job=False, now=T0)
    assert verdict(w, 1) == readiness.Verdict(
        "waiting", "healthy, not yet for 3 s", recheck_at=T0 + RULES.stable_seconds
    )


def test_a_restart_at_the_moment_the_command_began_is_warned_of() -> None:
    w = readiness.watch(state(started=0.0, restarts=1), job=False, now=T0)
    ready = verdict(look(w, 5), 5)
    assert ready.status == "ready" and ready.warning.startswith(
        "web crashed (exit code unknown) and was restarted 1 time"
    )


def test_exited_at_the_restart_limit_still_waits_for_its_restart() -> None:
    """Restarted twice (the limit): the third crash is not past it yet."""
    at_limit = state("exited", exit_code=4, restarts=2, policy="always")
    assert verdict(readiness.watch(at_limit, job=False, now=T0), 0) == (
        readiness.Verdict(
            "waiting",
            "exited (4), to be restarted",
            recheck_at=T0 + RULES.stopped_grace,
        )
    )


def test_on_failure_restarts_a_failure_only() -> None:
    failed = state("exited", exit_code=1, policy="on-failure")
    assert verdict(readiness.watch(failed, job=False, now=T0), 0).status == "waiting"
    done = state("exited", exit_code=0, policy="on-failure")
    assert verdict(readiness.watch(done, job=False, now=T0), 0).status == "failed"


def test_the_exit_code_named_is_the_crashes() -> None:
    """An ended container's ExitCode when it is not 0 (1 included), else the
    `die`'s; a running one's ExitCode is not a crash of this run."""
    looping = readiness.watch(
        state("exited", exit_code=1, restarts=3), job=False, now=T0
    )
    assert (
        verdict(looping, 0).reason == "keeps restarting: exit code 1, restarted 3 times"
    )
    zero = replace(
        readiness.watch(state("exited", exit_code=0, restarts=3), job=False, now=T0),
        last_exit=7,
    )
    assert verdict(zero, 0).reason == "keeps restarting: exit code 7, restarted 3 times"
    running = replace(
        readiness.watch(state(exit_code=5, restarts=3), job=False, now=T0), last_exit=4
    )
    assert (
        verdict(running, 0).reason == "keeps restarting: exit code 4, restarted 3 times"
    )


def test_a_die_without_an_exit_code_is_no_crash_to_name() -> None:
    w = readiness.watch(state(), job=False, now=T0)
    assert readiness.on_event(w, "die", {}).last_exit is None


def test_a_kill_says_killed_unless_a_stop_said_stopped() -> None:
    w = readiness.watch(state(), job=False, now=T0)
    assert readiness.killed(w).how == "killed"
    assert readiness.killed(replace(w, how="stopped")).how == "stopped"


def test_a_stopped_watch_counts_its_grace_from_the_last_look_and_says_killed() -> None:
    """A watch made of a container already ended (never observed ending)."""
    w = replace(
        readiness.watch(state("exited", exit_code=137), job=False, now=T0 + 1),
        stopping=True,
    )
    assert verdict(w, 1).recheck_at == T0 + 1 + RULES.stopped_grace
    assert verdict(w, 1 + RULES.stopped_grace) == readiness.Verdict(
        "failed",
        "was killed during the wait (exit code 137)",
        hint="it was killed outside this command: `inv up` starts it again",
    )


def test_a_container_running_again_forgets_when_it_ended() -> None:
    w = readiness.watch(state(), job=False, now=T0)
    w = readiness.observe(w, state("exited", exit_code=1), T0 + 1)
    assert w.ended_at == T0 + 1
    w = readiness.observe(w, state(started=2.0), T0 + 2)
    assert w.ended_at is None
    w = readiness.observe(w, state("exited", exit_code=1, started=2.0), T0 + 3)
    assert w.ended_at == T0 + 3


def test_a_start_after_a_replacement_was_seen_is_no_longer_being_replaced() -> None:
    """Compose made a successor but started this one again: a later stop by
    someone else fails the wait after the grace, not at the deadline."""
    w = readiness.watch(replace(state(), number="1"), job=False, now=T0)
    w = readiness.started(readiness.being_replaced(w))
    assert w.replaced is False
    w = readiness.observe(readiness.killed(w), state("exited", exit_code=137), T0 + 1)
    assert verdict(w, 1 + RULES.stopped_grace).status == "failed"
