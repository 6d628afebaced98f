"""Invoke config (invoke.yaml, INVOKE_DOCKHAND_*) -> one frozen Settings,
checked against the schema (schema.py), a wrong value one line naming the
file or variable it came from."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from dockhand.config import schema as parse
from dockhand.config.defaults import ENV_PREFIX
from dockhand.config.keys import Key, setting
from dockhand.config.messages import bad_value, nearest, show, unknown_key
from dockhand.config.schema import (
    Bad,
    DatabaseSettings,
    Migration,
    Parser,
    ServiceSettings,
    Unknown,
    check_keys,
)
from dockhand.errors import DockhandError


@dataclass(frozen=True)
class Settings:
    """What a command knows of its project. Each key of the `dockhand` section
    is declared once, here: the type a command sees, and in setting() its
    default as a user would write it, its parser (schema.py), whether an
    INVOKE_DOCKHAND_<KEY> variable can set it, and its row of the table in
    docs/configuration.md. A new key is one more field."""

    root: Path  # the folder of tasks.py, from namespace(); not a key
    project: str = setting(
        "",
        at_root=parse.project_name,
        kind="string, `[a-z0-9][a-z0-9_-]*`",
        shown="the name Compose gives the project (see [How dockhand finds the project](#how-dockhand-finds-the-project)), which `inv setup` makes each checkout's own",
        doc="Compose project name, passed as `-p` to every command; set here, every checkout of the repository shares that one stack ([checkouts.md](checkouts.md))",
    )
    compose_files: tuple[Path, ...] = setting(
        ["docker-compose.yml"],
        at_root=parse.files,
        kind="list of file names, or one string split on `,` or `:`",
        shown="the files Compose finds (see below)",
        doc="compose files, in merge order, each passed with `-f`; when set, exactly these (no override file is added)",
    )
    prod_files: tuple[Path, ...] = setting(
        ["docker-compose.prod.yml"],
        at_root=parse.files,
        kind="as `compose_files`",
        doc="files added after `compose_files` when the production override is selected (`inv prod ...`)",
    )
    prod: bool = setting(
        False,
        parse.flag,
        kind="`true` or `false` (strings: `true`/`false`, `yes`/`no`, `on`/`off`, `1`/`0`)",
        doc="select the production override for every command (`INVOKE_DOCKHAND_PROD=1`)",
    )
    profiles: tuple[str, ...] = setting(
        [],
        parse.profiles,
        kind="list of profile names (`[a-zA-Z0-9][a-zA-Z0-9_.-]*`), or one string split on `,`",
        doc="Compose profiles to enable, each passed with `--profile`; `profiles: storage` is the one profile `storage`",
    )
    env_file: Path = setting(  # noqa: RUF009 - setting() is a field()
        ".env",
        at_root=parse.file_path,
        kind="one file name (a string, not a list)",
        doc="the env file `inv setup` makes and every command passes with `--env-file` when it exists; unset, Compose's own: `.env` in the project's folder and beside the compose file, `COMPOSE_ENV_FILES`, `COMPOSE_DISABLE_ENV_FILE` ([env files](#env-files-as-compose-reads-them))",
    )
    env_example: Path = setting(  # noqa: RUF009 - setting() is a field()
        ".env.example",
        at_root=parse.file_path,
        kind="one file name",
        doc="the template `inv setup` creates `env_file` from",
    )
    default_service: str = setting(
        "",
        parse.string,
        kind="string",
        doc="the service `inv shell` opens when none is named",
    )
    wait_timeout: float = setting(
        180,
        parse.seconds,
        kind="number of seconds, greater than 0",
        doc="how long `inv up`, `inv restart` and `inv migrate` wait for health",
    )
    wait_stable_seconds: float = setting(
        2.5,
        parse.window,
        kind="number of seconds, 0 or more",
        doc="a service is ready once it has stayed up (healthy, or running without a healthcheck) this long since its last start; see [inv up](commands.md#inv-up-service)",
    )
    wait_max_restarts: int = setting(
        2,
        parse.restarts,
        kind="whole number, 0 or more",
        doc="a service restarted more often than this during a wait fails it at once (a crash loop)",
    )
    compose_command: str = setting(
        "",
        parse.string,
        kind="string (split on spaces)",
        shown="detected",
        doc="force a Compose binary, e.g. `/usr/bin/docker-compose`",
    )
    compose_version: str = setting(
        "",
        parse.version,
        kind='a quoted version, `"5.6.1"` or `"5.6"`',
        doc="the Compose version the project is tested with; `inv doctor` warns when another one runs (this repository's `scripts/engine` installs exactly this one). Quote it: YAML reads `5.10` as the number 5.1",
    )
    services: Mapping[str, ServiceSettings] = setting(
        {},
        at_root=parse.services,
        kind="mapping of service name (a string) to `{shell, port, path, test, test_files, debug}`",
        env=False,
        doc="per service: `shell` (a non-empty string, for `inv shell`, default `sh`), `port` (the container port a browser opens, 1-65535) and `path` (starting with `/`, default `/`); `inv up` prints `http://localhost:HOSTPORT/PATH` with the host port Compose published; `test` (a command, as `migrations.run`) is what `inv test` runs in the container, and `test_files` (`HOST_FOLDER:CONTAINER_FOLDER`, the host folder relative to `tasks.py`) the files it copies in first, for tests the image leaves out ([daily.md](daily.md#tests-in-the-containers)); `debug` (a command, as `migrations.run`) is what `inv debug` runs under the debugger where the service's own command names no python, uvicorn or node ([commands.md](commands.md#inv-debug-service))",
    )
    migrations: tuple[Migration, ...] = setting(
        [],
        parse.migrations,
        kind="list of `{service, run, status, pending}`",
        env=False,
        doc="in order; `service` a string, `run` a command (a string split like a shell would, quotes balanced, or a list of words; never run through a shell), `status` optional, a command too; `pending` optional, a command printing what `run` would apply, one a line (nothing: up to date): with it on every entry, `inv migrate` snapshots the database only when something is pending ([daily.md](daily.md#migrations-with-a-safety-net))",
    )
    database: DatabaseSettings | None = setting(  # noqa: RUF009 - setting() is a field()
        {},
        parse.database,
        kind="`{service, user_var, name_var, password_var}`, each a string",
        shown="none",
        env=False,
        doc="the PostgreSQL service and the env variables naming its user, database and password (`password_var` default `POSTGRES_PASSWORD`); `inv migrate` waits for this service to be healthy, `inv up` and `inv doctor` check the password against its data",
    )
    image_size_budget_mb: float = setting(
        350,
        parse.megabytes,
        kind="number, greater than 0",
        doc="`inv check` fails an image larger than this",
    )
    min_free_disk_gb: float = setting(
        2,
        parse.gigabytes,
        kind="number, 0 or more",
        doc="`inv doctor` warns when Docker's disk has less free space",
    )
    stale_images: str = setting(
        "rebuild",
        parse.stale_mode,
        kind="`rebuild`, `warn` or `off`",
        doc="an image older than its sources: `inv up` rebuilds it (`rebuild`) or only says so (`warn`); `inv ps` and `inv restart` name it unless `off` ([daily.md](daily.md#stale-images))",
    )
    migrate_snapshots: int = setting(
        5,
        parse.kept,
        kind="whole number, 0 or more",
        doc="the automatic snapshots `inv migrate` keeps in `backups/` (older ones are removed); `0` takes none",
    )
    watch_files: tuple[Path, ...] = setting(
        [],
        at_root=parse.files,
        kind="as `compose_files`",
        doc="compose files with `develop.watch` rules that `inv watch` adds to `compose_files` (a file of their own: Compose v1 rejects `develop`)",
    )
    deploy_endpoint: str = setting(
        "",
        parse.string,
        kind="string: a Docker context name or a host URL (`ssh://user@host`, `unix:///...`, `tcp://...`)",
        doc="the Swarm manager `inv deploy` and `inv cluster ...` talk to; none: `DOCKER_HOST`, else the `swarm-lab` context when it exists, else the current context (see [deploy.md](deploy.md#which-cluster))",
    )
    deploy_registry: str = setting(
        "",
        parse.registry,
        kind="`HOST[:PORT][/PATH]`",
        doc="where `inv deploy` pushes the images it builds (required by `inv deploy`)",
    )
    deploy_pull_registry: str = setting(
        "",
        parse.registry,
        kind="`HOST[:PORT][/PATH]`",
        shown="`deploy_registry`",
        doc="the same registry as the cluster's nodes reach it (the lab: `registry:5000`)",
    )
    deploy_routing: str = setting(
        "auto",
        parse.routing,
        kind="`auto`, `mesh` or `host`",
        doc="how the stack is reached: `mesh` (virtual IPs, ingress ports), `host` (`endpoint_mode: dnsrr`, `mode: host` ports, for clusters without IPVS); `auto` asks the manager's kernel",
    )
    deploy_timeout: float = setting(
        300,
        parse.seconds,
        kind="number of seconds, greater than 0",
        doc="how long `inv deploy` waits for the stack to converge",
    )
    trust: bool = setting(
        False,
        parse.flag,
        kind="as `prod`",
        doc="give every container the host's CA bundle (mounted read-only, with `SSL_CERT_FILE` and the variables other runtimes read) and every BuildKit build the secret `dockhand-ca`, through an override dockhand writes; `inv setup` offers it when `inv doctor` finds CAs beyond the public bundle ([trust.md](trust.md))",
    )
    trust_path: Path | None = setting(  # noqa: RUF009 - setting() is a field()
        "",
        at_root=parse.optional_path,
        kind="a file (PEM or DER) or a folder of `.crt`/`.pem`/`.cer` files",
        doc="more CAs the host trusts (a company's, a macOS keychain export): `inv doctor` names them and `trust` adds them to the bundle",
    )
    # The checkout an env file was copied from (dockhand.config.checkout), when it was.
    copied_from: str = ""
    # Whether invoke.yaml (or a variable) gave them; if not, the session asks
    # Compose (dockhand.discovery) and says where each came from.
    project_given: bool = True
    files_given: bool = True
    prod_files_given: bool = True
    env_file_given: bool = True  # if not, Compose's own rules (docker.compose_env)
    project_source: str = "invoke.yaml"
    files_source: str = "invoke.yaml"

    @property
    def files(self) -> tuple[Path, ...]:
        """The compose files in merge order; the prod override last."""
        return self.compose_files + (self.prod_files if self.prod else ())

    @property
    def prod_override(self) -> tuple[Path, ...]:
        """The files configured, else the default's that exist (most have none)."""
        if self.prod_files_given:
            return self.prod_files
        return tuple(f for f in self.prod_files if f.is_file())

    def service(self, name: str) -> ServiceSettings:
        return self.services.get(name, ServiceSettings())


