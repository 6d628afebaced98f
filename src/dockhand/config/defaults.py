"""The names dockhand.namespace() needs, in a module that imports nothing,
because it runs at `inv --list`, which must stay as fast as a bare Invoke
project. The keys of the `dockhand` section, their defaults and parsers are
declared in dockhand.config.settings."""

# The config key where dockhand.namespace() leaves the project's folder and the
# INVOKE_DOCKHAND_* variables it took, and `inv prod` its choice.
OWN = "_dockhand"
# The variables that set a key of the `dockhand` section, read by its schema.
ENV_PREFIX = "INVOKE_DOCKHAND_"
# Compose's names for a project's compose file, in the order it looks
# (compose-go's cli/options), and for the override file beside it: read by
# dockhand.discovery, and by the `dockhand` command to find its project.
COMPOSE_NAMES = (
    "compose.yaml",
    "compose.yml",
    "docker-compose.yml",
    "docker-compose.yaml",
)
OVERRIDE_NAMES = (
    "compose.override.yml",
    "compose.override.yaml",
    "docker-compose.override.yml",
    "docker-compose.override.yaml",
)
# Where the files came from when no compose file is found (dockhand.discovery).
NO_COMPOSE_FILE = "none found: Compose will say so"
# The project config files Invoke looks for beside tasks.py, in its order.
INVOKE_FILES = ("invoke.yaml", "invoke.yml", "invoke.json")
