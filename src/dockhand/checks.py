"""`inv check`: the seed's test-docker.sh as one report.

Three parts:

- a small Dockerfile parser (instructions, line continuations, heredocs,
  parser directives) and a .dockerignore matcher with Docker's rules;
- `gather`, the only part that runs anything: it asks Compose for the model
  (`config --format json`, never the YAML by hand) and the engine for images
  and processes, once, into `Facts`;
- the checks: pure functions of `Facts` and the project's files, each
  returning one `Result` (name, status, detail, fix).

A check whose input could not be had (no image built, nothing running, no
Compose v2) is `skip`, shown as such, never as a pass.
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
import shlex
import shutil
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from dockhand.errors import DockhandError

if TYPE_CHECKING:
    from dockhand.compose import ComposeCli, Project
    from dockhand.process import Runner
    from dockhand.session import Session

PASS, FAIL, SKIP = "pass", "fail", "skip"


@dataclass(frozen=True)
class Result:
    """One line of the report. `fix` says what to do on a failure (and, on a
    skip, how to make the check run)."""

    name: str
    status: str
    detail: str
    fix: str = ""

    @property
    def ok(self) -> bool | None:
        """True passed, False failed, None skipped (not a pass)."""
        return None if self.status == SKIP else self.status == PASS

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "status": self.status,
            "ok": self.ok,
            "detail": self.detail,
            "fix": self.fix,
        }


@dataclass(frozen=True)
class Problem:
    """Why a fact could not be had: FAIL (it is wrong) or SKIP (not there yet)."""

    detail: str
    fix: str = ""
    status: str = FAIL
    valid: bool = False  # Compose accepted the files; only their model is missing


# --------------------------------------------------------------------------
# Dockerfiles


INSTRUCTIONS = frozenset(
    {
        *("ADD", "ARG", "CMD", "COPY", "ENTRYPOINT", "ENV", "EXPOSE", "FROM"),
        *("HEALTHCHECK", "LABEL", "MAINTAINER", "ONBUILD", "RUN", "SHELL"),
        *("STOPSIGNAL", "USER", "VOLUME", "WORKDIR"),
    }
)
_DIRECTIVE = re.compile(r"^#\s*([a-zA-Z][a-zA-Z0-9_-]*)\s*=\s*(.*?)\s*$")
_HEREDOC = re.compile(r"<<(-?)([\"']?)([A-Za-z_][A-Za-z0-9_]*)\2")


class DockerfileError(DockhandError):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line


@dataclass(frozen=True)
class Instruction:
    line: int
    keyword: str  # upper case
    args: str  # after the flags, continuations joined
    flags: Mapping[str, str] = field(default_factory=dict)
    heredocs: tuple[str, ...] = ()

    @property
    def exec_form(self) -> bool:
        return self.json_words() is not None

    def json_words(self) -> list[str] | None:
        text = self.args.strip()
        if not text.startswith("["):
            return None
        try:
            words = json.loads(text)
        except ValueError:
            return None
        if isinstance(words, list) and all(isinstance(w, str) for w in words):
            return words
        return None

    def words(self) -> list[str]:
        """The arguments as words: the JSON array, or split like a shell would."""
        words = self.json_words()
        if words is not None:
            return words
        try:
            return shlex.split(self.args, comments=False)
        except ValueError:
            return self.args.split()


@dataclass(frozen=True)
class Stage:
    index: int
    base: str  # as written, e.g. ${BASE_IMAGE} or an earlier stage's name
    name: str | None
    line: int
    instructions: tuple[Instruction, ...]

    def all(self, keyword: str) -> list[Instruction]:
        return [i for i in self.instructions if i.keyword == keyword]


@dataclass(frozen=True)
class Dockerfile:
    args: Mapping[str, str | None]  # the ARGs before the first FROM
    stages: tuple[Stage, ...]

    @property
    def final(self) -> Stage:
        return self.stages[-1]

    def stage(self, ref: str, before: int | None = None) -> Stage | None:
        """The stage a FROM or --from names (by name or index), if it is one."""
        limit = len(self.stages) if before is None else before
        for stage in self.stages[:limit]:
            if (stage.name and stage.name == ref.lower()) or str(stage.index) == ref:
                return stage
        return None

    def parent(self, stage: Stage) -> Stage | None:
        return self.stage(stage.base, before=stage.index)

    def lineage(self, stage: Stage) -> list[Stage]:
        """The stage, then the stage it is built FROM, and so on."""
        chain = [stage]
        while (parent := self.parent(chain[-1])) is not None:
            chain.append(parent)
        return chain

    def last(self, stage: Stage, keyword: str) -> Instruction | None:
        """The instruction in effect for the stage, inherited ones included."""
        for link in self.lineage(stage):
            found = link.all(keyword)
            if found:
                return found[-1]
        return None


def _logical_lines(text: str) -> Iterator[tuple[int, str, list[str]]]:
    """(first line number, instruction text, heredoc bodies), continuations
    joined and comments dropped, as BuildKit reads them."""
    lines = text.splitlines()
    escape = "\\"
    index = 0
    # Parser directives: only at the very top, before any other line.
    while index < len(lines):
        match = _DIRECTIVE.match(lines[index].strip())
        if not match:
            break
        if match.group(1).lower() == "escape":
            if match.group(2) not in ("\\", "`"):
                raise DockerfileError(index + 1, "escape must be \\ or `")
            escape = match.group(2)
        index += 1
    while index < len(lines):
        start = index + 1
        raw = lines[index]
        index += 1
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        parts = []
        current = raw
        while True:
            trimmed = current.rstrip()
            if not trimmed.endswith(escape):
                parts.append(trimmed)
                break
            parts.append(trimmed[: -len(escape)])
            # Comment and empty lines inside a continuation are dropped.
            while index < len(lines) and (
                not lines[index].strip() or lines[index].lstrip().startswith("#")
            ):
                index += 1
            if index >= len(lines):
                break
            current = lines[index]
            index += 1
        logical = "".join(parts).strip()
        bodies = []
        for match in _HEREDOC.finditer(logical):
            strip_tabs, word = match.group(1) == "-", match.group(3)
            body = []
            while index < len(lines):
                line = lines[index]
                index += 1
                if (line.lstrip("\t") if strip_tabs else line) == word:
                    break
                body.append(line)
            else:
                raise DockerfileError(start, f"heredoc <<{word} is never closed")
            bodies.append("\n".join(body))
        yield start, logical, bodies


def _split_flags(args: str) -> tuple[dict[str, str], str]:
    flags = {}
    rest = args
    while rest.startswith("--"):
        token, _, rest = rest.partition(" ")
        name, _, value = token[2:].partition("=")
        flags[name.lower()] = value
        rest = rest.lstrip()
    return flags, rest


def parse_dockerfile(text: str) -> Dockerfile:
    """Parse the instructions of a Dockerfile; DockerfileError names the line."""
    global_args: dict[str, str | None] = {}
    stages: list[Stage] = []
    current: list[Instruction] = []
    header: tuple[int, str, str | None] | None = None  # line, base, name

    def close() -> None:
        if header is not None:
            line, base, name = header
            stages.append(Stage(len(stages), base, name, line, tuple(current)))

    for line, logical, bodies in _logical_lines(text):
        keyword, _, args = logical.partition(" ")
        if not re.fullmatch(r"[A-Za-z]+", keyword):
            raise DockerfileError(line, f"{keyword!r} is not an instruction")
        keyword = keyword.upper()
        if keyword not in INSTRUCTIONS:
            raise DockerfileError(line, f"unknown instruction {keyword}")
        flags, rest = _split_flags(args.strip())
        instruction = Instruction(line, keyword, rest, flags, tuple(bodies))
        if keyword == "FROM":
            words = rest.split()
            if not words:
                raise DockerfileError(line, "FROM needs an image")
            if len(words) not in (1, 3) or (
                len(words) == 3 and words[1].lower() != "as"
            ):
                raise DockerfileError(line, "FROM takes IMAGE [AS NAME]")
            close()
            header = (line, words[0], words[2].lower() if len(words) == 3 else None)
            current = []
        elif header is None:
            if keyword != "ARG":
                raise DockerfileError(line, f"{keyword} before the first FROM")
            for name, value in _arg_pairs(rest):
                global_args[name] = value
        else:
            if keyword in ("RUN", "CMD", "ENTRYPOINT", "USER", "WORKDIR") and not (
                rest or bodies
            ):
                raise DockerfileError(line, f"{keyword} needs an argument")
            current.append(instruction)
    close()
    if not stages:
        raise DockerfileError(1, "no FROM instruction")
    return Dockerfile(global_args, tuple(stages))


def _arg_pairs(args: str) -> list[tuple[str, str | None]]:
    pairs: list[tuple[str, str | None]] = []
    for word in shlex.split(args) if args.strip() else []:
        name, equals, value = word.partition("=")
        pairs.append((name, value if equals else None))
    return pairs


_VARIABLE = re.compile(
    r"\$(?:\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-+?])(?P<word>[^}]*))?\}"
    r"|(?P<bare>[A-Za-z_][A-Za-z0-9_]*))"
)


def expand(text: str, scope: Mapping[str, str | None]) -> tuple[str, list[str]]:
    """Substitute $VAR, ${VAR}, ${VAR:-word}, ${VAR:+word}, ${VAR:?error} as
    the builder does; also returns the names that had no value."""
    unresolved: list[str] = []

    def replace(match: re.Match[str]) -> str:
        name = match.group("braced") or match.group("bare")
        value = scope.get(name)
        op, word = match.group("op"), match.group("word") or ""
        if op in (":-", "-"):
            return value if value else word
        if op in (":+", "+"):
            return word if value else ""
        if op in (":?", "?") and not value:
            unresolved.append(name)
            return ""
        if value is None:
            unresolved.append(name)
            return ""
        return value

    return _VARIABLE.sub(replace, text), unresolved


def stage_scope(
    dockerfile: Dockerfile,
    stage: Stage,
    build_args: Mapping[str, str],
    upto: int | None = None,
) -> dict[str, str | None]:
    """ARG and ENV values in effect in a stage (before line `upto`)."""
    scope: dict[str, str | None] = {}
    for link in reversed(dockerfile.lineage(stage)):
        for instruction in link.instructions:
            if upto is not None and link is stage and instruction.line >= upto:
                break
            if instruction.keyword == "ARG":
                for name, default in _arg_pairs(instruction.args):
                    inherited = dockerfile.args.get(name)
                    scope[name] = build_args.get(name, default or inherited)
            elif instruction.keyword == "ENV":
                for name, value in _env_pairs(instruction.args):
                    scope[name] = expand(value, scope)[0]
    return scope


def _env_pairs(args: str) -> list[tuple[str, str]]:
    words = shlex.split(args) if args.strip() else []
    if words and "=" not in words[0]:  # legacy `ENV NAME value`
        return [(words[0], " ".join(words[1:]))]
    return [(w.partition("=")[0], w.partition("=")[2]) for w in words]


# --------------------------------------------------------------------------
# .dockerignore


def _pattern_regex(pattern: str) -> re.Pattern[str]:
    """Docker's (moby/patternmatcher) glob: * and ? stay within a path
    element, ** crosses them, [..] classes, \\ escapes."""
    out = []
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if pattern.startswith("**", i):
            i += 2
            if pattern.startswith("/", i):  # **/ : zero or more directories
                i += 1
                out.append("(?:.*/)?")
            else:
                out.append(".*")
            continue
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "\\" and i + 1 < len(pattern):
            i += 1
            out.append(re.escape(pattern[i]))
        elif char == "[":
            end = pattern.find("]", i + 1)
            if end == -1:
                out.append(re.escape(char))
            else:
                body = pattern[i + 1 : end]
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append(f"[{body}]")
                i = end
        else:
            out.append(re.escape(char))
        i += 1
    return re.compile("".join(out) + r"\Z")


def ignore_rules(text: str) -> list[tuple[bool, re.Pattern[str]]]:
    """(is an exception, pattern) for each line of a .dockerignore."""
    rules = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        exception = line.startswith("!")
        if exception:
            line = line[1:].strip()
        cleaned = os.path.normpath(line).replace(os.sep, "/").lstrip("/")
        if cleaned in ("", "."):
            continue
        rules.append((exception, _pattern_regex(cleaned)))
    return rules


def ignored(rules: Sequence[tuple[bool, re.Pattern[str]]], path: str) -> bool:
    """Whether the build context leaves `path` out: the last rule matching the
    path or one of its parent folders decides."""
    parts = PurePosixPath(path).parts
    prefixes = ["/".join(parts[: n + 1]) for n in range(len(parts))]
    excluded = False
    for exception, pattern in rules:
        if any(pattern.match(prefix) for prefix in prefixes):
            excluded = not exception
    return excluded


# What every build context must keep out: (label, a path that must be ignored).
MUST_IGNORE: tuple[tuple[str, str], ...] = (
    (".git", ".git/HEAD"),
    (".env", ".env"),
    ("tests", "tests/test_app.py"),
    ("node_modules", "node_modules/pkg/index.js"),
    (".venv", ".venv/bin/python"),
)


# --------------------------------------------------------------------------
# The Compose model


@dataclass(frozen=True)
class Build:
    context: Path
    dockerfile: Path | None  # None: dockerfile_inline
    inline: str | None
    args: Mapping[str, str]
    target: str | None = None  # the stage built; None: the last one


@dataclass(frozen=True)
class Service:
    name: str
    spec: Mapping[str, Any]
    build: Build | None

    @property
    def image(self) -> str | None:
        image = self.spec.get("image")
        return str(image) if image else None


def services_of(config: Mapping[str, Any]) -> list[Service]:
    """The services of a `config --format json` model, by name."""
    found = []
    for name, spec in sorted((config.get("services") or {}).items()):
        raw = spec.get("build")
        build = None
        if isinstance(raw, Mapping):
            context = Path(str(raw.get("context") or "."))
            inline = raw.get("dockerfile_inline")
            dockerfile = None
            if inline is None:
                dockerfile = context / str(raw.get("dockerfile") or "Dockerfile")
            args = {
                str(k): "" if v is None else str(v)
                for k, v in (raw.get("args") or {}).items()
            }
            target = raw.get("target")
            build = Build(
                context, dockerfile, inline, args, str(target) if target else None
            )
        found.append(Service(str(name), spec, build))
    return found


def variables_in(model: Any) -> set[str]:
    """Every ${VAR} / $VAR left in an uninterpolated model ($$ is a literal $)."""
    found: set[str] = set()
    if isinstance(model, Mapping):
        for value in model.values():
            found |= variables_in(value)
    elif isinstance(model, list):
        for value in model:
            found |= variables_in(value)
    elif isinstance(model, str):
        for match in _VARIABLE.finditer(model.replace("$$", "")):
            found.add(match.group("braced") or match.group("bare"))
    return found


@dataclass(frozen=True)
class Processes:
    """The processes of one running container, as the engine lists them."""

    service: str
    container: str
    rows: tuple[tuple[str, str], ...]  # (uid, command)
    error: str = ""


@dataclass
class Facts:
    """Everything the checks look at, gathered once."""

    root: Path
    project: str
    env_example: Path
    budget_mb: float = 350
    docker: str | Problem = field(
        default_factory=lambda: Problem("not probed", status=SKIP)
    )
    compose: ComposeCli | Problem = field(
        default_factory=lambda: Problem("not probed", status=SKIP)
    )
    dev: Mapping[str, Any] | Problem = field(
        default_factory=lambda: Problem("not probed", status=SKIP)
    )
    prod: Mapping[str, Any] | Problem = field(
        default_factory=lambda: Problem("not probed", status=SKIP)
    )
    variables: set[str] | Problem = field(
        default_factory=lambda: Problem("not probed", status=SKIP)
    )
    images: Mapping[str, Mapping[str, Any] | None] | Problem = field(
        default_factory=lambda: Problem("not probed", status=SKIP)
    )
    containers: Sequence[Processes] | Problem = field(
        default_factory=lambda: Problem("not probed", status=SKIP)
    )

    @cached_property
    def services(self) -> list[Service]:
        return services_of(self.dev) if isinstance(self.dev, Mapping) else []

    @cached_property
    def builds(self) -> list[Service]:
        return [s for s in self.services if s.build is not None]

    @cached_property
    def dockerfiles(self) -> dict[str, Dockerfile | Problem]:
        """Each building service's Dockerfile, parsed, or why it is not."""
        parsed: dict[str, Dockerfile | Problem] = {}
        for service in self.builds:
            assert service.build is not None
            parsed[service.name] = load_dockerfile(self.root, service.build)
        return parsed

    def rel(self, path: Path) -> str:
        try:
            return str(path.relative_to(self.root))
        except ValueError:
            return str(path)


