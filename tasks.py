"""Tasks for this repository's reference stack; `inv --list` shows them."""

from dockhand import namespace

ns = namespace(__file__)
