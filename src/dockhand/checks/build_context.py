"""The checks of the files a build context sends: its .dockerignore keeps
out what must never reach an image, and the scripts a container starts with
are executable and start with #!."""

from __future__ import annotations

import fnmatch
import os
import re
import shlex
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from dockhand.checks.facts import Facts
from dockhand.checks.result import Check, from_problems
from dockhand.docker.dockerfile import Dockerfile, Instruction, Stage, stage_scope
from dockhand.docker.dockerignore import ignore_rules, ignored
from dockhand.docker.model import Build, Service

# What every build context must keep out: (label, a path that must be ignored).
MUST_IGNORE: tuple[tuple[str, str], ...] = (
    (".git", ".git/HEAD"),
    (".env", ".env"),
    ("tests", "tests/test_app.py"),
    ("node_modules", "node_modules/pkg/index.js"),
    (".venv", ".venv/bin/python"),
)


def dockerignore_file(build: Build) -> Path:
    """BuildKit reads <Dockerfile>.dockerignore beside the Dockerfile first."""
    if build.dockerfile is not None:
        specific = build.dockerfile.with_name(build.dockerfile.name + ".dockerignore")
        if specific.is_file():
            return specific
    return build.context / ".dockerignore"


def check_dockerignore(facts: Facts) -> Check:
    name = "dockerignore"
    early = facts.needs_model(name)
    if early:
        return early
    problems, good = [], []
    contexts: dict[Path, list[str]] = {}
    for service in facts.builds:
        assert service.build is not None
        contexts.setdefault(dockerignore_file(service.build), []).append(service.name)
    for path, services in contexts.items():
        who = ", ".join(services)
        where = facts.rel(path)
        if not path.is_file():
            problems.append(
                (
                    f"{who}: no {where}",
                    f"create {where} with .git, .env, tests, node_modules and .venv in it",
                )
            )
            continue
        rules = ignore_rules(path.read_text(errors="replace"))
        let_in = [label for label, probe in MUST_IGNORE if not ignored(rules, probe)]
        if let_in:
            problems.append(
                (
                    f"{who}: {where} lets in {', '.join(let_in)}",
                    f"add {', '.join(let_in)} to {where}",
                )
            )
        else:
            good.append(who)
    kept_out = ", ".join(label for label, _ in MUST_IGNORE)
    return from_problems(
        name, problems, f"{', '.join(good)}: the context keeps out {kept_out}"
    )


_INITS = frozenset(
    {"tini", "tini-static", "dumb-init", "docker-init", "catatonit", "--"}
)


def entry_program(dockerfile: Dockerfile, service: Service) -> str | None:
    """The first program the container runs after any init (tini --, dumb-init)."""
    entrypoint = service.entrypoint
    words: list[str]
    if entrypoint is not None:  # Compose's entrypoint replaces ENTRYPOINT and CMD
        words = (
            shlex.split(entrypoint) if isinstance(entrypoint, str) else list(entrypoint)
        )
        command = service.command
        words += list(command) if isinstance(command, tuple) else []
    else:
        words = []
        for keyword in ("ENTRYPOINT", "CMD"):
            instruction = dockerfile.last(dockerfile.final, keyword)
            if instruction is not None:
                words += instruction.words()
    for word in words:
        if PurePosixPath(word).name in _INITS or word.startswith("-"):
            continue
        return word
    return None


def _copy_targets(
    instruction: Instruction, workdir: str
) -> Iterator[tuple[str, str, bool]]:
    """(source as written, absolute destination, destination is a folder)."""
    words = instruction.words()
    if len(words) < 2:
        return
    *sources, dest = words
    into_folder = dest.endswith("/") or dest in (".", "./") or len(sources) > 1
    if not dest.startswith("/"):
        dest = str(PurePosixPath(workdir) / dest)
    for source in sources:
        yield source, dest, into_folder


def _sources_for(
    source: str, dest: str, into_folder: bool, target: PurePosixPath
) -> list[str]:
    """Where `target` may have come from, as a path in the copy's source: a
    file copied (into a folder or under a new name), or a folder whose
    contents were copied to `dest`."""
    guesses = []
    src, into = PurePosixPath(source), PurePosixPath(dest)
    if into_folder:
        if (
            target.parent == into
            and src.name
            and fnmatch.fnmatchcase(target.name, src.name)
        ):
            guesses.append(str(src.parent / target.name))
    elif target == into:
        guesses.append(source)
    if target.is_relative_to(into) and target != into and not _GLOB.search(source):
        guesses.append(str(src / target.relative_to(into)))
    return guesses


_GLOB = re.compile(r"[*?\[]")