def load_dockerfile(root: Path, build: Build) -> Dockerfile | Problem:
    if build.inline is not None:
        text = build.inline
    else:
        assert build.dockerfile is not None
        where = _rel(root, build.dockerfile)
        if not build.dockerfile.is_file():
            return Problem(
                f"{where} not found",
                f"create {where}, or point build.dockerfile at the right file",
            )
        text = build.dockerfile.read_text(errors="replace")
    where = _rel(root, build.dockerfile) if build.dockerfile else "dockerfile_inline"
    try:
        parsed = parse_dockerfile(text)
    except DockerfileError as exc:
        return Problem(
            f"{where}: {exc.message}", "fix that line; `docker build` reports the same"
        )
    if build.target is None:
        return parsed
    # With build.target, the image is that stage: later stages are not built.
    target = parsed.stage(build.target)
    if target is None:
        return Problem(
            f"{where} has no stage named {build.target!r} (build.target)",
            "name the stage with FROM ... AS NAME, or fix build.target",
        )
    return Dockerfile(parsed.args, parsed.stages[: target.index + 1])


def _rel(root: Path, path: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


# --------------------------------------------------------------------------
# The checks


def _result(name: str, problems: Sequence[tuple[str, str]], passed: str) -> Result:
    """FAIL with every problem (detail; fix) when there are any, else PASS."""
    if not problems:
        return Result(name, PASS, passed)
    details = "; ".join(detail for detail, _ in problems)
    fixes = list(dict.fromkeys(fix for _, fix in problems if fix))
    return Result(name, FAIL, details, "; ".join(fixes))


def _skipped(name: str, problem: Problem) -> Result:
    return Result(name, SKIP, f"skipped: {problem.detail}", problem.fix)


def _needs_model(name: str, facts: Facts) -> Result | None:
    if isinstance(facts.dev, Problem):
        why = (
            "needs Compose v2 (`config --format json`)"
            if facts.dev.status == SKIP
            else "the compose files are invalid"
        )
        return Result(name, SKIP, f"skipped: {why} (see compose-dev)", facts.dev.fix)
    return None


def _each_dockerfile(
    name: str, facts: Facts
) -> tuple[Result | None, list[tuple[Service, Dockerfile]], list[str]]:
    """The parsed Dockerfiles a check looks at, and the services left out."""
    early = _needs_model(name, facts)
    if early:
        return early, [], []
    good, broken = [], []
    for service in facts.builds:
        parsed = facts.dockerfiles[service.name]
        if isinstance(parsed, Dockerfile):
            good.append((service, parsed))
        else:
            broken.append(service.name)
    if not good and broken:
        return (
            Result(name, SKIP, "skipped: no Dockerfile parses (see dockerfiles)"),
            [],
            broken,
        )
    if not good:
        return Result(name, PASS, "no service builds an image"), [], []
    return None, good, broken


def _with_left_out(result: Result, left_out: Sequence[str]) -> Result:
    if not left_out or result.status != PASS:
        return result
    return Result(
        result.name,
        result.status,
        f"{result.detail} (not checked: {', '.join(left_out)}; see dockerfiles)",
        result.fix,
    )


def check_docker(facts: Facts) -> Result:
    if isinstance(facts.docker, Problem):
        return Result(
            "docker", facts.docker.status, facts.docker.detail, facts.docker.fix
        )
    return Result("docker", PASS, facts.docker)


def check_compose(facts: Facts) -> Result:
    if isinstance(facts.compose, Problem):
        return Result(
            "compose", facts.compose.status, facts.compose.detail, facts.compose.fix
        )
    note = (
        "; v1: the checks that need `config --format json` are skipped"
        if facts.compose.is_v1
        else ""
    )
    return Result("compose", PASS, f"{facts.compose}{note}")


def _check_model(name: str, model: Mapping[str, Any] | Problem) -> Result:
    if isinstance(model, Problem):
        if model.valid:
            return Result(name, PASS, model.detail)
        if model.status == SKIP:
            return _skipped(name, model)
        return Result(name, FAIL, model.detail, model.fix)
    services = sorted(model.get("services") or {})
    return Result(name, PASS, f"valid: {', '.join(services) or 'no services'}")


def check_compose_dev(facts: Facts) -> Result:
    return _check_model("compose-dev", facts.dev)


def check_compose_prod(facts: Facts) -> Result:
    return _check_model("compose-prod", facts.prod)


def check_env_example(facts: Facts) -> Result:
    name = "env-example"
    where = _rel(facts.root, facts.env_example)
    if not facts.env_example.is_file():
        return Result(
            name,
            FAIL,
            f"{where} is missing",
            f"create {where} with every variable the compose files use, one comment each",
        )
    if isinstance(facts.variables, Problem):
        return _skipped(name, facts.variables)
    from dotenv import dotenv_values

    documented = set(dotenv_values(facts.env_example))
    missing = sorted(facts.variables - documented)
    if missing:
        return Result(
            name,
            FAIL,
            f"used by the compose files but not in {where}: {', '.join(missing)}",
            f"add {', '.join(missing)} to {where}, each with a comment "
            "(and a `# @secret` line above a secret)",
        )
    return Result(name, PASS, f"all {len(facts.variables)} variables are in {where}")


def check_dockerfiles(facts: Facts) -> Result:
    name = "dockerfiles"
    early = _needs_model(name, facts)
    if early:
        return early
    problems = []
    for service in facts.builds:
        parsed = facts.dockerfiles[service.name]
        if isinstance(parsed, Problem):
            problems.append((f"{service.name}: {parsed.detail}", parsed.fix))
    listed = ", ".join(s.name for s in facts.builds)
    return _result(
        name, problems, f"parsed: {listed}" if listed else "no service builds an image"
    )


# Commands that compile code or install dependencies with a toolchain: their
# tools and caches belong in a build stage, not in the image that ships.
_BUILD_STEP = re.compile(
    r"\b(?:npm|pnpm)\s+(?:ci|install|i|run\s+build|build)\b"
    r"|\byarn(?:\s+(?:install|build)|\s*(?:&&|;|$))"
    r"|\bpip3?\s+(?:install|wheel)\b|-m\s+pip\s+(?:install|wheel)\b"
    r"|\bpoetry\s+(?:install|build)\b|\buv\s+(?:sync|pip\s+install)\b"
    r"|\bgo\s+build\b|\bcargo\s+build\b|\bdotnet\s+(?:build|publish)\b"
    r"|\b(?:mvn|gradle|cmake|make|gcc|g\+\+|clang|tsc)\b|\bnext\s+build\b"
    r"|-m\s+(?:build|compileall)\b"
    r"|\b(?:apt-get|apt|apk)\s+(?:-\S+\s+)*(?:install|add)\b[^&;|]*"
    r"\s(?:build-essential|build-base|gcc|g\+\+|make|[a-z0-9.+-]+-dev)\b"
)


def build_steps(stage: Stage) -> list[Instruction]:
    return [
        i
        for i in stage.all("RUN")
        if _BUILD_STEP.search(" ".join([i.args, *i.heredocs]))
    ]


def check_multi_stage(facts: Facts) -> Result:
    name = "multi-stage"
    early, dockerfiles, left_out = _each_dockerfile(name, facts)
    if early:
        return early
    problems, staged, plain = [], [], []
    for service, dockerfile in dockerfiles:
        steps = [
            (stage, step) for stage in dockerfile.stages for step in build_steps(stage)
        ]
        stages = len(dockerfile.stages)
        if not steps:
            if stages > 1:
                staged.append(f"{service.name} ({stages} stages)")
            else:
                plain.append(service.name)
            continue
        shipped = dockerfile.lineage(dockerfile.final)
        in_final = [
            (s, step) for s, step in steps if any(s is link for link in shipped)
        ]
        if len(dockerfile.stages) < 2 or in_final:
            step = (in_final or steps)[0][1]
            problems.append(
                (
                    f"{service.name}: the build step on line {step.line} "
                    f"({step.args[:40].strip()}...) runs in the image that ships",
                    f"{service.name}: move the build into its own stage "
                    "(FROM ... AS build) and COPY --from=build only its output "
                    "into the final stage",
                )
            )
        else:
            staged.append(f"{service.name} ({stages} stages, builds in one)")
    passed = "; ".join(
        part
        for part in (
            f"multi-stage: {', '.join(staged)}" if staged else "",
            f"one stage, nothing to build: {', '.join(plain)}" if plain else "",
        )
        if part
    )
    return _with_left_out(_result(name, problems, passed), left_out)


def _is_root(user: str) -> bool:
    name = user.split(":", 1)[0].strip()
    return name in ("", "root", "0")


def final_user(
    dockerfile: Dockerfile, build_args: Mapping[str, str]
) -> tuple[str | None, list[str]]:
    """The final stage's USER (inherited ones count), variables expanded."""
    instruction = dockerfile.last(dockerfile.final, "USER")
    if instruction is None:
        return None, []
    stage = next(s for s in dockerfile.stages if instruction in s.instructions)
    scope = stage_scope(dockerfile, stage, build_args, upto=instruction.line)
    return expand(instruction.args.strip(), scope)


def check_non_root_user(facts: Facts) -> Result:
    name = "non-root-user"
    early, dockerfiles, left_out = _each_dockerfile(name, facts)
    if early:
        return early
    problems, users = [], []
    for service, dockerfile in dockerfiles:
        assert service.build is not None
        user, unresolved = final_user(dockerfile, service.build.args)
        fix = (
            f"{service.name}: create a user in the final stage "
            "(useradd --system --uid 1000 --user-group app) and end with `USER app`"
        )
        if user is None:
            problems.append(
                (f"{service.name}: the final stage runs as root (no USER)", fix)
            )
        elif unresolved:
            problems.append(
                (
                    f"{service.name}: USER uses ${{{unresolved[0]}}}, which has no value",
                    f"{service.name}: give ARG {unresolved[0]} a non-root default",
                )
            )
        elif _is_root(user):
            problems.append((f"{service.name}: the final USER is {user}", fix))
        else:
            users.append(f"{service.name}={user}")
    return _with_left_out(
        _result(name, problems, f"final USER: {', '.join(users)}"), left_out
    )


def _compose_healthcheck(spec: Mapping[str, Any]) -> str:
    """'set', 'disabled' or '' (none, or timing only: the image's test applies)."""
    health = spec.get("healthcheck")
    if not isinstance(health, Mapping):
        return ""
    test = health.get("test")
    if health.get("disable") or test == ["NONE"] or test == "NONE":
        return "disabled"
    return "set" if test else ""


def check_healthcheck(facts: Facts) -> Result:
    name = "healthcheck"
    early = _needs_model(name, facts)
    if early:
        return early
    problems, found = [], []
    for service in facts.services:
        compose_health = _compose_healthcheck(service.spec)
        if compose_health == "disabled":
            problems.append(
                (
                    f"{service.name}: its healthcheck is disabled in the compose file",
                    f"{service.name}: remove `disable: true` / test NONE from its healthcheck",
                )
            )
            continue
        if compose_health == "set":
            found.append(f"{service.name} (compose)")
            continue
        dockerfile = facts.dockerfiles.get(service.name)
        if isinstance(dockerfile, Dockerfile):
            instruction = dockerfile.last(dockerfile.final, "HEALTHCHECK")
            if instruction and instruction.args.strip().upper() != "NONE":
                found.append(f"{service.name} (Dockerfile)")
                continue
        if isinstance(dockerfile, Problem):
            continue  # reported by the dockerfiles check
        where = "a HEALTHCHECK in its Dockerfile or " if service.build else ""
        problems.append(
            (
                f"{service.name}: no healthcheck",
                f"{service.name}: add {where}a `healthcheck: test: [...]` in the compose file",
            )
        )
    return _result(name, problems, f"health checked: {', '.join(found)}")


def image_pinned(ref: str) -> bool:
    """A tag other than latest, or a digest; `scratch` has neither and needs none."""
    if ref == "scratch" or "@" in ref:
        return True
    last = ref.rsplit("/", 1)[-1]
    tag = last.partition(":")[2]
    return bool(tag) and tag != "latest"


def base_images(
    dockerfile: Dockerfile, build_args: Mapping[str, str]
) -> list[tuple[int, str, list[str]]]:
    """(line, image, why it is not pinned) for each FROM that names an image.
    A `FROM ${ARG}` is judged on every value it can take: the ARG's default in
    the Dockerfile and the build arg Compose passes."""
    found = []
    for stage in dockerfile.stages:
        if dockerfile.parent(stage) is not None:
            continue
        names = {
            m.group("braced") or m.group("bare") for m in _VARIABLE.finditer(stage.base)
        }
        scopes: list[Mapping[str, str | None]] = []
        if not names:
            scopes = [{}]
        else:
            scopes.append({n: dockerfile.args.get(n) for n in names})
            if any(n in build_args for n in names):
                scopes.append(
                    {n: build_args.get(n, dockerfile.args.get(n)) for n in names}
                )
        for scope in scopes:
            image, unresolved = expand(stage.base, scope)
            if unresolved and all(n not in build_args for n in unresolved):
                found.append(
                    (
                        stage.line,
                        stage.base,
                        [f"{', '.join(unresolved)} has no default"],
                    )
                )
            elif unresolved:
                continue  # no default in the Dockerfile, but Compose passes one
            else:
                why = [] if image_pinned(image) else [f"{image} is not pinned"]
                found.append((stage.line, image, why))
    return found


def check_pinned_base(facts: Facts) -> Result:
    name = "pinned-base"
    early, dockerfiles, left_out = _each_dockerfile(name, facts)
    if early and early.status == SKIP:
        return early
    problems: list[tuple[str, str]] = []
    seen: dict[str, list[str]] = {}
    for service, dockerfile in dockerfiles:
        assert service.build is not None
        for line, image, why in base_images(dockerfile, service.build.args):
            if why:
                problems.append(
                    (
                        f"{service.name}: FROM on line {line}: {'; '.join(why)}",
                        f"{service.name}: name a version tag or digest "
                        "(e.g. debian:bookworm-slim), in the FROM or its ARG default",
                    )
                )
            else:
                seen.setdefault(image, []).append(service.name)
    for service in facts.services:
        if service.build is None and service.image:
            if image_pinned(service.image):
                seen.setdefault(service.image, []).append(service.name)
            else:
                problems.append(
                    (
                        f"{service.name}: image {service.image} is not pinned",
                        f"{service.name}: use a version tag or digest in `image:`",
                    )
                )
    passed = "; ".join(
        f"{image} ({', '.join(dict.fromkeys(users))})" for image, users in seen.items()
    )
    return _with_left_out(_result(name, problems, passed or "no base images"), left_out)


def dockerignore_file(build: Build) -> Path:
    """BuildKit reads <Dockerfile>.dockerignore beside the Dockerfile first."""
    if build.dockerfile is not None:
        specific = build.dockerfile.with_name(build.dockerfile.name + ".dockerignore")
        if specific.is_file():
            return specific
    return build.context / ".dockerignore"


def check_dockerignore(facts: Facts) -> Result:
    name = "dockerignore"
    early = _needs_model(name, facts)
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
    return _result(
        name, problems, f"{', '.join(good)}: the context keeps out {kept_out}"
    )


_INITS = frozenset(
    {"tini", "tini-static", "dumb-init", "docker-init", "catatonit", "--"}
)


def entry_program(dockerfile: Dockerfile, spec: Mapping[str, Any]) -> str | None:
    """The first program the container runs after any init (tini --, dumb-init)."""
    entrypoint = spec.get("entrypoint")
    words: list[str]
    if entrypoint is not None:  # Compose's entrypoint replaces ENTRYPOINT and CMD
        words = (
            [str(w) for w in entrypoint]
            if isinstance(entrypoint, list)
            else shlex.split(str(entrypoint))
        )
        command = spec.get("command")
        words += list(command) if isinstance(command, list) else []
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
    dockerfile: Dockerfile | None, build: Build, spec: Mapping[str, Any]
) -> dict[Path, Instruction | None]:
    """The scripts a container starts with: the entry program when it comes
    from the build context, and every *entrypoint* file in the context."""
    scripts: dict[Path, Instruction | None] = {}
    if dockerfile is not None:
        program = entry_program(dockerfile, spec)
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


