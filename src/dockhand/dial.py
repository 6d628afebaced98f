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

import atexit
import shutil
import socket
import tempfile
import threading
from collections.abc import Sequence
from contextlib import suppress
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from docker import DockerClient

    from dockhand.process import Runner


def listen(dial: Sequence[str], runner: Runner) -> str:
    """A unix socket URL whose every connection is served by `dial`."""
    folder = Path(tempfile.mkdtemp(prefix="dockhand-dial-"))  # ours only: 0700
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    path = folder / "docker.sock"
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(path))
    server.listen(16)

    children: list[
        object
    ] = []  # kept, so none is collected (and warned about) while it serves

    def accept() -> None:
        while True:
            connection, _ = server.accept()
            # The child keeps its own copy; one that cannot start closes it,
            # which the client reports as its error.
            with connection, suppress(OSError):
                children.append(runner.serve(dial, connection))

    threading.Thread(target=accept, name="dockhand-dial", daemon=True).start()
    return f"unix://{path}"


def client(dial: Sequence[str], runner: Runner, timeout: int) -> DockerClient:
    """A docker-py client whose connections are each a `dial` process."""
    import docker

    return docker.DockerClient(base_url=listen(dial, runner), timeout=timeout)