# Every key of the `dockhand` section, in the order of the docs' table.
KEYS: dict[str, Key] = {
    f.name: f.metadata["key"] for f in fields(Settings) if "key" in f.metadata
}
# Each key's default, as a user would write it (raw: the parsers read them).
DEFAULTS: dict[str, Any] = {name: key.default for name, key in KEYS.items()}
# Keys a variable can set: those whose value can be written as one string.
ENV_KEYS = tuple(name for name, key in KEYS.items() if key.env)
INTERNAL = ("root",)  # set by dockhand.namespace(), not by a user


def env_var(key: str) -> str:
    return ENV_PREFIX + key.upper()


def parsers(root: Path) -> dict[str, Parser[object]]:
    """Every key of the `dockhand` section and its parser, for a project in `root`."""
    return {name: key.parser(root) for name, key in KEYS.items()}


def environment_settings(environ: Mapping[str, str]) -> dict[str, str]:
    """The INVOKE_DOCKHAND_* variables as {key: raw string}; a variable that
    names no setting is an error naming the nearest one."""
    found = {}
    for var, value in sorted(environ.items()):
        if not var.startswith(ENV_PREFIX):
            continue
        key = var[len(ENV_PREFIX) :].lower()
        if key in ENV_KEYS:
            found[key] = value
            continue
        nested = key.split("_")[0]
        if nested in KEYS and not KEYS[nested].env:
            raise DockhandError(
                f"{var}: dockhand.{nested} cannot be set by a variable",
                hint="put it in a config file: `inv -f FILE ...` or INVOKE_RUNTIME_CONFIG=FILE",
            )
        raise DockhandError(
            f"{var} is not a setting{nearest(var, [env_var(k) for k in ENV_KEYS])}",
            hint="unset it; every variable: docs/configuration.md#environment-variables",
        )
    return found


