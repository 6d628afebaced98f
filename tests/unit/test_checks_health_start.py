"""health-start: a start period without a start interval, on an engine that
probes every 5 s while a container starts (Docker Engine 25+)."""

from __future__ import annotations

from pathlib import Path

from checked_project import (
    GOOD_DOCKERFILE,
    dev_model,
    facts_for,
    make_project,
    recorded_engine,
)

from dockhand.checks.health_start import check_health_start
from dockhand.checks.result import OK, SKIP, WARN, Problem

ENGINE_28 = recorded_engine("docker-rootless-28.5.2")  # API 1.51
ENGINE_20 = recorded_engine("docker-20.10.24")  # API 1.41
PODMAN = recorded_engine("podman-5.8.6")  # API 1.44, its own health timers


def with_health(root: Path, **timing: str) -> dict:
    dev = dev_model(root)
    dev["services"]["app"]["healthcheck"] = {"interval": "2s", **timing}
    return dev


def test_a_start_period_without_an_interval_warns_on_engine_25_and_later(
    tmp_path: Path,
) -> None:
    make_project(tmp_path)
    dev = with_health(tmp_path, start_period="1m0s")
    check = check_health_start(facts_for(tmp_path, engine=ENGINE_28, dev=dev))
    assert check.status == WARN
    assert check.detail.startswith("app (start period 1m0s): Docker Engine 28.5.2")
    assert "every 5 s while it starts" in check.detail
    assert "start_interval: 1s" in check.fix


def test_older_engines_and_podman_probe_at_the_interval(tmp_path: Path) -> None:
    make_project(tmp_path)
    dev = with_health(tmp_path, start_period="1m0s")
    for engine in (ENGINE_20, PODMAN):
        check = check_health_start(facts_for(tmp_path, engine=engine, dev=dev))
        assert check.status == OK, check
        assert "probes at each healthcheck's interval" in check.detail


def test_a_start_interval_or_no_start_period_passes(tmp_path: Path) -> None:
    make_project(tmp_path)
    for timing in (
        {"start_period": "1m0s", "start_interval": "1s"},
        {},
        {"start_period": "0s"},
    ):
        dev = with_health(tmp_path, **timing)
        check = check_health_start(facts_for(tmp_path, engine=ENGINE_28, dev=dev))
        assert check.status == OK, (timing, check)


def test_the_dockerfiles_start_period_counts_where_compose_sets_none(
    tmp_path: Path,
) -> None:
    """The engine merges the two: a value the compose file leaves out is the
    image's."""
    dockerfile = GOOD_DOCKERFILE.replace(
        "HEALTHCHECK CMD", "HEALTHCHECK --interval=10s --start-period=30s CMD"
    )
    make_project(tmp_path, Dockerfile=dockerfile)
    check = check_health_start(
        facts_for(tmp_path, engine=ENGINE_28, dev=with_health(tmp_path))
    )
    assert check.status == WARN and "app (start period 30s)" in check.detail
    # The compose file's start interval, or the image's, mends it.
    mended = with_health(tmp_path, start_interval="1s")
    assert (
        check_health_start(facts_for(tmp_path, engine=ENGINE_28, dev=mended)).status
        == OK
    )
    (tmp_path / "services" / "app" / "Dockerfile").write_text(
        dockerfile.replace(
            "--start-period=30s", "--start-period=30s --start-interval=1s"
        )
    )
    check = check_health_start(
        facts_for(tmp_path, engine=ENGINE_28, dev=with_health(tmp_path))
    )
    assert check.status == OK, check


def test_a_disabled_healthcheck_is_not_named(tmp_path: Path) -> None:
    make_project(tmp_path)
    dev = with_health(tmp_path, start_period="1m0s")
    dev["services"]["app"]["healthcheck"]["disable"] = True
    assert (
        check_health_start(facts_for(tmp_path, engine=ENGINE_28, dev=dev)).status == OK
    )


def test_no_engine_skips(tmp_path: Path) -> None:
    make_project(tmp_path)
    gone = Problem("the engine is not reachable", status=SKIP)
    assert check_health_start(facts_for(tmp_path, engine=gone)).status == SKIP
