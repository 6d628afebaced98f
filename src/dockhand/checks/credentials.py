"""Whether the database's data was made with this env file's password.

PostgreSQL keeps only a verifier of each role's password (SCRAM-SHA-256, or
MD5 in old clusters) in pg_authid. The database container's own socket is
trusted, so dockhand reads the verifier there and checks the env file's
password against it here (RFC 5802, RFC 7677): no password is sent, put in an
argv or printed. A mismatch is one line within seconds, instead of a backend
failing after its entrypoint's retries with "password authentication failed".
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from dockhand import postgres
from dockhand.docker import compose_cache, containers
from dockhand.errors import DockhandError

if TYPE_CHECKING:
    from dockhand.session import Session

VERIFIER_SQL = "SELECT rolpassword FROM pg_authid WHERE rolname = current_user"


def password_matches(verifier: str, password: str, user: str) -> bool | None:
    """Whether `password` is the one `verifier` was made from; None when the
    verifier is of a kind this does not know (or there is none)."""
    if verifier.startswith("SCRAM-SHA-256$"):
        try:
            head, keys = verifier.removeprefix("SCRAM-SHA-256$").split("$", 1)
            iterations, salt = head.split(":", 1)
            stored, _server = keys.split(":", 1)
            salted = hashlib.pbkdf2_hmac(
                "sha256", password.encode(), base64.b64decode(salt), int(iterations)
            )
        except ValueError:
            return None
        client = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
        return hmac.compare_digest(
            hashlib.sha256(client).digest(), base64.b64decode(stored)
        )
    if verifier.startswith("md5") and len(verifier) == 35:
        made = "md5" + hashlib.md5((password + user).encode()).hexdigest()  # noqa: S324
        return hmac.compare_digest(made, verifier)
    return None


@dataclass(frozen=True)
class Login:
    """What the probe found: whether the password matches, and the data."""

    matches: bool | None
    volume: str = ""
    created: str = ""  # the volume's CreatedAt, as the engine says it
    variable: str = "POSTGRES_PASSWORD"
    reason: str = ""  # why it could not be told (matches is None)
    verifier: str = ""  # what pg_authid keeps, as it was read
    user: str = ""


def when(created: str) -> str:
    """The engine's CreatedAt ("2026-12-01T10:02:03Z") as a short UTC time."""
    try:
        moment = datetime.fromisoformat(created.replace("Z", "+00:00"))
    except ValueError:
        return created or "at an unknown time"
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def mismatch_message(login: Login, env_name: str) -> tuple[str, str]:
    """The one line (and its hint) for data made with other credentials."""
    volume = f"volume {login.volume}" if login.volume else "data"
    return (
        f"the database {volume} (made {when(login.created)}) was initialised "
        f"with another {login.variable} than {env_name} has",
        f"restore the {env_name} it was made with, or delete that data with "
        "`inv down --volumes` (it asks first)",
    )


def volume_of(inspected: Mapping[str, object]) -> str:
    """The named volume the database container keeps its data in."""
    mounts = inspected.get("Mounts") or []
    for mount in mounts if isinstance(mounts, list) else []:
        if isinstance(mount, dict) and mount.get("Type") == "volume":
            return str(mount.get("Name") or "")
    return ""


