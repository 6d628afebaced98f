"""dockhand: a developer command line for Docker Compose projects, on Invoke.

A project's tasks.py needs two lines:

    from dockhand import namespace
    ns = namespace(__file__)
"""

from __future__ import annotations

from pathlib import Path

from invoke.collection import Collection

from dockhand._version import DISTRIBUTION, __version__

__all__ = ["DISTRIBUTION", "__version__", "namespace"]


def namespace(root: str | Path | None = None) -> Collection:
    """Every dockhand task, configured for the project at `root` (a folder, or
    the tasks.py in it). invoke.yaml beside tasks.py overrides any default.

    The INVOKE_DOCKHAND_* variables are taken out of the environment here,
    before Invoke reads them: Invoke would cast each to the type of the value
    it overrides (int("1.5") is a traceback, "false" is true). dockhand's own
    schema reads them instead (dockhand.cli.invoke_config.load_settings). The defaults
    stay out of Invoke's config too, so that Invoke never merges a user's value
    with one of dockhand's (a list given for a mapping is a traceback there).
    """
    from dockhand.cli import (
        check,
        clean,
        cluster,
        dash,
        db,
        debug,
        deploy,
        logs,
        migrate,
        pinned,
        projects,
        setup,
        shell,
        snapshot,
        stack,
        test,
        urls,
        version,
        watch,
    )
    from dockhand.cli import task as cli
    from dockhand.config.defaults import OWN

    folder = Path(root).resolve() if root else Path.cwd()
    if folder.is_file():
        folder = folder.parent
    pinned.warn_once(folder)  # another dockhand than the project pins: one line
    ns = Collection(
        setup.setup,
        check.doctor,
        setup.env,
        version.version,
        stack.build,
        stack.up,
        stack.down,
        stack.restart,
        stack.ps,
        dash.dash,
        urls.urls,
        logs.logs,
        stack.prod,
        migrate.migrate,
        shell.shell,
        test.test,
        watch.watch,
        debug.debug,
        clean.clean,
        projects.ls_,
        projects.gc,
        check.check,
        deploy.deploy,
        cluster.cluster,
        cluster.rollback,
        cluster.rm,
    )
    ns.add_collection(Collection("db", db.shell, db.backup, db.restore, db.reset))
    ns.add_collection(
        Collection(
            "snapshot", snapshot.save, snapshot.list_, snapshot.restore, snapshot.rm
        )
    )
    environ = cli.take_environment()
    cli.install_excepthook(folder)
    # OWN, not "dockhand": the user's section holds only what the user wrote.
    ns.configure(
        {
            OWN: {
                "root": str(folder),
                "environ": environ,
                "prod": False,
                "cluster": False,
            }
        }
    )
    return ns
