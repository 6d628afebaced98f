"""Services that fail on purpose, for the error paths of `inv up`."""

from dockhand import namespace

ns = namespace(__file__)
