"""What an image is built from, as one digest: the files its build context
sends (as its .dockerignore leaves them), the Dockerfile, the build args and
the target stage.

Hashing every file on every `inv up` would cost as much as the context is
big, so each file's hash is remembered with what `stat` says of it (inode,
size, mtime and ctime, in nanoseconds, and the executable bit). A file whose
stat is unchanged is not read again; any write changes its ctime, which no
tool can set back, so a remembered hash is never trusted for changed
content. A file changed less than two seconds before it was hashed is not
remembered (git's "racily clean" rule: a second write within the same clock
tick would leave its stat unchanged; ctime, as the clock set it).
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from re import Pattern
from typing import TYPE_CHECKING

from dockhand.docker.dockerignore import ignore_rules

if TYPE_CHECKING:
    from dockhand.docker.model import Build

LABEL = "io.dockhand.sources"  # the image label holding the digest
RACY_SECONDS = 2.0

Rules = Sequence[tuple[bool, Pattern[str]]]


@dataclass(frozen=True)
class Sources:
    """One service's build inputs: each entry (a context file, the
    Dockerfile, a build arg, the target) -> its hash, and their digest."""

    entries: Mapping[str, str]
    newest: float  # the newest mtime of the context's files
    mtimes: Mapping[str, float] = field(default_factory=dict)

    @property
    def digest(self) -> str:
        return digest_of(self.entries)


def digest_of(entries: Mapping[str, str]) -> str:
    """Pure: the digest of a set of entries, independent of their order."""
    text = json.dumps(sorted(entries.items()), separators=(",", ":"))
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def changed(old: Mapping[str, str], new: Mapping[str, str]) -> list[str]:
    """Pure: the entries added, removed or changed between two records."""
    return sorted(k for k in old.keys() | new.keys() if old.get(k) != new.get(k))


def dockerignore_text(build: Build) -> str:
    """BuildKit reads <Dockerfile>.dockerignore beside the Dockerfile first."""
    candidates = [build.context / ".dockerignore"]
    if build.dockerfile is not None:
        name = build.dockerfile.name + ".dockerignore"
        candidates.insert(0, build.dockerfile.with_name(name))
    for path in candidates:
        try:
            return path.read_text(errors="replace")
        except OSError:
            continue
    return ""


def walk(context: Path, rules: Rules) -> Iterator[tuple[str, os.stat_result, str]]:
    """(path relative to the context, its lstat, its full path) of each file
    the context sends, by Docker's rule (dockerignore.ignored: the last rule
    matching the path or a parent folder decides), each rule tried once per
    path. An ignored folder is not entered unless an exception rule
    (`!pattern`) might bring something back from inside it."""
    prune = not any(exception for exception, _ in rules)
    none = (False,) * len(rules)
    stack = [("", str(context), none)]
    while stack:
        prefix, folder, above = stack.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            rel = prefix + entry.name
            matched = tuple(
                hit or bool(pattern.match(rel))
                for hit, (_, pattern) in zip(above, rules, strict=True)
            )
            excluded = _decide(rules, matched)
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
                if is_dir:
                    if not (excluded and prune):
                        stack.append((rel + "/", entry.path, matched))
                    continue
                if excluded:
                    continue
                info = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            yield rel, info, entry.path


def _decide(rules: Rules, matched: Sequence[bool]) -> bool:
    for (exception, _), hit in zip(reversed(rules), reversed(matched), strict=True):
        if hit:
            return not exception
    return False


def _stamp(info: os.stat_result) -> list[int]:
    return [
        info.st_ino,
        info.st_size,
        info.st_mtime_ns,
        info.st_ctime_ns,
        int(bool(info.st_mode & 0o111)),
    ]


def _hash_file(path: str, info: os.stat_result) -> str:
    digest = hashlib.sha256()
    if stat.S_ISLNK(info.st_mode):
        digest.update(b"link:" + os.readlink(path).encode())
    else:
        with open(path, "rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
    mode = "x" if info.st_mode & 0o111 else "-"
    return f"{mode}{digest.hexdigest()[:32]}"


class HashCache:
    """Remembered file hashes of one build context, in one JSON file."""

    def __init__(self, folder: Path, context: Path) -> None:
        key = hashlib.sha256(str(context).encode()).hexdigest()[:16]
        self.path = folder / "sources" / f"{key}.json"
        try:
            self.known: dict[str, list[object]] = json.loads(self.path.read_text())
        except (OSError, ValueError):
            self.known = {}
        self.seen: dict[str, list[object]] = {}
        self.dirty = False

    def hash(self, rel: str, info: os.stat_result, path: str, now: float) -> str:
        stamp = _stamp(info)
        known = self.known.get(rel)
        if known is not None and known[:-1] == stamp:
            self.seen[rel] = known
            return str(known[-1])
        value = _hash_file(path, info)
        self.dirty = True
        if now - info.st_ctime > RACY_SECONDS:
            self.seen[rel] = [*stamp, value]
        return value

    def save(self) -> None:
        """Best effort: a cache that cannot be written only costs the next call."""
        if not self.dirty and self.seen.keys() == self.known.keys():
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            partial = self.path.with_name(f"{self.path.name}.{os.getpid()}")
            partial.write_text(json.dumps(self.seen, separators=(",", ":")))
            partial.replace(self.path)
        except OSError:
            pass


def read(build: Build, cache_folder: Path, root: Path) -> Sources:
    """The build inputs of one service as they are on disk now."""
    rules = ignore_rules(dockerignore_text(build))
    cache = HashCache(cache_folder, build.context)
    now = time.time()
    entries: dict[str, str] = {}
    mtimes: dict[str, float] = {}
    base = _shown(root, build.context)
    for rel, info, path in walk(build.context, rules):
        name = f"{base}/{rel}" if base else rel
        entries[name] = cache.hash(rel, info, path, now)
        mtimes[name] = info.st_mtime
    cache.save()
    if build.inline is not None:
        entries["dockerfile_inline"] = _text_hash(build.inline)
    elif build.dockerfile is not None:
        name = _shown(root, build.dockerfile)
        try:
            entries[name] = _text_hash(build.dockerfile.read_text(errors="replace"))
            mtimes[name] = build.dockerfile.stat().st_mtime
        except OSError:
            entries[name] = "missing"
    for key, value in sorted(build.args.items()):
        entries[f"build arg {key}"] = _text_hash(value)
    if build.target:
        entries["build target"] = _text_hash(build.target)
    return Sources(entries, max(mtimes.values(), default=0.0), mtimes)


def _text_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _shown(root: Path, path: Path) -> str:
    try:
        shown = str(path.relative_to(root))
    except ValueError:
        return str(path)
    return "" if shown == "." else shown


# --- what each digest was: kept so a stale image can name the changed files ---


def remember(folder: Path, sources: Sources) -> None:
    """Keep the entries of a digest about to be built (best effort)."""
    path = folder / "builds" / f"{sources.digest.split(':')[-1]}.json"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f"{path.name}.{os.getpid()}")
        partial.write_text(json.dumps(dict(sources.entries), separators=(",", ":")))
        partial.replace(path)
    except OSError:
        pass


def recall(folder: Path, digest: str) -> dict[str, str] | None:
    try:
        path = folder / "builds" / f"{digest.split(':')[-1]}.json"
        return dict(json.loads(path.read_text()))
    except (OSError, ValueError, TypeError):
        return None


def remember_synced(folder: Path, container: str, digest: str) -> None:
    """`inv watch` brought this container's code to `digest` (best effort)."""
    path = folder / "synced" / f"{container}.json"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"digest": digest}))
    except OSError:
        pass


def recall_synced(folder: Path, container: str) -> str:
    try:
        data = json.loads((folder / "synced" / f"{container}.json").read_text())
        return str(data["digest"])
    except (OSError, ValueError, KeyError, TypeError):
        return ""
