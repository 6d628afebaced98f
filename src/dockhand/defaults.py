"""The defaults of every setting, in a module that imports nothing, because
`inv --list` needs them and must stay as fast as a bare Invoke project."""

from typing import Any

# Every key dockhand reads, with its default. Invoke only lets INVOKE_DOCKHAND_*
# env vars override keys that exist, so each scalar key must be present here.
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
}
