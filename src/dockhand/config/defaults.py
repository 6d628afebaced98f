"""The names dockhand.namespace() needs, in a module that imports nothing,
because it runs at `inv --list`, which must stay as fast as a bare Invoke
project. The keys of the `dockhand` section, their defaults and parsers are
declared in dockhand.config.settings."""

# The config key where dockhand.namespace() leaves the project's folder and the
# INVOKE_DOCKHAND_* variables it took, and `inv prod` its choice.
OWN = "_dockhand"
# The variables that set a key of the `dockhand` section, read by its schema.
ENV_PREFIX = "INVOKE_DOCKHAND_"
