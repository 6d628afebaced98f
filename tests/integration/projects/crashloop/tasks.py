"""Services that crash, loop and finish, for the readiness wait of `inv up`."""

from dockhand import namespace

ns = namespace(__file__)