def check_entrypoints(facts: Facts) -> Result:
    name = "entrypoints"
    early = _needs_model(name, facts)
    if early:
        return early
    problems, good = [], []
    for service in facts.builds:
        assert service.build is not None
        parsed = facts.dockerfiles.get(service.name)
        dockerfile = parsed if isinstance(parsed, Dockerfile) else None
        for script, copied in sorted(
            entrypoint_scripts(dockerfile, service.build, service.spec).items()
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
    return _result(
        name,
        problems,
        f"executable, with #!: {', '.join(dict.fromkeys(good))}"
        if good
        else "no entrypoint scripts",
    )


def _prod_services(name: str, facts: Facts) -> Result | list[Service]:
    if isinstance(facts.prod, Problem):
        if facts.prod.valid:
            return Result(
                name,
                SKIP,
                "skipped: needs Compose v2 (`config --format json`)",
                facts.prod.fix,
            )
        if facts.prod.status == SKIP:
            return _skipped(name, facts.prod)
        return Result(
            name,
            SKIP,
            "skipped: the prod compose files are invalid (see compose-prod)",
            facts.prod.fix,
        )
    return services_of(facts.prod)


def _limit(spec: Mapping[str, Any]) -> tuple[Any, Any]:
    limits = ((spec.get("deploy") or {}).get("resources") or {}).get("limits") or {}
    memory = limits.get("memory") or spec.get("mem_limit")
    cpus = limits.get("cpus") or spec.get("cpus")
    return memory, cpus


def _human_bytes(value: Any) -> str:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if number < 1024:
            return f"{number:g}{unit}"
        number /= 1024
    return f"{number:g}TiB"


def check_prod_limits(facts: Facts) -> Result:
    name = "prod-limits"
    services = _prod_services(name, facts)
    if isinstance(services, Result):
        return services
    problems, good = [], []
    for service in services:
        memory, cpus = _limit(service.spec)
        if not memory:
            problems.append(
                (
                    f"{service.name}: no memory limit",
                    f"{service.name}: set deploy.resources.limits.memory (and cpus) "
                    "in the prod override",
                )
            )
        else:
            good.append(
                f"{service.name} {_human_bytes(memory)}"
                + (f"/{cpus} CPU" if cpus else "")
            )
    return _result(name, problems, f"limits: {', '.join(good)}")


def check_prod_read_only(facts: Facts) -> Result:
    name = "prod-read-only"
    services = _prod_services(name, facts)
    if isinstance(services, Result):
        return services
    problems, good = [], []
    for service in services:
        if service.spec.get("read_only") is True:
            good.append(service.name)
        else:
            problems.append(
                (
                    f"{service.name}: the root filesystem is writable",
                    f"{service.name}: set `read_only: true` in the prod override, with "
                    "`tmpfs:` for the paths it writes (e.g. /tmp)",
                )
            )
    return _result(name, problems, f"read-only root: {', '.join(good)}")


# Drivers that keep logs on the host and rotate only when told to.
_LOCAL_FILE_DRIVERS = frozenset({"json-file", ""})


def check_prod_log_rotation(facts: Facts) -> Result:
    name = "prod-log-rotation"
    services = _prod_services(name, facts)
    if isinstance(services, Result):
        return services
    problems, good = [], []
    for service in services:
        logging = service.spec.get("logging") or {}
        driver = str(logging.get("driver") or "")
        options = logging.get("options") or {}
        if driver in _LOCAL_FILE_DRIVERS and not options.get("max-size"):
            problems.append(
                (
                    f"{service.name}: logs grow without bound "
                    f"({driver or 'the engine default driver'}, no max-size)",
                    f"{service.name}: set logging: {{driver: json-file, options: "
                    '{max-size: 10m, max-file: "3"}} in the prod override',
                )
            )
        elif driver == "none":
            problems.append(
                (
                    f"{service.name}: logging is off (driver none)",
                    f"{service.name}: use json-file with max-size and max-file",
                )
            )
        elif driver in _LOCAL_FILE_DRIVERS:
            good.append(
                f"{service.name} {options.get('max-size')}x{options.get('max-file', '1')}"
            )
        else:
            good.append(f"{service.name} ({driver})")
    return _result(name, problems, f"rotated: {', '.join(good)}")


def check_prod_restart(facts: Facts) -> Result:
    name = "prod-restart"
    services = _prod_services(name, facts)
    if isinstance(services, Result):
        return services
    problems, good = [], []
    for service in services:
        restart = str(service.spec.get("restart") or "")
        policy = ((service.spec.get("deploy") or {}).get("restart_policy") or {}).get(
            "condition"
        )
        if restart and restart != "no":
            good.append(f"{service.name} {restart}")
        elif policy and policy != "none":
            good.append(f"{service.name} {policy}")
        else:
            problems.append(
                (
                    f"{service.name}: no restart policy",
                    f"{service.name}: set `restart: unless-stopped` in the prod override",
                )
            )
    return _result(name, problems, f"restart: {', '.join(good)}")


def _images(
    name: str, facts: Facts
) -> Result | list[tuple[Service, Mapping[str, Any] | None]]:
    early = _needs_model(name, facts)
    if early:
        return early
    if isinstance(facts.images, Problem):
        return _skipped(name, facts.images)
    if not facts.builds:
        return Result(name, PASS, "no service builds an image")
    return [(s, facts.images.get(s.name)) for s in facts.builds]


def _image_result(
    name: str,
    problems: list[tuple[str, str]],
    good: list[str],
    missing: list[str],
) -> Result:
    if problems:
        return _result(name, problems, "")
    if missing:
        checked = f"; checked: {', '.join(good)}" if good else ""
        return Result(
            name,
            SKIP,
            f"skipped: not built: {', '.join(missing)}{checked}",
            "build the images (`inv build`), then run `inv check` again",
        )
    return Result(name, PASS, ", ".join(good))


def check_image_size(facts: Facts) -> Result:
    name = "image-size"
    images = _images(name, facts)
    if isinstance(images, Result):
        return images
    problems, good, missing = [], [], []
    budget = facts.budget_mb
    for service, attrs in images:
        if attrs is None:
            missing.append(service.name)
            continue
        size = float(attrs.get("Size") or 0) / 1e6
        if size > budget:
            problems.append(
                (
                    f"{service.name}: {size:.0f} MB, over the {budget:g} MB budget",
                    f"{service.name}: install less (--no-install-recommends, clean apt "
                    "lists), or move build tools into a build stage; or raise "
                    "dockhand.image_size_budget_mb",
                )
            )
        else:
            good.append(f"{service.name} {size:.0f} MB")
    return _image_result(
        name, problems, [*good, f"budget {budget:g} MB"] if good else [], missing
    )


def check_image_user(facts: Facts) -> Result:
    name = "image-user"
    images = _images(name, facts)
    if isinstance(images, Result):
        return images
    problems, good, missing = [], [], []
    for service, attrs in images:
        if attrs is None:
            missing.append(service.name)
            continue
        user = str((attrs.get("Config") or {}).get("User") or "")
        if _is_root(user):
            problems.append(
                (
                    f"{service.name}: the image runs as {user or 'root (no user set)'}",
                    f"{service.name}: end its Dockerfile with a non-root USER and rebuild",
                )
            )
        else:
            good.append(f"{service.name}={user}")
    return _image_result(name, problems, good, missing)


def check_container_user(facts: Facts) -> Result:
    name = "container-user"
    if isinstance(facts.containers, Problem):
        return _skipped(name, facts.containers)
    if not facts.containers:
        return Result(
            name,
            SKIP,
            f"skipped: not running (no containers of project {facts.project})",
            "start the stack (`inv up`), then run `inv check` again",
        )
    problems, good = [], []
    for container in facts.containers:
        if container.error:
            problems.append(
                (
                    f"{container.service}: could not list its processes: {container.error}",
                    "check that the engine answers `docker top`",
                )
            )
            continue
        root = [command for uid, command in container.rows if uid == "0"]
        if root:
            problems.append(
                (
                    f"{container.service}: {', '.join(dict.fromkeys(root))} runs as root "
                    f"in {container.container}",
                    f"{container.service}: give the image a non-root USER (and no "
                    "`user: root` in the compose files), rebuild and restart it",
                )
            )
        else:
            uids = sorted({uid for uid, _ in container.rows})
            good.append(f"{container.service} uid {','.join(uids)}")
    return _result(name, problems, f"running as non-root: {', '.join(good)}")


CHECKS: tuple[Callable[[Facts], Result], ...] = (
    check_docker,
    check_compose,
    check_compose_dev,
    check_compose_prod,
    check_env_example,
    check_dockerfiles,
    check_multi_stage,
    check_non_root_user,
    check_healthcheck,
    check_pinned_base,
    check_dockerignore,
    check_entrypoints,
    check_prod_limits,
    check_prod_read_only,
    check_prod_log_rotation,
    check_prod_restart,
    check_image_size,
    check_image_user,
    check_container_user,
)


def run_checks(facts: Facts) -> list[Result]:
    return [check(facts) for check in CHECKS]


# --------------------------------------------------------------------------
# Gathering the facts: the one part that runs anything.


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1].strip() if lines else "no output"