def source_in_context(
    dockerfile: Dockerfile,
    stage: Stage,
    path: str,
    context: Path,
    depth: int = 0,
) -> tuple[Path, Instruction] | None:
    """The file of the build context that ends up at `path` in `stage`,
    following COPY --from=<stage> back to the context, if any."""
    if depth > len(dockerfile.stages):
        return None
    target = PurePosixPath(path)
    for link in dockerfile.lineage(stage):
        workdir = "/"
        copies: list[tuple[Instruction, str]] = []
        for instruction in link.instructions:
            if instruction.keyword == "WORKDIR":
                workdir = str(PurePosixPath(workdir) / instruction.args.strip())
            elif instruction.keyword in ("COPY", "ADD") and not instruction.heredocs:
                copies.append((instruction, workdir))
        for instruction, at in reversed(copies):  # the last copy wins
            origin = instruction.flags.get("from")
            earlier = dockerfile.stage(origin, before=link.index) if origin else None
            if origin and earlier is None:
                continue  # copied from an image, not from this build
            for source, dest, into_folder in _copy_targets(instruction, at):
                for guess in _sources_for(source, dest, into_folder, target):
                    if earlier is not None:
                        absolute = guess if guess.startswith("/") else "/" + guess
                        found = source_in_context(
                            dockerfile, earlier, absolute, context, depth + 1
                        )
                        if found:
                            return found
                    elif (context / guess).is_file():
                        return context / guess, instruction
    return None


def _executable_copy(instruction: Instruction | None) -> bool:
    mode = (instruction.flags.get("chmod") if instruction else "") or ""
    try:
        return bool(int(mode, 8) & 0o111)
    except ValueError:
        return "x" in mode


_SKIP_DIRS = frozenset({".git", "node_modules", ".venv", "venv", "__pycache__"})
_DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def entrypoint_scripts(
    dockerfile: Dockerfile | None, build: Build, service: Service
) -> dict[Path, Instruction | None]:
    """The scripts a container starts with: the entry program when it comes
    from the build context, and every *entrypoint* file in the context."""
    scripts: dict[Path, Instruction | None] = {}
    if dockerfile is not None:
        program = entry_program(dockerfile, service)
        if program:
            final = dockerfile.final
            scope = stage_scope(dockerfile, final, build.args)
            if program.startswith("/"):
                paths = [program]
            elif "/" in program:
                paths = [str(PurePosixPath(_final_workdir(dockerfile)) / program)]
            else:  # a bare name is looked up on PATH
                search = scope.get("PATH") or _DEFAULT_PATH
                paths = [
                    f"{folder}/{program}" for folder in search.split(":") if folder
                ]
            for path in paths:
                found = source_in_context(dockerfile, final, path, build.context)
                if found:
                    scripts[found[0]] = found[1]
                    break
    if build.context.is_dir():
        for folder, dirs, files in os.walk(build.context):
            dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS)
            for file in files:
                lower = file.lower()
                if "entrypoint" in lower and (
                    lower.endswith(".sh") or "." not in lower
                ):
                    scripts.setdefault(Path(folder) / file, None)
    return scripts


def _final_workdir(dockerfile: Dockerfile) -> str:
    workdir = "/"
    for link in reversed(dockerfile.lineage(dockerfile.final)):
        for instruction in link.all("WORKDIR"):
            workdir = str(PurePosixPath(workdir) / instruction.args.strip())
    return workdir


def check_entrypoints(facts: Facts) -> Check:
    name = "entrypoints"
    early = facts.needs_model(name)
    if early:
        return early
    problems, good = [], []
    for service in facts.builds:
        assert service.build is not None
        parsed = facts.dockerfiles.get(service.name)
        dockerfile = parsed if isinstance(parsed, Dockerfile) else None
        for script, copied in sorted(
            entrypoint_scripts(dockerfile, service.build, service).items()
        ):
            where = facts.rel(script)
            head = script.read_bytes()[:4]
            if head.startswith(b"\x7fELF"):
                good.append(where)
                continue
            wrong = []
            if not head.startswith(b"#!"):
                wrong.append("has no #! line")
            if not (script.stat().st_mode & 0o111 or _executable_copy(copied)):
                wrong.append("is not executable")
            if wrong:
                fixes = []
                if "is not executable" in wrong:
                    fixes.append(
                        f"chmod +x {where} (and commit the mode: git add --chmod=+x {where})"
                    )
                if "has no #! line" in wrong:
                    fixes.append(f"start {where} with a #! line, e.g. #!/bin/sh")
                problems.append((f"{where} {' and '.join(wrong)}", "; ".join(fixes)))
            else:
                good.append(where)
    return from_problems(
        name,
        problems,
        f"executable, with #!: {', '.join(dict.fromkeys(good))}"
        if good
        else "no entrypoint scripts",
    )
