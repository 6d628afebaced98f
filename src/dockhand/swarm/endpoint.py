"""Which Swarm manager a deploy talks to, and whether it is one.

In order: dockhand.deploy_endpoint (a context name or a host URL), then
DOCKER_HOST, then DOCKER_CONTEXT, then the `swarm-lab` context when it
exists (scripts/swarm-lab), then the CLI's current context. A context is
read through the docker CLI, not docker-py, which sees contexts only when
~/.docker/config.json exists (docker-py#2622).

Then the routing the cluster offers (`routing`): a setting, or whether the
manager's kernel has IPVS.
"""

from __future__ import annotations

import json
import os
import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from dockhand.docker import compose_cache
from dockhand.docker.process import Runner
from dockhand.errors import DockhandError
from dockhand.swarm import argv, dial
from dockhand.swarm.inspected import dig
from dockhand.swarm.services import HOST, MESH
from dockhand.ui import console

if TYPE_CHECKING:
    from docker import DockerClient

    from dockhand.config.settings import Settings
    from dockhand.session import Session

LAB = "swarm-lab"


@dataclass(frozen=True)
class Manager:
    host: str  # unix://, tcp://, ssh://
    source: str  # how it was chosen, for messages
    node: str = ""  # the manager's hostname
    cluster: str = ""  # the Swarm's ID

    def client(self, runner: Runner | None = None) -> DockerClient:
        """docker-py on the manager; over ssh:// through the ssh command
        (dockhand.swarm.dial: docker-py's own ssh:// needs paramiko), which
        `runner` starts."""
        import docker
        from docker.errors import DockerException

        try:
            if self.host.startswith("ssh://"):
                command = argv.ssh_dial(self.host)
                return dial.client(command, runner or Runner(), timeout=30)
            return docker.DockerClient(base_url=self.host, timeout=30)
        except (DockerException, ValueError) as exc:
            raise DockhandError(
                f"cannot reach the Swarm manager at {self.host} ({self.source}): {exc}",
                hint="check the endpoint (docs/deploy.md#which-cluster)",
            ) from None


def _context(runner: Runner, name: str, source: str) -> str:
    found = runner.capture(argv.context_host(name), timeout=20)
    if not found.ok or not found.stdout.strip():
        raise DockhandError(
            f"the Docker context {name!r} ({source}) does not exist",
            hint="`docker context ls` lists them; scripts/swarm-lab up makes swarm-lab",
        )
    return found.stdout.strip()


def choose(settings: Settings, environ: Mapping[str, str], runner: Runner) -> Manager:
    given = settings.deploy_endpoint.strip()
    if given:
        if "://" in given:
            return Manager(given, "dockhand.deploy_endpoint")
        return Manager(
            _context(runner, given, "dockhand.deploy_endpoint"), f"context {given}"
        )
    if environ.get("DOCKER_HOST"):
        return Manager(environ["DOCKER_HOST"], "DOCKER_HOST")
    if name := environ.get("DOCKER_CONTEXT"):
        return Manager(_context(runner, name, "DOCKER_CONTEXT"), f"context {name}")
    lab = runner.capture(argv.context_host(LAB), timeout=20)
    if lab.ok and lab.stdout.strip():
        return Manager(lab.stdout.strip(), f"context {LAB}")
    current = (
        runner.capture(argv.current_context(), timeout=20).stdout.strip() or "default"
    )
    return Manager(
        _context(runner, current, "the current context"), f"context {current}"
    )


# The docker CLI's stand-in URL for an engine it reaches over ssh.
_DUMMY = "the Docker daemon at http://docker.example.com"


def cause(stderr: str) -> str:
    """What the docker CLI said went wrong, in a few words: over ssh, what
    ssh said (after `stderr=`), not the command line around it."""
    text = stderr.strip()
    if "stderr=" in text:
        said = " ".join(
            line.strip() for line in text.rpartition("stderr=")[2].splitlines()
        )
    else:
        said = (text.splitlines() or ["no answer"])[-1]
    return said.replace(_DUMMY, "the Docker engine of the ssh host")