def _probe_docker(runner: Runner) -> str | Problem:
    if shutil.which("docker") is None:
        return Problem(
            "the docker CLI is not on PATH",
            "install Docker (scripts/engine on Linux as root, or Docker Desktop)",
        )
    result = runner.capture(
        ["docker", "version", "--format", "{{.Client.Version}} {{.Server.Version}}"],
        timeout=30,
    )
    words = result.stdout.split()
    if not result.ok or len(words) < 2:
        from dockhand.engine import endpoint

        return Problem(
            f"the Docker engine does not answer at {endpoint()}: {_last_line(result.stderr)}",
            "start it (scripts/engine on Linux as root, or Docker Desktop), "
            "or point DOCKER_HOST at a running engine",
        )
    return f"docker CLI {words[0]}, engine {words[1]}"


def _model(
    runner: Runner, cli: ComposeCli, project: Project
) -> Mapping[str, Any] | Problem:
    from dockhand import compose

    files = " + ".join(f.name for f in project.files)
    if cli.is_v1:
        quiet = runner.capture(compose.config_quiet(cli, project), timeout=60)
        if not quiet.ok:
            return Problem(
                f"Compose rejects {files}: {_last_line(quiet.stderr or quiet.stdout)}",
                f"fix it; `{' '.join(cli.argv)} -f ... config` shows the same",
            )
        return Problem(
            f"valid: {files} ({cli}: the checks of their contents need "
            "Compose v2 for `config --format json`)",
            "install the Compose v2 plugin (scripts/engine does on Linux)",
            SKIP,
            valid=True,
        )
    result = runner.capture(compose.config_json(cli, project), timeout=60)
    if not result.ok:
        return Problem(
            f"Compose rejects {files}: {_last_line(result.stderr or result.stdout)}",
            f"fix it; `docker compose {' '.join(f'-f {f.name}' for f in project.files)} "
            "config` shows the same",
        )
    try:
        model = json.loads(result.stdout)
    except ValueError:
        return Problem(f"Compose printed no JSON for {files}", "", SKIP)
    return (
        model if isinstance(model, Mapping) else Problem("unexpected config", "", SKIP)
    )


