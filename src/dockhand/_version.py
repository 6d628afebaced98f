"""The one place the version is written: pyproject.toml reads it from here
(setuptools' dynamic version), `inv version` prints it. A module of its own,
so that what prints it does not import the package's task list."""

__version__ = "0.2.0"
# The name on the package index ("dockhand" there is an unrelated project).
DISTRIBUTION = "dockhand-compose"
