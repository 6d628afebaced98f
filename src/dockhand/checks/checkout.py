"""Doctor's checks of this checkout: whose project name it runs under
(dockhand.config.checkout), and whether the database's data was made with the env
file's password (dockhand.checks.credentials)."""

from __future__ import annotations

from dockhand.checks import credentials
from dockhand.checks.facts import Facts
from dockhand.checks.result import Check, failed, passed, skipped
from dockhand.config import checkout


def check_project_name(facts: Facts) -> Check:
    settings = facts.settings
    if settings.copied_from:
        found = checkout.Identity("copied", settings.project, settings.copied_from)
        return failed(
            "project name",
            checkout.copied_message(found, settings.env_file.name),
            "run `inv setup` to give this checkout a name and ports of its own",
        )
    if facts.older_project:
        return failed(
            "project name",
            f"this checkout's containers run as project {facts.older_project!r}, "
            f"but it would now be {settings.project!r} ({settings.project_source})",
            "run `inv setup` once: it keeps that name, its containers and data",
        )
    return passed(
        "project name", f"{settings.project} (from {settings.project_source})"
    )


def check_database_login(facts: Facts) -> Check:
    login = facts.database_login
    if login.matches is None:
        return skipped("database login", login.reason or "could not be told")
    if login.matches:
        return passed(
            "database login",
            f"{login.variable} matches the data"
            + (f" in volume {login.volume}" if login.volume else ""),
        )
    message, hint = credentials.mismatch_message(login, facts.env_file.name)
    return failed("database login", message, hint)