def _variables(runner: Runner, cli: ComposeCli, project: Project) -> set[str] | Problem:
    """Every variable the files interpolate: `config --variables` (2.24+),
    else the ${VAR}s of the uninterpolated model."""
    from dockhand import compose

    if cli.is_v1:
        return Problem(
            f"listing variables needs Compose v2, this is {cli}", status=SKIP
        )
    result = runner.capture(compose.config_variables(cli, project), timeout=60)
    if result.ok:
        try:
            return set(json.loads(result.stdout))
        except ValueError:
            pass
    raw = runner.capture(
        compose.config_json(cli, project, interpolate=False), timeout=60
    )
    if raw.ok:
        try:
            return variables_in(json.loads(raw.stdout))
        except ValueError:
            pass
    return Problem(
        f"Compose could not list the variables: {_last_line(raw.stderr)}",
        "see compose-dev and compose-prod",
        SKIP,
    )


def image_name(cli: ComposeCli, project: str, service: Service) -> str:
    """The tag Compose gives a built image: `image:` if set, else project-service."""
    return service.image or f"{project}{'_' if cli.is_v1 else '-'}{service.name}"


def _engine_facts(s: Session, facts: Facts, cli: ComposeCli | None) -> None:
    from docker.errors import DockerException, NotFound

    from dockhand import engine

    try:
        client = s.client
    except DockhandError as exc:
        unreachable = Problem(
            f"the engine is not reachable: {exc.message}", exc.hint, SKIP
        )
        facts.images = facts.containers = unreachable
        return
    if cli is not None and isinstance(facts.dev, Mapping):
        images: dict[str, Mapping[str, Any] | None] = {}
        failure: Problem | None = None
        for service in facts.builds:
            try:
                images[service.name] = client.api.inspect_image(  # type: ignore[no-untyped-call]
                    image_name(cli, facts.project, service)
                )
            except NotFound:
                images[service.name] = None
            except DockerException as exc:
                failure = Problem(f"the engine failed: {str(exc)[:200]}", status=SKIP)
        facts.images = failure or images
    else:
        facts.images = Problem(
            "no compose model to name the images (see compose-dev)", status=SKIP
        )
    running: list[Processes] = []
    for container in engine.containers(client, facts.project):
        if container.status != "running":
            continue
        owner = str(container.labels.get(engine.SERVICE, "?"))
        name = str(container.name)
        try:
            top: Mapping[str, Any] = client.api.top(
                str(container.id), ps_args="-o pid,uid,comm"
            )
            titles = [t.upper() for t in top.get("Titles") or []]
            uid_at, command_at = titles.index("UID"), titles.index("COMMAND")
        except (DockerException, ValueError) as exc:
            running.append(Processes(owner, name, (), str(exc)[:200]))
            continue
        rows = tuple(
            (str(row[uid_at]), str(row[command_at]))
            for row in top.get("Processes") or []
        )
        running.append(Processes(owner, name, rows))
    facts.containers = sorted(running, key=lambda p: (p.service, p.container))


