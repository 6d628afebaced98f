"""A second project adopting dockhand by configuration alone."""

from dockhand import namespace

ns = namespace(__file__)
