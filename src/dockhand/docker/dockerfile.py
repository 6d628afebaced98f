"""A small Dockerfile parser, reading a file as BuildKit does (instructions,
line continuations, heredocs, parser directives) into stages; and the
builder's variable expansion with the ARG and ENV values in effect in a
stage."""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from dockhand.errors import DockhandError

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
    flags: dict[str, str] = {}
    rest = args
    while rest.startswith("--"):
        token, _, rest = rest.partition(" ")
        name, _, value = token[2:].partition("=")
        # A flag given again (RUN's --mount): its values, joined by a space.
        key = name.lower()
        flags[key] = f"{flags[key]} {value}" if key in flags else value
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


def variable_names(text: str) -> set[str]:
    """The names of the variables `text` refers to."""
    return {m.group("braced") or m.group("bare") for m in _VARIABLE.finditer(text)}


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


def is_root(user: str) -> bool:
    """Whether a USER (a Dockerfile's, or an image's Config.User) is root."""
    name = user.split(":", 1)[0].strip()
    return name in ("", "root", "0")
