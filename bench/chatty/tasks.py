"""The benchmark's log project."""

from dockhand import namespace

ns = namespace(__file__)
