"""A bare Invoke project: the floor dockhand is measured against.

`hello` is what `inv --list` is compared with. The other tasks do the daily
commands' work with nothing around it: each runs the one Compose command
(BENCH_COMPOSE, a JSON argv: docker compose -p ... -f ... --env-file ...),
the way a hand-written tasks.py would.
"""

import json
import os
import subprocess

from invoke import task


def compose(*args):  # type: ignore[no-untyped-def]
    argv = [*json.loads(os.environ["BENCH_COMPOSE"]), *args]
    code = subprocess.call(argv)
    if code:
        raise SystemExit(code)


@task
def hello(c):  # type: ignore[no-untyped-def]
    """Say hello."""
    print("hello")


@task
def ps(c):  # type: ignore[no-untyped-def]
    """docker compose ps."""
    compose("ps")


@task
def logs(c, service, tail="5"):  # type: ignore[no-untyped-def]
    """docker compose logs --tail N SERVICE."""
    compose("logs", "--tail", tail, service)


@task
def shell(c, service, command):  # type: ignore[no-untyped-def]
    """docker compose exec -T SERVICE sh -c CMD."""
    compose("exec", "-T", service, "sh", "-c", command)


@task
def up(c):  # type: ignore[no-untyped-def]
    """docker compose up -d --wait."""
    compose("up", "-d", "--wait")


@task
def restart(c, service):  # type: ignore[no-untyped-def]
    """docker compose restart SERVICE, then wait for it to be healthy."""
    compose("restart", service)
    compose("up", "-d", "--wait", service)


@task
def migrate_status(c):  # type: ignore[no-untyped-def]
    """Each migration's status command, in its service."""
    compose("exec", "-T", "backend", "alembic", "current")
    compose("exec", "-T", "backend-ts", "node", "migrate.js", "--status")
