"""The defaults of every setting, in a module that imports nothing, because
dockhand.namespace() (that is, `inv --list`) reads it and must stay as fast as
a bare Invoke project."""

from typing import Any

# The config key where dockhand.namespace() leaves the project's folder and the
# INVOKE_DOCKHAND_* variables it took, and `inv prod` its choice.
OWN = "_dockhand"
# The variables that set a key of the `dockhand` section, read by its schema.
ENV_PREFIX = "INVOKE_DOCKHAND_"

# Every key of the `dockhand` section, with its default; dockhand.config.settings has
# the schema each is checked against, docs/configuration.md the table.
DEFAULTS: dict[str, Any] = {
    "root": "",
    "project": "",
    "compose_files": ["docker-compose.yml"],
    "prod_files": ["docker-compose.prod.yml"],
    "prod": False,
    "profiles": [],
    "env_file": ".env",
    "env_example": ".env.example",
    "default_service": "",
    "wait_timeout": 180,
    "wait_stable_seconds": 2.5,
    "wait_max_restarts": 2,
    "compose_command": "",
    "compose_version": "",
    "services": {},
    "migrations": [],
    "database": {},
    "image_size_budget_mb": 350,
    "min_free_disk_gb": 2,
    "stale_images": "rebuild",
    "migrate_snapshots": 5,
    "watch_files": [],
    "deploy_endpoint": "",
    "deploy_registry": "",
    "deploy_pull_registry": "",
    "deploy_routing": "auto",
    "deploy_timeout": 300,
}