def gather(s: Session) -> Facts:
    """Ask docker, Compose and the engine, once; every probe is read-only."""
    from dockhand.compose import Project

    settings = s.settings
    facts = Facts(
        root=settings.root,
        project=settings.project,
        env_example=settings.env_example,
        budget_mb=settings.image_size_budget_mb,
    )
    facts.docker = _probe_docker(s.runner)
    cli: ComposeCli | None = None
    try:
        cli = s.cli
    except DockhandError as exc:
        facts.compose = Problem(exc.message, exc.hint)
    if cli is not None:
        facts.compose = cli
        # The developer's .env when there is one, else the example: a fresh
        # clone checks with the values it would start with.
        env_file = next(
            (f for f in (settings.env_file, settings.env_example) if f.is_file()), None
        )
        dev = Project(
            settings.project, settings.compose_files, env_file, settings.profiles
        )
        facts.dev = _model(s.runner, cli, dev)
        if settings.prod_files:
            prod = Project(
                settings.project,
                settings.compose_files + settings.prod_files,
                env_file,
                settings.profiles,
            )
            facts.prod = _model(s.runner, cli, prod)
            facts.variables = _variables(s.runner, cli, prod)
        else:
            facts.prod = Problem(
                "no production override is configured (dockhand.prod_files)",
                "add one (e.g. docker-compose.prod.yml) to dockhand.prod_files",
                SKIP,
            )
            facts.variables = _variables(s.runner, cli, dev)
    else:
        needs = Problem("needs Docker Compose (see compose)", status=SKIP)
        facts.dev = facts.prod = facts.variables = needs
    if isinstance(facts.docker, Problem):
        facts.images = facts.containers = Problem(
            "the engine is not reachable (see docker)", status=SKIP
        )
    else:
        _engine_facts(s, facts, cli)
    return facts


def summary(results: Iterable[Result]) -> dict[str, int]:
    counts = {PASS: 0, FAIL: 0, SKIP: 0}
    for result in results:
        counts[result.status] += 1
    return counts
