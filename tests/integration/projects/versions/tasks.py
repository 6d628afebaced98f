"""A small project run under each Compose version tested."""

from dockhand import namespace

ns = namespace(__file__)
