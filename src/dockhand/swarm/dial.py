"""docker-py on an endpoint only the docker CLI dials: ssh://.

docker-py's own ssh:// transport needs paramiko, even to shell out to
`ssh`: its module imports paramiko, and once paramiko is installed every
`import docker` imports it (and cryptography): about 0.6 s more on each
command here. So the client talks HTTP to a unix socket of ours, in a
private temporary folder, and each connection to it is handed, as stdin and
stdout, to the command the docker CLI runs for ssh:// (`ssh ... docker
system dial-stdio`, swarm.argv.ssh_dial): the `ssh` binary, its agent,
~/.ssh/config and known_hosts, as for every `docker --host` call of
dockhand's. Nothing copies bytes: the child owns the connection and ends
when the client closes it.
"""

from __future__ import annotations

import shutil
import socket
import tempfile
import threading
from collections.abc import Sequence
from contextlib import suppress
from pathlib import Path
from typing import TYPE_CHECKING

from dockhand.docker import process

if TYPE_CHECKING:
    from docker import DockerClient

    from dockhand.docker.process import Runner


def listen(dial: Sequence[str], runner: Runner) -> str:
    """A unix socket (its path) whose every connection is served by `dial`."""
    folder = Path(tempfile.mkdtemp(prefix="dockhand-dial-"))  # ours only: 0700
    process.at_end(lambda: shutil.rmtree(folder, ignore_errors=True))
    path = folder / "docker.sock"
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(path))
    server.listen(16)

    # Kept, so that none is collected (and warned about) while it serves.
    children: list[object] = []

    def accept() -> None:
        while True:
            connection, _ = server.accept()
            # The child keeps its own copy; one that cannot start closes it,
            # which the client reports as its error.
            with connection, suppress(OSError):
                children.append(runner.serve(dial, connection))

    threading.Thread(target=accept, name="dockhand-dial", daemon=True).start()
    return str(path)


def client(dial: Sequence[str], runner: Runner, timeout: int) -> DockerClient:
    """A docker-py client whose connections are each a `dial` process, all
    in one pool."""
    import docker
    from docker.transport import UnixHTTPAdapter

    class OnePool(UnixHTTPAdapter):  # type: ignore[misc]
        """docker-py keeps a pool per URL, query included (each service's
        `tasks?filters=...` its own), so every new URL was a new connection,
        over ssh a session of its own: measured, 61 sessions for the ps,
        logs, shell and two deploys of the ssh test; 30 with one pool."""

        def get_connection(self, url: str, proxies: object = None) -> object:
            return super().get_connection("http+docker://localhost", proxies)

    path = listen(dial, runner)
    made = docker.DockerClient(base_url=f"unix://{path}", timeout=timeout)
    made.api.mount("http+docker://", OnePool(f"http+unix://{path}", timeout))
    return made
