"""Whether Compose's watch syncs files into a service's user on this engine:
a real test, its answer remembered.

Compose's watch copies each batch of changes with the engine's archive API
and CopyUIDGID (pkg/compose/watch.go, tarDockerClient.Untar), asking the
engine to give the files to the container's user. Engine 20.10 looks that
user up on the host, not in the container (moby#34142): a user the host
does not have fails every sync ("getent unable to find entry"), and one the
host has under other ids gets files owned by the host's ids. So the probe
does what Compose does, the same call with the same option (`docker cp -a`),
into a container that never starts, made from the service's image as the
service's user, and reads back the owner the file arrived with.

The answer depends on the engine, the image and the user: it is kept under
those in compose_cache's folder, so the next `inv watch` asks nothing.
"""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from dockhand.docker import compose_cache, containers, engine_socket
from dockhand.docker.compose_watch import reason
from dockhand.docker.process import Runner

NAME = ".dockhand-watch-probe"


@dataclass(frozen=True)
class Answer:
    works: bool
    why: str  # the engine's words when it fails; whose the file became


def engine_key(runner: Runner, read_engine: engine_socket.Reader) -> str:
    """The engine's id and version: what the answer is kept under."""
    info = read_engine("/info")
    if info is not None and info[0] == 200 and isinstance(info[1], dict):
        return f"{info[1].get('ID')} {info[1].get('ServerVersion')}"
    said = runner.capture(
        ["docker", "info", "--format", "{{.ID}} {{.ServerVersion}}"], timeout=30
    )
    return said.stdout.strip()


def owner(archive: bytes) -> tuple[int, int] | None:
    """Pure: the uid and gid of the one file in a tar archive."""
    try:
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            member = tar.next()
    except (tarfile.TarError, OSError):
        return None
    return None if member is None else (member.uid, member.gid)


def judge(copied: bool, said: str, found: tuple[int, int] | None,
          ids: tuple[int, int]) -> Answer:  # fmt: skip
    """Pure: what the copy and the file read back say."""
    if not copied:
        lines = [line for line in said.splitlines() if line.strip()]
        return Answer(False, reason(lines[-1]) if lines else "the copy failed")
    if found is None:
        return Answer(False, "the copied file could not be read back")
    if found != ids:
        return Answer(
            False,
            f"files arrive owned by {found[0]}:{found[1]}, "
            f"not by the service's user {ids[0]}:{ids[1]}",
        )
    return Answer(True, f"files arrive owned by the service's user {ids[0]}:{ids[1]}")


def run(runner: Runner, image: str, user: str, ids: tuple[int, int]) -> Answer:
    """The probe itself: a container made, one file copied in as Compose
    copies, read back, the container removed."""
    made = runner.capture(containers.probe_create_argv(image, user), timeout=60)
    if not made.ok:
        return Answer(False, reason(made.stderr) or "no container could be made")
    container = made.stdout.strip()
    try:
        with tempfile.TemporaryDirectory(prefix="dockhand-probe-") as folder:
            (Path(folder) / NAME).write_text("dockhand\n")
            copied = runner.capture(
                containers.cp_archive_in_argv(str(Path(folder) / NAME), container, "/"),
                timeout=60,
            )
        if not copied.ok:
            return judge(False, copied.stderr, None, ids)
        try:  # a tar of one ASCII file: its text is its bytes
            back = runner.capture(
                containers.cp_out_argv(container, f"/{NAME}"), timeout=60
            )
        except UnicodeDecodeError:
            return judge(True, "", None, ids)
        return judge(True, "", owner(back.stdout.encode()) if back.ok else None, ids)
    finally:
        runner.capture(containers.rm_argv(container), timeout=60)


def answer(
    runner: Runner,
    read_engine: engine_socket.Reader,
    image: str,
    user: str,
    ids: tuple[int, int],
) -> Answer:
    """The remembered answer for this engine, image, user and ids, else the
    probe's (then remembered)."""
    key = json.dumps([engine_key(runner, read_engine), image, user, list(ids)])
    folder = compose_cache.location()
    name = f"watch-probe-{hashlib.sha256(key.encode()).hexdigest()[:16]}.json"
    kept = compose_cache.recall_text(key, folder, name)
    if kept is not None:
        try:
            said = json.loads(kept)
            return Answer(bool(said["works"]), str(said["why"]))
        except (ValueError, KeyError, TypeError):
            pass  # an unreadable record: asked again
    found = run(runner, image, user, ids)
    compose_cache.remember_text(
        key, json.dumps({"works": found.works, "why": found.why}), folder, name
    )
    return found