def probe(s: Session, environ: Mapping[str, str] = os.environ) -> Login:
    """Check the env file's password against the running database."""
    database = s.settings.database
    if database is None:
        return Login(None, reason="no database is configured")
    running = [
        state
        for state in s.states([database.service])
        if state.state == "running" and state.id
    ]
    if not running:
        return Login(
            None, reason=f"the database service {database.service!r} is not running"
        )
    found = s.runner.capture(containers.inspect_argv([running[0].id]), timeout=30)
    try:
        inspected = json.loads(found.stdout)[0]
    except (ValueError, IndexError):
        return Login(None, reason="the database container could not be inspected")
    env = postgres.env_pairs(inspected.get("Config", {}).get("Env") or [])
    variable, password, values = _password(s, environ)
    user = env.get(database.user_var) or values.get(database.user_var) or "postgres"
    target = postgres.Target(database.service, user, user)
    argv = containers.exec_argv(
        running[0].id, postgres.psql_query(target, VERIFIER_SQL, database="postgres")
    )
    asked = s.runner.capture(argv, timeout=30)
    volume = volume_of(inspected)
    if not asked.ok:
        reason = (asked.stderr.strip().splitlines() or ["no answer"])[-1]
        return Login(None, volume, reason=f"the database did not answer: {reason}")
    created = ""
    if volume:
        made = s.runner.capture(containers.volume_created_argv(volume), timeout=30)
        created = made.stdout.strip() if made.ok else ""
    if not password:
        return Login(None, volume, created, variable, f"{variable} is not set")
    verifier = asked.stdout.strip()
    matches = password_matches(verifier, password, user)
    reason = "" if matches is not None else "the role has no password PostgreSQL keeps"
    return Login(matches, volume, created, variable, reason, verifier, user)


def _password(
    s: Session, environ: Mapping[str, str]
) -> tuple[str, str, Mapping[str, str | None]]:
    """The password variable, its value (the environment's, else the env
    files') and the env files' values."""
    from dockhand import envfile  # python-dotenv, only where an env file is read

    database = s.settings.database
    variable = database.password_var if database else "POSTGRES_PASSWORD"
    values = envfile.merged(s.project.env_files)
    return variable, environ.get(variable) or values.get(variable) or "", values


# --- a match remembered ----------------------------------------------------------
# A verified login is kept with what it depends on: the Compose model's
# fingerprint (which volume the database mounts), that volume's CreatedAt (a
# volume made again is asked again) and the verifier itself, so the env
# file's password is checked against it here, each time; no password, nor a
# hash of one, is written. Not seen: a password changed inside the database
# (ALTER ROLE) while the volume stays; the backend then says so as before.


def _memory(s: Session) -> tuple[str | None, str]:
    key, tag = compose_cache.project_fingerprint(s.find_compose(), s.project)
    return key, f"login-{tag}.json"


def remembered_match(
    s: Session,
    environ: Mapping[str, str] = os.environ,
    created_of: Callable[[str], str] | None = None,
) -> bool:
    """Whether the env file's password was verified against this database
    before, and its volume is the one it was verified in: one look at the
    volume (`created_of` gives its CreatedAt, else `docker volume inspect`),
    no psql. False when it cannot be told so cheaply."""

    key, name = _memory(s)
    text = (
        compose_cache.recall_text(key, compose_cache.location(), name) if key else None
    )
    try:
        kept = json.loads(text or "")
        volume, created = str(kept["volume"]), str(kept["created"])
        verifier, user = str(kept["verifier"]), str(kept["user"])
    except (ValueError, KeyError, TypeError):
        return False
    password = _password(s, environ)[1]
    if not password or password_matches(verifier, password, user) is not True:
        return False
    if created_of is not None:
        return created_of(volume) == created
    made = s.runner.capture(containers.volume_created_argv(volume), timeout=30)
    return made.ok and made.stdout.strip() == created


def remember_match(s: Session, login: Login) -> None:
    """Keep a verified login (SCRAM verifiers only: an MD5 one is too easily
    reversed to be written to a cache), readable by this user alone."""

    if not (
        login.matches
        and login.volume
        and login.created
        and login.verifier.startswith("SCRAM-SHA-256$")
    ):
        return
    key, name = _memory(s)
    if key is None:
        return
    kept = {
        "volume": login.volume,
        "created": login.created,
        "verifier": login.verifier,
        "user": login.user,
    }
    folder = compose_cache.location()
    compose_cache.remember_text(key, json.dumps(kept), folder, name, private=True)


def require_match(s: Session) -> None:
    """Stop with one line when the running database was made with another
    password than the env file's; anything that cannot be told passes."""
    login = probe(s)
    if login.matches is False:
        message, hint = mismatch_message(login, s.settings.env_file.name)
        raise DockhandError(message, hint=hint)