def load(section: object, origins: Mapping[str, str] | None = None) -> Settings:
    """Build Settings from the `dockhand` section of an Invoke config, checked
    against the schema. `origins` says where each top-level key came from (a
    file name, or an INVOKE_DOCKHAND_* variable); invoke.yaml when not said."""
    origins = origins or {}
    if section is None:  # `dockhand:` with nothing under it
        section = {}
    if not isinstance(section, Mapping):
        origin = origins.get("", "invoke.yaml")
        raise DockhandError(
            f"{origin}: dockhand is {show(section)}, expected a mapping of settings",
            hint=f"fix it in {origin} (every setting: docs/configuration.md)",
        )
    root = Path(str(section.get("root") or ".")).resolve()
    parse_key = parsers(root)
    try:
        check_keys(
            "", {k: v for k, v in section.items() if k not in INTERNAL}, list(parse_key)
        )
        values: dict[str, Any] = {  # each as its field's type
            key: parse(key, section[key] if key in section else DEFAULTS[key])
            for key, parse in parse_key.items()
        }
    except Bad as bad:
        raise bad_value(bad, origins) from None
    except Unknown as unknown:
        raise unknown_key(unknown, origins) from None
    return Settings(
        root=root,
        **values,
        project_given=bool(section.get("project")),
        files_given="compose_files" in section,
        prod_files_given="prod_files" in section,
        env_file_given="env_file" in section,
        # A file name, or the INVOKE_DOCKHAND_* variable that gave it.
        project_source=origins.get("project", "invoke.yaml"),
        files_source=origins.get("compose_files", "invoke.yaml"),
    )
