"""The battery of bad inputs: one table, by class. Each case is run through
the real `inv` against a fresh copy of the `faulty` project (tests/
integration/test_bad_input.py) and must exit with `code`, print exactly one
`error:` line holding every fragment of `says` (the culprit named), no
traceback, and change nothing: no file of the project, no container,
network or volume of its Compose project.

To add a case: append a Case to the list of its class (or a new class to
CLASSES). A case runs for real, on the engine: `inv up ok` unless its argv
says otherwise, so a check that went missing shows as `ok` started (left on
the engine, which the test sees), never as a pass. The few that run under
`inv --dry`, where "nothing left on the engine" cannot fail, say why in
`dry_because`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

SETTINGS = (
    "dockhand:\n  project: faulty\n  compose_files: [compose.yaml]\n  prod_files: []\n"
)
DRY = ("--dry", "down")
UP = ("up", "ok")  # real: the check must stop it before anything starts
# DOCKER_HOST comes before DOCKER_CONTEXT (the docker CLI, Compose, dockhand),
# and the run on Engine 28 sets it: a missing context is tested without it.
NO_DOCKER_HOST = ("DOCKER_HOST",)


@dataclass(frozen=True)
class Case:
    name: str
    says: tuple[str, ...]  # fragments of the one error line
    yaml: str | None = None  # invoke.yaml; None keeps the project's own
    env: dict[str, str] = field(default_factory=dict)
    argv: tuple[str, ...] = UP
    code: int = 1
    unset: tuple[str, ...] = ()  # of the variables the harness sets
    files: dict[str, str] = field(default_factory=dict)  # written into the project
    env_file: str | None = None  # the env file's text; None keeps BASE_IMAGE only
    remove: tuple[str, ...] = ()  # files of the project deleted first
    cls: str = ""  # the class, set from CLASSES
    dry_because: str = ""  # why argv runs under --dry; empty: it runs for real


def settings(*lines: str) -> str:
    return SETTINGS + "".join(f"  {line}\n" for line in lines)


# The faulty project's compose file, with a service to break added.
COMPOSE = """\
x-base: &base
  image: ${BASE_IMAGE:-debian:bookworm-slim}
  init: true
services:
  ok:
    <<: *base
    command: ["sh", "-c", "while :; do sleep 1; done"]
