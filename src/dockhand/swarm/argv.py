"""Pure: the docker CLI commands `inv deploy` and `inv cluster` run. Every
command against the cluster names the manager with --host, so nothing
assumes the local socket; images are built and pushed where the project's
Compose builds (the local engine, or DOCKER_HOST)."""

from __future__ import annotations

import urllib.parse
from collections.abc import Mapping, Sequence
from pathlib import Path

DOCKER = "docker"
JOB_LABEL = "dockhand.job"  # the stack a migration job belongs to


def on(host: str, *args: str) -> list[str]:
    return [DOCKER, "--host", host, *args]


def context_host(name: str) -> list[str]:
    return [
        DOCKER,
        "context",
        "inspect",
        name,
        "--format",
        "{{.Endpoints.docker.Host}}",
    ]


def current_context() -> list[str]:
    return [DOCKER, "context", "show"]


def ssh_dial(url: str) -> list[str]:
    """One connection to the API of the engine at an ssh:// URL, on stdin and
    stdout (dockhand.swarm.dial): the ssh command the docker CLI runs for it
    (cli/connhelper), run directly, which saves a docker CLI per connection.
    A path names the remote socket. ValueError for a URL ssh cannot take."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme != "ssh" or not parts.hostname or parts.password is not None:
        raise ValueError(f"not an ssh://[user@]host[:port][/socket] URL: {url}")
    remote = ["docker", "system", "dial-stdio"]
    if parts.path.strip("/"):
        remote[1:1] = [f"--host=unix://{parts.path}"]
    ssh = ["ssh", "-o", "ConnectTimeout=30", "-T"]
    if parts.username:
        ssh += ["-l", urllib.parse.unquote(parts.username)]
    host = parts.netloc.rpartition("@")[2]  # as written: .hostname lowercases
    if parts.port is not None:  # ValueError when it is not a number
        ssh += ["-p", str(parts.port)]
        host = host.rpartition(":")[0]
    return [*ssh, "--", host.removeprefix("[").removesuffix("]"), *remote]


def ssh_reach(url: str) -> list[str]:
    """ssh alone to the host of an ssh:// URL, the dial's options, no
    prompt, running `true`: whether ssh gets through, in ssh's own words."""
    dial = ssh_dial(url)
    at = dial.index("--")
    return [*dial[:4], "-o", "BatchMode=yes", *dial[4 : at + 2], "true"]


def swarm_info(host: str) -> list[str]:
    return on(host, "info", "--format", "{{json .Swarm}}|{{.Name}}")


def image_id(ref: str) -> list[str]:
    return [DOCKER, "image", "inspect", "--format", "{{.Id}}", ref]


def repo_digests(ref: str) -> list[str]:
    return [DOCKER, "image", "inspect", "--format", "{{json .RepoDigests}}", ref]


def tag(source: str, ref: str) -> list[str]:
    return [DOCKER, "tag", source, ref]


def push(ref: str) -> list[str]:
    return [DOCKER, "push", "--quiet", ref]


def commit(root: Path) -> list[str]:
    return ["git", "-C", str(root), "rev-parse", "--short=12", "HEAD"]


def probe_ipvs(host: str, image: str) -> list[str]:
    """Whether the manager's kernel has IPVS (the routing mesh needs it):
    every network namespace has /proc/net/ip_vs once the module is there."""
    return on(
        host,
        "run",
        "--rm",
        "--network",
        "none",
        "--entrypoint",
        "test",
        image,
        "-e",
        "/proc/net/ip_vs",
    )


def stack_deploy(host: str, stack: str, file: Path) -> list[str]:
    # Images are pinned by digest already: the CLI must not ask the registry
    # again (from here its pull name may not even resolve).
    return on(
        host,
        "stack",
        "deploy",
        "--compose-file",
        str(file),
        "--resolve-image",
        "never",
        stack,
    )


def stack_rm(host: str, stack: str) -> list[str]:
    return on(host, "stack", "rm", stack)


def job(
    host: str,
    name: str,
    stack: str,
    image: str,
    network: str,
    environment: Mapping[str, str],
    command: Sequence[str],
) -> list[str]:
    """A one-off job on the stack's network: runs once, never restarted.
    Without the image's healthcheck: a migration serves nothing it could
    probe, and Swarm kills a task that turns unhealthy (after about 15 s
    with the reference backend's image), whatever it was half-way through."""
    argv = on(
        host,
        "service",
        "create",
        "--detach",
        "--quiet",
        "--name",
        name,
        "--mode",
        "replicated-job",
        "--restart-condition",
        "none",
        "--no-healthcheck",
        "--network",
        network,
        "--label",
        f"{JOB_LABEL}={stack}",
    )
    for key, value in sorted(environment.items()):
        argv += ["--env", f"{key}={value}"]
    return [*argv, image, *command]


def service_logs(
    host: str,
    service: str,
    *,
    follow: bool = False,
    tail: str | None = None,
    raw: bool = False,
) -> list[str]:
    argv = on(host, "service", "logs")
    if follow:
        argv.append("--follow")
    if tail is not None:
        argv += ["--tail", tail]
    if raw:
        argv.append("--raw")
    return [*argv, service]


def service_rm(host: str, *services: str) -> list[str]:
    return on(host, "service", "rm", *services)


def rollback(host: str, service: str) -> list[str]:
    return on(host, "service", "rollback", "--detach", "--quiet", service)


def remove(host: str, kind: str, *names: str) -> list[str]:
    """`docker secret rm` / `docker config rm`."""
    return on(host, kind, "rm", *names)


def exec_in(
    host: str,
    container: str,
    shell: str,
    command: str | None,
    user: str | None,
    interactive: bool,
) -> list[str]:
    """A shell (or `shell -c COMMAND`) in a task's container on the manager."""
    argv = on(host, "exec", *(("-it",) if interactive else ("-i",)))
    if user:
        argv += ["--user", user]
    return [*argv, container, shell, *(("-c", command) if command is not None else ())]