def ssh_check(url: str) -> str:
    """The ssh command a user runs to see what dockhand's ssh sees."""
    try:
        command = argv.ssh_dial(url)
    except ValueError:
        return f"docker --host {url} info"
    return shlex.join(["ssh", *command[4:-2], "info"])  # no timeout, no dial-stdio


def _ssh_said(url: str, runner: Runner) -> str | None:
    """What ssh alone says when it cannot get through to `url`'s host, else
    None. Asked when the docker CLI's error lacks ssh's words: it writes its
    request to ssh as ssh dies and, losing that race, says only `write |1:
    broken pipe` (docker/cli's commandconn; seen on a loaded machine)."""
    try:
        reach = argv.ssh_reach(url)
    except ValueError:
        return None
    tried = runner.capture(reach, timeout=40)
    lines = [line.strip() for line in tried.stderr.splitlines() if line.strip()]
    return None if tried.ok or not lines else lines[-1]


def require_manager(manager: Manager, runner: Runner) -> Manager:
    """The endpoint answers and is a Swarm manager; else one line."""
    found = runner.capture(argv.swarm_info(manager.host), timeout=30)
    where = f"{manager.host} ({manager.source})"
    if not found.ok:
        said = cause(found.stderr)
        if manager.host.startswith("ssh://") and "stderr=" not in found.stderr:
            said = _ssh_said(manager.host, runner) or said
        raise DockhandError(
            f"the Swarm manager at {where} does not answer: {said}",
            hint=(
                f"check that `{ssh_check(manager.host)}` answers, with no prompt "
                "(docs/deploy.md#over-ssh)"
                if manager.host.startswith("ssh://")
                else "start the cluster (the lab: scripts/swarm-lab up), or point "
                "dockhand.deploy_endpoint at a manager"
            ),
        )
    text, _, node = found.stdout.strip().partition("|")
    try:
        swarm = json.loads(text)
    except ValueError:
        swarm = {}
    if swarm.get("LocalNodeState") != "active" or not swarm.get("ControlAvailable"):
        raise DockhandError(
            f"the engine at {where} is not a Swarm manager",
            hint="deploy to a manager node (`docker swarm init` makes one; the lab: "
            "scripts/swarm-lab up)",
        )
    cluster = str(dig(swarm, "Cluster", "ID") or "")
    return Manager(manager.host, manager.source, node, cluster)


def manager_of(s: Session) -> Manager:
    """The project's manager, answering and a manager (the cluster tasks')."""
    return require_manager(choose(s.settings, os.environ, s.runner), s.runner)


ROUTING_WORDS = {
    MESH: "virtual IPs and ingress-published ports",
    HOST: "endpoint_mode dnsrr and host-mode ports: this cluster has no IPVS",
}


def _cache(cluster_id: str) -> Path:
    return compose_cache.location() / f"routing-{cluster_id or 'unknown'}"


def routing(s: Session, manager: Manager, image: str) -> str:
    """The setting, or (auto) whether the manager's kernel has IPVS, asked
    once per cluster with a container of one of the stack's images."""
    chosen = s.settings.deploy_routing
    if chosen != "auto":
        return chosen
    cache = _cache(manager.cluster)
    if cache.is_file() and cache.read_text().strip() in (MESH, HOST):
        return cache.read_text().strip()
    if not image:
        return HOST  # nothing to ask with: the mode that works everywhere
    found = s.runner.capture(argv.probe_ipvs(manager.host, image), timeout=120)
    if found.code not in (0, 1):
        console.warn(
            f"could not ask the manager for IPVS ({found.stderr.strip()[:120]}): host routing"
        )
        return HOST
    chosen = MESH if found.code == 0 else HOST
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_text(chosen)
    return chosen
