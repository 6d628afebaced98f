from dockhand import namespace

ns = namespace(__file__)