"""


def compose(*lines: str) -> dict[str, str]:
    """compose.yaml: the `ok` service followed by `lines` (YAML, indented)."""
    return {"compose.yaml": COMPOSE + "".join(f"{line}\n" for line in lines)}


SETTINGS_CASES = [
    Case(
        "yaml syntax",
        ("invoke.yaml, line 6, column 1:", "expected ',' or ']'"),
        settings("wait_timeout: [1"),
    ),
    Case(
        "a tab",
        ("invoke.yaml, line 5, column 1:", "'\\t'"),
        SETTINGS + "\twait_timeout: 5\n",
    ),
    Case(
        "a list at the top", ("invoke.yaml: the top level is a list",), "- dockhand\n"
    ),
    Case("a string at the top", ("invoke.yaml", "mapping"), "just words\n"),
    Case(
        "yaml syntax under --list",
        ("invoke.yaml, line 6",),
        settings("x: [1"),
        argv=("--list",),
    ),
    Case("an unclosed quote", ("invoke.yaml, line",), settings('project: "faulty')),
    Case("a stray colon", ("invoke.yaml, line",), settings("project: a: b")),
    Case(
        "dockhand: 5",
        ("invoke.yaml: dockhand is 5, expected a mapping",),
        "dockhand: 5\n",
    ),
    Case("dockhand: a list", ("dockhand is", "expected a mapping"), "dockhand: [a]\n"),
    Case(
        "services as a list",
        ("dockhand.services is", "expected a mapping"),
        settings("services: [backend, db]"),
    ),
    Case("services: 5", ("dockhand.services is 5",), settings("services: 5")),
    Case(
        "a service that is a number",
        ("dockhand.services.ok is 5",),
        settings("services: {ok: 5}"),
    ),
    Case(
        "a service shell that is a number",
        ("dockhand.services.ok.shell is 5",),
        settings("services: {ok: {shell: 5}}"),
    ),
    Case(
        "a port that is a word",
        ("dockhand.services.ok.port is 'http'", "a port number"),
        settings("services: {ok: {port: http}}"),
    ),
    Case(
        "port 0",
        ("dockhand.services.ok.port is 0", "1-65535"),
        settings("services: {ok: {port: 0}}"),
    ),
    Case(
        "port 70000",
        ("dockhand.services.ok.port is 70000", "1-65535"),
        settings("services: {ok: {port: 70000}}"),
    ),
    Case(
        "a negative port",
        ("dockhand.services.ok.port is -1",),
        settings("services: {ok: {port: -1}}"),
    ),
    Case(
        "a port that is true",
        ("dockhand.services.ok.port is true",),
        settings("services: {ok: {port: true}}"),
    ),
    Case(
        "a path that is a number",
        ("dockhand.services.ok.path is 5",),
        settings("services: {ok: {path: 5}}"),
    ),
    Case(
        "a service name YAML reads as a number",
        ("dockhand.services.8080", 'quote it: "8080"'),
        settings("services: {8080: {shell: sh}}"),
    ),
    Case(
        "migrations as a mapping",
        ("dockhand.migrations is", "expected a list"),
        settings("migrations: {service: ok, run: 'true'}"),
    ),
    Case("migrations: 5", ("dockhand.migrations is 5",), settings("migrations: 5")),
    Case(
        "a migration that is a string",
        ("dockhand.migrations[0] is 'true'",),
        settings("migrations: ['true']"),
    ),
    Case(
        "a migration without a service",
        ("dockhand.migrations[0].service",),
        settings("migrations: [{run: 'true'}]"),
    ),
    Case(
        "a migration without run",
        ("dockhand.migrations[0].run",),
        settings("migrations: [{service: ok}]"),
    ),
    Case(
        "a migration with an empty run",
        ("dockhand.migrations[0].run",),
        settings("migrations: [{service: ok, run: ''}]"),
    ),
    Case(
        "a migration service that is a number",
        ("dockhand.migrations[0].service is 5",),
        settings("migrations: [{service: 5, run: 'true'}]"),
    ),
    Case(
        "a migration status that is a number",
        ("dockhand.migrations[0].status is 5",),
        settings("migrations: [{service: ok, run: 'true', status: 5}]"),
    ),
    Case(
        "a misspelt migration key",
        ("dockhand.migrations[0].rnu is not a setting", "did you mean run?"),
        settings("migrations: [{service: ok, rnu: 'true'}]"),
    ),
    Case(
        "an unbalanced quote in a migration",
        ("dockhand.migrations[0].run", "no closing quotation"),
        settings("""migrations: [{service: ok, run: "sh -c 'echo"}]"""),
    ),
    Case("database: 5", ("dockhand.database is 5",), settings("database: 5")),
    Case(
        "an empty database service",
        ("dockhand.database.service is ''",),
        settings("database: {service: ''}"),
    ),
    Case(
        "a misspelt database key",
        ("dockhand.database.sevice is not a setting", "did you mean service?"),
        settings("database: {sevice: db}"),
    ),
    Case(
        "a database service that is a list",
        ('dockhand.database.service is ["db"]',),
        settings("database: {service: [db]}"),
    ),
    Case(
        "env_file as a list",
        ("dockhand.env_file is", "a file name (one string)"),
        settings("env_file: [a, b]"),
        unset=("INVOKE_DOCKHAND_ENV_FILE",),
    ),
    Case(
        "env_file: 5",
        ("dockhand.env_file is 5",),
        settings("env_file: 5"),
        unset=("INVOKE_DOCKHAND_ENV_FILE",),
    ),
    Case(
        "an empty env_file",
        ("dockhand.env_file is ''",),
        settings("env_file: ''"),
        unset=("INVOKE_DOCKHAND_ENV_FILE",),
    ),
    Case(
        "env_example as a mapping",
        ("dockhand.env_example is",),
        settings("env_example: {a: b}"),
    ),
    Case(
        "prod: maybe",
        ("dockhand.prod is 'maybe'", "true or false"),
        settings("prod: maybe"),
    ),
    Case("prod: 2", ("dockhand.prod is 2", "true or false"), settings("prod: 2")),
    Case(
        "a negative wait_timeout",
        ("dockhand.wait_timeout is -5", "greater than 0"),
        settings("wait_timeout: -5"),
    ),
    Case(
        "wait_timeout: 0",
        ("dockhand.wait_timeout is 0", "greater than 0"),
        settings("wait_timeout: 0"),
    ),
    Case(
        "wait_timeout: abc",
        ("dockhand.wait_timeout is 'abc'",),
        settings("wait_timeout: abc"),
    ),
    Case(
        "wait_timeout: true",
        ("dockhand.wait_timeout is true",),
        settings("wait_timeout: true"),
    ),
    Case(
        "wait_timeout: .inf",
        ("dockhand.wait_timeout is Infinity",),
        settings("wait_timeout: .inf"),
    ),
    Case(
        "wait_timeout: a list",
        ("dockhand.wait_timeout is [5]",),
        settings("wait_timeout: [5]"),
    ),
    Case(
        "a negative stability window",
        ("dockhand.wait_stable_seconds is -1", "0 or more"),
        settings("wait_stable_seconds: -1"),
    ),
    Case(
        "restarts: 1.5",
        ("dockhand.wait_max_restarts is 1.5", "whole number"),
        settings("wait_max_restarts: 1.5"),
    ),
    Case(
        "restarts: -1",
        ("dockhand.wait_max_restarts is -1",),
        settings("wait_max_restarts: -1"),
    ),
    Case("profiles: 5", ("dockhand.profiles is 5",), settings("profiles: 5")),
    Case(
        "a profile with a space",
        ("dockhand.profiles is", "profile names"),
        settings("profiles: [my profile]"),
    ),
    Case(
        "compose_files: 5",
        ("dockhand.compose_files is 5",),
        settings("compose_files: 5"),
    ),
    Case(
        "compose_files with an empty name",
        ("dockhand.compose_files is",),
        settings("compose_files: ['']"),
    ),
    Case(
        "prod_files: a mapping",
        ("dockhand.prod_files is",),
        settings("prod_files: {a: b}"),
    ),
    Case(
        "project: an uppercase name",
        ("dockhand.project is 'My Project'", "Compose project name"),
        settings("project: My Project"),
        env={"INVOKE_DOCKHAND_PROJECT": ""},
        unset=("INVOKE_DOCKHAND_PROJECT",),
    ),
    Case(
        "default_service: a list",
        ("dockhand.default_service is",),
        settings("default_service: [ok]"),
    ),
    Case(
        "compose_command: 5",
        ("dockhand.compose_command is 5",),
        settings("compose_command: 5"),
    ),
    Case(
        "an unquoted version YAML reads as 5.1",
        (
            "dockhand.compose_version is 5.1",
            "a quoted version",
            "YAML reads 5.10 as 5.1",
        ),
        settings("compose_version: 5.10"),
    ),
    Case(
        "a version that is a word",
        ("dockhand.compose_version is 'latest'",),
        settings("compose_version: latest"),
    ),
    Case(
        "image budget 0",
        ("dockhand.image_size_budget_mb is 0",),
        settings("image_size_budget_mb: 0"),
    ),
    Case(
        "free disk -1",
        ("dockhand.min_free_disk_gb is -1",),
        settings("min_free_disk_gb: -1"),
    ),
    Case(
        "restarts -1",
        ("dockhand.wait_max_restarts is -1", "a whole number of restarts (0 or more)"),
        settings("wait_max_restarts: -1"),
    ),
    Case(
        "stale_images: a word of its own",
        ("dockhand.stale_images is 'sometimes'", "one of rebuild, warn, off"),
        settings("stale_images: sometimes"),
    ),
    Case(
        "migrate_snapshots -1",
        ("dockhand.migrate_snapshots is -1", "a whole number of snapshots (0 or more)"),
        settings("migrate_snapshots: -1"),
    ),
    Case(
        "migrate_snapshots: a word",
        ("dockhand.migrate_snapshots is 'many'", "a whole number of snapshots"),
        settings("migrate_snapshots: many"),
    ),
    Case(
        "watch_files: 5",
        ("dockhand.watch_files is 5", "a list of file names"),
        settings("watch_files: 5"),
    ),
    Case(
        "a service's test: a number",
        ("dockhand.services.ok.test is 5", "a command"),
        settings("services: {ok: {test: 5}}"),
    ),
    Case(
        "a service's test: empty",
        ("dockhand.services.ok.test is ''", "a command"),
        settings("services: {ok: {test: ''}}"),
    ),
    Case(
        "a service's debug command: empty",
        ("dockhand.services.ok.debug is ''", "a command"),
        settings("services: {ok: {debug: ''}}"),
    ),
    Case(
        "test_files without the container folder",
        ("dockhand.services.ok.test_files is 'tests'", "HOST_FOLDER:CONTAINER_FOLDER"),
        settings("services: {ok: {test_files: tests}}"),
    ),
    Case(
        "test_files into a relative container folder",
        ("dockhand.services.ok.test_files is 'tests:app'", "container folder absolute"),
        settings("services: {ok: {test_files: 'tests:app'}}"),
    ),
    Case(
        "a misspelt key",
        ("dockhand.wait_timout is not a setting", "did you mean wait_timeout?"),
        settings("wait_timout: 5"),
    ),
    Case(
        "a misspelt service key",
        ("dockhand.services.ok.shel is not a setting", "did you mean shell?"),
        settings("services: {ok: {shel: bash}}"),
    ),
    Case(
        "a key of another tool",
        ("dockhand.colour is not a setting",),
        settings("colour: true"),
    ),
]

VARIABLE_CASES = [
    Case(
        "a word for a number",
        ("INVOKE_DOCKHAND_WAIT_TIMEOUT=abc is not valid", "seconds greater than 0"),
        env={"INVOKE_DOCKHAND_WAIT_TIMEOUT": "abc"},
    ),
    Case(
        "a negative timeout",
        ("INVOKE_DOCKHAND_WAIT_TIMEOUT=-1",),
        env={"INVOKE_DOCKHAND_WAIT_TIMEOUT": "-1"},
    ),
    Case(
        "a zero timeout",
        ("INVOKE_DOCKHAND_WAIT_TIMEOUT=0",),
        env={"INVOKE_DOCKHAND_WAIT_TIMEOUT": "0"},
    ),
    Case(
        "nan",
        ("INVOKE_DOCKHAND_WAIT_TIMEOUT=nan",),
        env={"INVOKE_DOCKHAND_WAIT_TIMEOUT": "nan"},
    ),
    Case(
        "1e999",
        ("INVOKE_DOCKHAND_WAIT_TIMEOUT=1e999",),
        env={"INVOKE_DOCKHAND_WAIT_TIMEOUT": "1e999"},
    ),
    Case(
        "a word for a flag",
        ("INVOKE_DOCKHAND_PROD=maybe is not valid", "true or false"),
        env={"INVOKE_DOCKHAND_PROD": "maybe"},
    ),
    Case("prod=2", ("INVOKE_DOCKHAND_PROD=2",), env={"INVOKE_DOCKHAND_PROD": "2"}),
    Case(
        "restarts from a variable: 1.5",
        ("INVOKE_DOCKHAND_WAIT_MAX_RESTARTS=1.5",),
        env={"INVOKE_DOCKHAND_WAIT_MAX_RESTARTS": "1.5"},
    ),
    Case(
        "restarts from a variable: two",
        ("INVOKE_DOCKHAND_WAIT_MAX_RESTARTS=two",),
        env={"INVOKE_DOCKHAND_WAIT_MAX_RESTARTS": "two"},
    ),
    Case(
        "a negative window from a variable",
        ("INVOKE_DOCKHAND_WAIT_STABLE_SECONDS=-2",),
        env={"INVOKE_DOCKHAND_WAIT_STABLE_SECONDS": "-2"},
    ),
    Case(
        "a project name with a space",
        ("INVOKE_DOCKHAND_PROJECT=my project", "Compose project name"),
        env={"INVOKE_DOCKHAND_PROJECT": "my project"},
    ),
    Case(
        "a project name in capitals",
        ("INVOKE_DOCKHAND_PROJECT=Faulty",),
        env={"INVOKE_DOCKHAND_PROJECT": "Faulty"},
    ),
    Case(
        "a profile with a slash",
        ("INVOKE_DOCKHAND_PROFILES=a/b", "profile names"),
        env={"INVOKE_DOCKHAND_PROFILES": "a/b"},
    ),
    Case(
        "a version from a variable",
        ("INVOKE_DOCKHAND_COMPOSE_VERSION=five",),
        env={"INVOKE_DOCKHAND_COMPOSE_VERSION": "five"},
    ),
    Case(
        "a budget from a variable",
        ("INVOKE_DOCKHAND_IMAGE_SIZE_BUDGET_MB=big",),
        env={"INVOKE_DOCKHAND_IMAGE_SIZE_BUDGET_MB": "big"},
    ),
    Case(
        "an empty env file variable",
        ("INVOKE_DOCKHAND_ENV_FILE=",),
        env={"INVOKE_DOCKHAND_ENV_FILE": ""},
    ),
    Case(
        "a misspelt variable",
        (
            "INVOKE_DOCKHAND_WAIT_TIMOUT is not a setting",
            "INVOKE_DOCKHAND_WAIT_TIMEOUT?",
        ),
        env={"INVOKE_DOCKHAND_WAIT_TIMOUT": "5"},
    ),
    Case(
        "a variable of no setting",
        ("INVOKE_DOCKHAND_COLOUR is not a setting",),
        env={"INVOKE_DOCKHAND_COLOUR": "1"},
    ),
    Case(
        "a nested setting from a variable",
        ("INVOKE_DOCKHAND_SERVICES_OK_PORT", "cannot be set by a variable"),
        env={"INVOKE_DOCKHAND_SERVICES_OK_PORT": "80"},
    ),
    Case(
        "migrations from a variable",
        ("INVOKE_DOCKHAND_MIGRATIONS",),
        env={"INVOKE_DOCKHAND_MIGRATIONS": "true"},
    ),
    Case(
        "database from a variable",
        ("INVOKE_DOCKHAND_DATABASE",),
        env={"INVOKE_DOCKHAND_DATABASE": "db"},
    ),
    Case(
        "a broken runtime config file",
        ("ci.yaml, line", "expected"),
        env={"INVOKE_RUNTIME_CONFIG": "ci.yaml"},
        files={"ci.yaml": "dockhand: {wait_timeout: [1\n"},
    ),
    Case(
        "a runtime config file that is a list",
        ("ci.yaml: the top level is a list",),
        env={"INVOKE_RUNTIME_CONFIG": "ci.yaml"},
        files={"ci.yaml": "- wait_timeout: 5\n"},
    ),
    Case(
        "a runtime config file with a bad value",
        ("ci.yaml", "dockhand.wait_timeout is -1"),
        env={"INVOKE_RUNTIME_CONFIG": "ci.yaml"},
        files={"ci.yaml": "dockhand: {wait_timeout: -1}\n"},
    ),
    Case(
        "a routing no cluster has",
        ("INVOKE_DOCKHAND_DEPLOY_ROUTING=ipvs is not valid", "auto, mesh or host"),
        env={"INVOKE_DOCKHAND_DEPLOY_ROUTING": "ipvs"},
    ),
    Case(
        "DOCKHAND_ROUTER not a container name",
        ("DOCKHAND_ROUTER='no such' is not a container name",),
        env={"DOCKHAND_ROUTER": "no such"},
    ),
    Case(
        "DOCKHAND_ROUTER_PORTS not ports",
        ("DOCKHAND_ROUTER_PORTS='80,http' is not a list of ports",),
        env={"DOCKHAND_ROUTER_PORTS": "80,http"},
    ),
]


def dry(*argv: str) -> tuple[str, ...]:
    return ("--dry", *argv)


# deploy and rollback act on a Swarm stack (this engine's, or a cluster's):
# a check that went missing would change it, and a stack's services carry no
# Compose project label for "nothing left on the engine" to find.
SWARM = "a missed check would change a Swarm stack the test cannot see"


OPTION_CASES = [
    Case(
        "deploy --stack-file in no folder",
        ("--stack-file /no/such/folder/stack.yml: there is no folder /no/such/folder",),
        argv=dry("deploy", "--stack-file", "/no/such/folder/stack.yml"),
        dry_because=SWARM,
    ),
    Case(
        "deploy --stack-file empty",
        ("--stack-file is empty",),
        argv=dry("deploy", "--stack-file", ""),
        dry_because=SWARM,
    ),
    Case(
        "deploy --stack-file a folder",
        ("--stack-file /tmp is a folder",),
        argv=dry("deploy", "--stack-file", "/tmp"),
        dry_because=SWARM,
    ),
    Case(
        "up --timeout abc",
        ("--timeout takes a number of seconds greater than 0, not 'abc'",),
        argv=("up", "--timeout", "abc"),
    ),
    Case("up --timeout 0", ("--timeout", "not '0'"), argv=("up", "--timeout", "0")),
    Case(
        "debug --timeout 0",
        ("--timeout", "not '0'"),
        argv=("debug", "ok", "--timeout", "0"),
    ),
    Case("up --timeout -5", ("--timeout", "not '-5'"), argv=("up", "--timeout", "-5")),
    Case(
        "up --timeout nan",
        ("--timeout", "not 'nan'"),
        argv=("up", "--timeout", "nan"),
    ),
    Case(
        "up --timeout inf",
        ("--timeout", "not 'inf'"),
        argv=("up", "--timeout", "inf"),
    ),
    Case(
        "up --timeout 1e999",
        ("--timeout", "not '1e999'"),
        argv=("up", "--timeout", "1e999"),
    ),
    Case("up --timeout ''", ("--timeout", "not ''"), argv=("up", "--timeout", "")),
    Case("up --timeout 5m", ("--timeout", "not '5m'"), argv=("up", "--timeout", "5m")),
    Case(
        "restart --timeout abc",
        ("--timeout", "not 'abc'"),
        argv=("restart", "--timeout", "abc"),
    ),
    Case(
        "restart --timeout 0",
        ("--timeout", "not '0'"),
        argv=("restart", "--timeout", "0"),
    ),
    Case(
        "setup --timeout abc",
        ("--timeout", "not 'abc'"),
        argv=("setup", "--timeout", "abc"),
    ),
    Case(
        "setup --timeout -1",
        ("--timeout", "not '-1'"),
        argv=("setup", "--timeout", "-1"),
    ),
    Case(
        "logs --tail ten",
        ("--tail takes a number of lines, not 'ten'",),
        argv=("logs", "--tail", "ten"),
    ),
    Case("logs --tail -5", ("--tail", "not '-5'"), argv=("logs", "--tail", "-5")),
    Case(
        "deploy --timeout abc",
        ("--timeout", "not 'abc'"),
        argv=dry("deploy", "--timeout", "abc"),
        dry_because=SWARM,
    ),
    Case(
        "rollback without cluster",
        ("inv rollback works on the cluster's stack",),
        argv=dry("rollback"),
        dry_because=SWARM,
    ),
    Case("logs --tail 1.5", ("--tail", "not '1.5'"), argv=("logs", "--tail", "1.5")),
    Case(
        "ps --watch --json",
        ("--watch prints tables, --json one list",),
        argv=("ps", "--watch", "--json"),
    ),
    Case(
        "dash off a terminal",
        ("inv dash needs a terminal", "use `inv ps --watch`"),
        argv=("dash",),
    ),
    Case("logs --tail ''", ("--tail", "not ''"), argv=("logs", "--tail", "")),
    Case(
        "logs --since yesterday",
        ("--since takes a duration, a date or a time, not 'yesterday'",),
        argv=("logs", "--since", "yesterday"),
    ),
    Case("logs --since 5x", ("--since", "not '5x'"), argv=("logs", "--since", "5x")),
    Case("logs --since -1h", ("--since", "not '-1h'"), argv=("logs", "--since", "-1h")),
    Case(
        "logs --since a bad date",
        ("--since", "not '2026-13-45'"),
        argv=("logs", "--since", "2026-13-45"),
    ),
    Case(
        "shell: two services",
        ("one service at a time, got 2",),
        argv=("shell", "ok", "crash"),
    ),
    Case("shell -c ''", ("-c",), argv=("shell", "-c", "")),
    Case(
        "db.shell without a database",
        ("no database is configured",),
        argv=("db.shell",),
    ),
    Case(
        "db.backup without a database",
        ("no database is configured",),
        argv=("db.backup",),
    ),
    Case(
        "db.reset without a database",
        ("no database is configured",),
        argv=("db.reset", "--yes"),
    ),
    Case(
        "migrate --status without migrations",
        ("no migrations are configured",),
        settings(),
        argv=("migrate", "--status"),
    ),
    Case(
        "inv prod alone",
        ("inv prod selects the production files", "none follows"),
        settings("prod_files: [compose.yaml]"),
        argv=("prod",),
    ),
    Case(
        "inv prod without prod files",
        ("inv prod: no production files are configured",),
        argv=("prod", "down"),
    ),
]

DB = "database: {service: ok, user_var: U, name_var: N}"

PATH_CASES = [
    Case(
        "restore of a missing file",
        ("nope.dump",),
        settings(DB),
        argv=("db.restore", "nope.dump", "--yes"),
    ),
    Case(
        "restore of a folder",
        ("backups is not a file",),
        settings(DB),
        argv=("db.restore", "backups", "--yes"),
        files={"backups/.keep": ""},
    ),
    Case(
        "restore of a text file",
        ("notes.txt", "pg_dump -Fc"),
        settings(DB),
        argv=("db.restore", "notes.txt", "--yes"),
        files={"notes.txt": "SELECT 1;\n"},
    ),
    Case(
        "restore of an empty file",
        ("empty.dump",),
        settings(DB),
        argv=("db.restore", "empty.dump", "--yes"),
        files={"empty.dump": ""},
    ),
    Case(
        "backup into a missing folder",
        ("--output no/such/dir/x.dump", "does not exist"),
        settings(DB),
        argv=("db.backup", "-o", "no/such/dir/x.dump"),
    ),
    Case(
        "backup under a file",
        ("notes.txt is a file, not a folder",),
        settings(DB),
        argv=("db.backup", "-o", "notes.txt/x.dump"),
        files={"notes.txt": "x"},
    ),
    Case(
        "backup over an existing file",
        ("taken.dump already exists",),
        settings(DB),
        argv=("db.backup", "-o", "taken.dump"),
        files={"taken.dump": "x"},
    ),
    Case(
        "backup into a folder",
        ("--output backups is a folder",),
        settings(DB),
        argv=("db.backup", "-o", "backups"),
        files={"backups/.keep": ""},
    ),
]

ENV_FILE_CASES = [
    Case(
        "a line without =",
        ("faulty.env: line 2",),
        env_file="BASE_IMAGE=debian:bookworm-slim\nnot a line\n",
        argv=UP,
    ),
    Case(
        "an unclosed quote in the env file",
        ("faulty.env",),
        env_file="BASE_IMAGE=debian:bookworm-slim\nA='x\n",
        argv=UP,
    ),
    Case(
        "an env file that is not UTF-8 (up)",
        ("faulty.env, line 2", "byte 0xE9 is not UTF-8"),
        env_file="BASE_IMAGE=debian:bookworm-slim\nNAME=caf\udce9\n",  # Latin-1
        argv=UP,
    ),
    Case(
        "an env file that is not UTF-8 (doctor, the project not named)",
        ("faulty.env, line 2", "byte 0xE9 is not UTF-8"),
        "dockhand:\n  compose_files: [compose.yaml]\n  prod_files: []\n",
        env_file="BASE_IMAGE=debian:bookworm-slim\nNAME=caf\udce9\n",
        unset=("INVOKE_DOCKHAND_PROJECT",),
        argv=("doctor",),
    ),
    Case(
        "the env file is a folder",
        ("INVOKE_DOCKHAND_ENV_FILE=envdir", "this is a folder"),
        env={"INVOKE_DOCKHAND_ENV_FILE": "envdir"},
        files={"envdir/.keep": ""},
        argv=UP,
    ),
    Case(
        "a placeholder secret at up",
        ("faulty.env still has a placeholder or empty secret: SECRET_KEY",),
        env_file="BASE_IMAGE=debian:bookworm-slim\nSECRET_KEY=change-me\n",
        argv=UP,
        files={
            ".env.example": "BASE_IMAGE=debian:bookworm-slim\n# @secret\nSECRET_KEY=change-me\n"
        },
    ),
]

COMPOSE_CASES = [
    Case(
        "a missing compose file", ("compose.yaml",), remove=("compose.yaml",), argv=UP
    ),
    Case(
        "a compose file that is not YAML",
        ("compose.yaml", "not valid YAML"),
        files={"compose.yaml": COMPOSE + "  bad: [\n"},
        argv=UP,
    ),
    Case(
        "a compose file that is a list",
        ("top-level object must be a mapping",),
        files={"compose.yaml": "- services\n"},
        argv=UP,
    ),
    Case(
        "compose services: 5",
        ("services",),
        files={"compose.yaml": "services: 5\n"},
        argv=UP,
    ),
    Case(
        "a misspelt compose key",
        ("imagee",),
        files=compose("  web:", "    imagee: x"),
        argv=UP,
    ),
    Case(
        "a required variable unset",
        ("the variable TOKEN is not set", "set TOKEN"),
        files=compose('    environment: {TOKEN: "${TOKEN:?set TOKEN}"}'),
        argv=UP,
    ),
    Case(
        "a service env_file missing",
        ("the env file", "missing.env", "does not exist"),
        files=compose("    env_file: [missing.env]"),
        argv=UP,
    ),
    Case("a bad port", ("abc",), files=compose("    ports: ['abc:80']"), argv=UP),
    Case(
        "a dependency on no service",
        ("nosuch",),
        files=compose("    depends_on: [nosuch]"),
        argv=UP,
    ),
    Case(
        "an undefined volume",
        ("data",),
        files=compose("    volumes: ['data:/data']"),
        argv=UP,
    ),
    Case(
        "an undefined network",
        ("backnet",),
        files=compose("    networks: [backnet]"),
        argv=UP,
    ),
    Case(
        "a dependency cycle",
        ("cycle",),
        files=compose(
            "    depends_on: [other]",
            "  other:",
            "    <<: *base",
            "    depends_on: [ok]",
        ),
        argv=UP,
    ),
    Case(
        "a build context that is missing",
        ("the build context", "nowhere", "does not exist"),
        files=compose("  built:", "    build: ./nowhere"),
        argv=("build", "built"),
    ),
    Case(
        "a compose file of the build missing",
        ("compose.yaml",),
        remove=("compose.yaml",),
        argv=("build",),
    ),
    Case(
        "a prod file missing",
        ("prod.yml",),
        settings("prod_files: [prod.yml]"),
        argv=("prod", "up", "ok"),
    ),
    Case(
        "a Dockerfile that is missing",
        ("the Dockerfile", "Dockerfile does not exist"),
        files=compose("  built:", "    build: ."),
        argv=("build", "built"),
    ),
]

ENDPOINT_CASES = [
    Case(
        "DOCKER_HOST refused (up)",
        ("tcp://127.0.0.1:1", "not reachable"),
        env={"DOCKER_HOST": "tcp://127.0.0.1:1"},
        argv=UP,
    ),
    Case(
        "DOCKER_HOST refused (ps)",
        ("tcp://127.0.0.1:1", "not reachable"),
        env={"DOCKER_HOST": "tcp://127.0.0.1:1"},
        argv=("ps",),
    ),
    Case(
        "DOCKER_HOST refused (down)",
        ("tcp://127.0.0.1:1", "not reachable"),
        env={"DOCKER_HOST": "tcp://127.0.0.1:1"},
        argv=("down",),
    ),
    Case(
        "DOCKER_HOST refused (logs)",
        ("tcp://127.0.0.1:1", "not reachable"),
        env={"DOCKER_HOST": "tcp://127.0.0.1:1"},
        argv=("logs",),
    ),
    Case(
        "DOCKER_HOST refused (build)",
        ("tcp://127.0.0.1:1",),
        env={"DOCKER_HOST": "tcp://127.0.0.1:1"},
        files={**compose("  built:", "    build: ."), "Dockerfile": "FROM scratch\n"},
        argv=("build", "built"),
    ),
    Case(
        "DOCKER_HOST a missing socket",
        ("/nowhere/docker.sock",),
        env={"DOCKER_HOST": "unix:///nowhere/docker.sock"},
        argv=UP,
    ),
    Case(
        "DOCKER_HOST a missing socket (down)",
        ("unix:///nowhere/docker.sock", "not reachable"),
        env={"DOCKER_HOST": "unix:///nowhere/docker.sock"},
        argv=("down",),
    ),
    Case(
        "DOCKER_HOST a missing socket (logs)",
        ("DOCKER_HOST=unix:///nowhere/docker.sock", "not reachable", "no socket"),
        env={"DOCKER_HOST": "unix:///nowhere/docker.sock"},
        argv=("logs", "--tail", "1"),
    ),
    Case(
        "DOCKER_HOST a missing socket (restart)",
        ("unix:///nowhere/docker.sock", "not reachable"),
        env={"DOCKER_HOST": "unix:///nowhere/docker.sock"},
        argv=("restart",),
    ),
    Case(
        "DOCKER_HOST refused (restart)",
        ("tcp://127.0.0.1:1", "not reachable"),
        env={"DOCKER_HOST": "tcp://127.0.0.1:1"},
        argv=("restart",),
    ),
    Case(
        "DOCKER_HOST nonsense",
        ("nonsense",),
        env={"DOCKER_HOST": "nonsense://x"},
        argv=("ps",),
    ),
    Case(
        "DOCKER_CONTEXT missing (ps)",
        ("'nope'",),
        env={"DOCKER_CONTEXT": "nope"},
        argv=("ps",),
        unset=NO_DOCKER_HOST,
    ),
    Case(
        "DOCKER_CONTEXT missing (up)",
        ("'nope'",),
        env={"DOCKER_CONTEXT": "nope"},
        argv=UP,
        unset=NO_DOCKER_HOST,
    ),
    Case(
        "DOCKER_CONTEXT missing (down)",
        ("'nope'",),
        env={"DOCKER_CONTEXT": "nope"},
        argv=("down",),
        unset=NO_DOCKER_HOST,
    ),
    Case(
        "DOCKER_CONTEXT missing (logs)",
        ("'nope'",),
        env={"DOCKER_CONTEXT": "nope"},
        argv=("logs",),
        unset=NO_DOCKER_HOST,
    ),
]

SERVICE_CASES = [
    Case("up nosuch", ("unknown service 'nosuch'",), argv=("up", "nosuch")),
    Case("up a near miss", ("unknown service 'okk'",), argv=("up", "okk")),
    Case(
        "up --no-wait nosuch",
        ("unknown service 'nosuch'",),
        argv=("up", "--no-wait", "nosuch"),
    ),
    Case(
        "up one right, one wrong",
        ("unknown service 'nosuch'",),
        argv=("up", "ok", "nosuch"),
    ),
    Case("restart nosuch", ("unknown service 'nosuch'",), argv=("restart", "nosuch")),
    Case("logs nosuch", ("unknown service 'nosuch'",), argv=("logs", "nosuch")),
    Case("ps nosuch", ("unknown service 'nosuch'",), argv=("ps", "nosuch")),
    Case("build nosuch", ("unknown service 'nosuch'",), argv=("build", "nosuch")),
    Case("debug nosuch", ("unknown service 'nosuch'",), argv=("debug", "nosuch")),
    Case(
        "shell nosuch",
        ("unknown service 'nosuch'",),
        argv=("shell", "nosuch", "-c", "true"),
    ),
    Case("a service name with a space", ("unknown service 'o k'",), argv=("up", "o k")),
    Case(
        "a default_service that does not exist",
        ("nosuch",),
        settings("default_service: nosuch"),
        argv=("shell", "-c", "true"),
    ),
    Case(
        "a migration of no service",
        ("nosuch",),
        settings("migrations: [{service: nosuch, run: 'true'}]"),
        argv=("migrate",),
    ),
]

CLASSES: dict[str, list[Case]] = {
    "invoke.yaml": SETTINGS_CASES,
    "INVOKE_DOCKHAND_*": VARIABLE_CASES,
    "options": OPTION_CASES,
    "output and input paths": PATH_CASES,
    "env files": ENV_FILE_CASES,
    "compose files": COMPOSE_CASES,
    "Docker endpoints": ENDPOINT_CASES,
    "service names": SERVICE_CASES,
}

BAD: list[Case] = [
    Case(**{**case.__dict__, "cls": name})
    for name, cases in CLASSES.items()
    for case in cases
]
