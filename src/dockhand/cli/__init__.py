"""The task modules; dockhand.namespace() assembles them."""
