"""An ssh:// endpoint of the test's own: Debian's sshd on a free port of
127.0.0.1, with its own host key, config and authorized_keys in a folder,
started and ended by the test.

The one key it accepts runs what a real host runs for the docker CLI and
docker-py, `docker system dial-stdio`, against a given engine socket (the
lab's manager), and refuses any other command; each one is noted in
`dialed.log`, so a test sees that the traffic went through ssh.

The ssh client reads its config from the passwd entry's home, not $HOME, and
neither the docker CLI nor docker-py passes it options: `env()` puts an `ssh`
first on PATH that runs the real one with this folder's config (the key,
known_hosts, BatchMode: never a prompt).
"""

from __future__ import annotations

import getpass
import os
import shlex
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from harness import free_port, wait_for

SSHD = "/usr/sbin/sshd"


def missing() -> str | None:
    """Why an sshd cannot be started here, or None."""
    if not os.access(SSHD, os.X_OK):
        return f"{SSHD} is not installed (scripts/test installs openssh-server)"
    if shutil.which("ssh") is None:
        return "ssh is not installed (scripts/test installs openssh-client)"
    return None


@dataclass
class Sshd:
    folder: Path
    port: int
    process: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        return f"ssh://{getpass.getuser()}@127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        return {"PATH": f"{self.folder / 'bin'}{os.pathsep}{os.environ['PATH']}"}

    def dialed(self) -> list[str]:
        log = self.folder / "dialed.log"
        return log.read_text().splitlines() if log.exists() else []

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _key(path: Path) -> str:
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(path)], check=True
    )
    return path.with_suffix(".pub").read_text().strip()


def _executable(path: Path, text: str) -> None:
    path.write_text(text)
    path.chmod(0o755)


def start(folder: Path, engine_socket: str) -> Sshd:
    port = free_port()
    host_key = _key(folder / "host_key")
    client_key = _key(folder / "client_key")
    wanted = "docker system dial-stdio"
    _executable(
        folder / "dial",
        "#!/bin/sh\n"
        f'echo "$SSH_ORIGINAL_COMMAND" >> {shlex.quote(str(folder / "dialed.log"))}\n'
        f'[ "$SSH_ORIGINAL_COMMAND" = "{wanted}" ] || '
        '{ echo "refused: $SSH_ORIGINAL_COMMAND" >&2; exit 1; }\n'
        f"DOCKER_HOST=unix://{engine_socket} exec {wanted}\n",
    )
    authorized = folder / "authorized_keys"
    authorized.write_text(
        f'command="{folder / "dial"}",no-pty,no-port-forwarding,'
        f"no-agent-forwarding,no-X11-forwarding {client_key}\n"
    )
    authorized.chmod(0o600)
    (folder / "sshd_config").write_text(
        f"ListenAddress 127.0.0.1:{port}\n"
        f"HostKey {folder / 'host_key'}\n"
        f"AuthorizedKeysFile {authorized}\n"
        f"PidFile {folder / 'sshd.pid'}\n"
        "StrictModes no\nUsePAM no\nPasswordAuthentication no\n"
        "KbdInteractiveAuthentication no\nPermitRootLogin prohibit-password\n"
    )
    (folder / "known_hosts").write_text(f"[127.0.0.1]:{port} {host_key}\n")
    (folder / "ssh_config").write_text(
        "Host *\n"
        f"  IdentityFile {folder / 'client_key'}\n  IdentitiesOnly yes\n"
        f"  UserKnownHostsFile {folder / 'known_hosts'}\n"
        "  StrictHostKeyChecking yes\n  BatchMode yes\n"
    )
    (folder / "bin").mkdir()
    real_ssh = shutil.which("ssh")
    _executable(
        folder / "bin" / "ssh",
        f'#!/bin/sh\nexec {real_ssh} -F {folder / "ssh_config"} "$@"\n',
    )
    if os.geteuid() == 0:  # sshd as root insists on its privilege separation dir
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)
    log = folder / "sshd.log"
    with log.open("wb") as stderr:
        process = subprocess.Popen(
            [SSHD, "-D", "-e", "-f", str(folder / "sshd_config")],
            stdin=subprocess.DEVNULL,
            stderr=stderr,
        )
    made = Sshd(folder, port, process)

    def listening() -> bool:
        if process.poll() is not None:
            raise AssertionError(f"sshd exited {process.returncode}: {log.read_text()}")
        return "Server listening" in log.read_text()

    try:
        wait_for(listening, timeout=30, what="sshd to listen")
    except BaseException:
        made.stop()
        raise
    return made
