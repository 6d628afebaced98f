"""Pure: the cause of a failed Compose (or docker) command, in the user's
terms, read from what it wrote to stderr. Only what the message says is
reported: a message no rule knows gives its own last error line, and no
message gives nothing, so a hint never guesses a cause that was not seen."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[()][A-Z0-9]|\r")


@dataclass(frozen=True)
class Reason:
    """What went wrong (after the failure's own words) and what to do."""

    cause: str
    hint: str


def lines(text: str) -> list[str]:
    """The message's lines without colours, carriage returns or blanks."""
    return [line.strip() for line in ANSI.sub("", text).splitlines() if line.strip()]


Make = Callable[[re.Match[str], str], Reason]


def said(cause: str, hint: str) -> Make:
    """A reason written as two templates of the match: {0} is all of it,
    {1} its first group, {name} a named one."""

    def make(m: re.Match[str], _text: str) -> Reason:
        groups = (m[0], *m.groups())
        return Reason(cause.format(*groups, **m.groupdict()), hint.format(*groups))

    return make


def _port_taken(m: re.Match[str], text: str) -> Reason:
    port = m["port"] or m["port2"]
    where = re.search(r"on endpoint (\S+)", text)
    owner = f" (wanted by container {where[1]})" if where else ""
    return Reason(
        f"host port {port} is already taken{owner}",
        f"free port {port} (`inv doctor` names who holds it), "
        "or publish the service on another port",
    )


def _variable_unset(m: re.Match[str], _text: str) -> Reason:
    why = f" ({m['why'].strip()})" if m["why"] and m["why"].strip() else ""
    return Reason(
        f"the variable {m['name']} is not set{why}",
        f"set {m['name']} in the env file or the environment "
        "(`inv env` shows what is set)",
    )


def _bad_yaml(m: re.Match[str], _text: str) -> Reason:
    return Reason(
        f"{m['file']} is not valid YAML: {m['why'].strip()}",
        f"fix the YAML at the line named; check with `docker compose -f {m['file']} config`",
    )


_PULL_HINT = (
    "build it or load it (`docker load`), or set BASE_IMAGE to an image this engine has"
)


def _pull(m: re.Match[str], text: str) -> Reason:
    image = re.search(r"Image (\S+) Error", text) or re.search(
        r"pull access denied for ([^,\s]+)", text
    )
    # Compose 2.x names the service whose image it pulled, 5 the image.
    service = None if image else re.search(r"^(\S+) Error ", text, re.MULTILINE)
    what = (
        f"the image {image[1]}"
        if image
        else f"the image of service {service[1]}"
        if service
        else "an image"
    )
    return Reason(f"{what} could not be pulled: {m[0].strip()}", _PULL_HINT)


def _build_step(m: re.Match[str], _text: str) -> Reason:
    # BuildKit quotes the step's command, escaping the quotes inside it.
    command = m["cmd"].replace('\\"', '"')
    return Reason(
        f"a build step failed: `{command}` exited {m['code']}",
        "the step's output is above; fix the Dockerfile or what it copies",
    )


Rule = tuple[re.Pattern[str], Make]

# The first rule that matches wins: the specific before the general.
RULES: list[Rule] = [
    (
        re.compile(r"no such service: (\S+)"),
        said(
            "unknown service {1!r}",
            "`docker compose config --services` lists the services of the compose files",
        ),
    ),
    (
        re.compile(
            r"listen tcp[46]? \S*?:(?P<port>\d+): bind: address already in use"
            r"|Bind for \S*?:(?P<port2>\d+) failed: port is already allocated"
        ),
        _port_taken,
    ),
    (
        re.compile(
            r"required variable (?P<name>\w+) is missing a value(?::(?P<why>.*))?"
        ),
        _variable_unset,
    ),
    (
        re.compile(r"env file (\S+) not found"),
        said(
            "the env file {1} does not exist",
            "create it (e.g. `inv setup` writes .env from .env.example), "
            "or take it out of the service's env_file",
        ),
    ),
    (re.compile(r"failed to parse (?P<file>\S+?): (?P<why>.*)"), _bad_yaml),
    (
        # Compose 2.26's words name no file: the caller's hint names them.
        re.compile(r"^yaml: (?:unmarshal errors:\n)?(.+)", re.MULTILINE),
        said("a compose file is not valid YAML: {1}", ""),
    ),
    (
        re.compile(r"open (\S+\.ya?ml): no such file or directory"),
        said(
            "the compose file {1} does not exist",
            "fix dockhand.compose_files in invoke.yaml (or COMPOSE_FILE), "
            "or create the file",
        ),
    ),
    (
        # The docker CLI's words, and Compose 5's ("failed to connect to the
        # docker API at ADDRESS; check if the path is correct ...").
        re.compile(
            r"Cannot connect to the Docker daemon at (\S+?)\.? Is"
            r"|failed to connect to the docker API at (\S+?);"
        ),
        lambda m, _text: Reason(
            f"the Docker engine is not reachable at {m[1] or m[2]}",
            "start it (scripts/engine on Linux as root, or start Docker Desktop), "
            "or point DOCKER_HOST at a running engine",
        ),
    ),
    (
        re.compile(r'context "([^"]+)": context not found'),
        said(
            "the Docker context {1!r} does not exist",
            "`docker context ls` lists the contexts; fix DOCKER_CONTEXT, or unset it",
        ),
    ),
    (
        # BuildKit's words for a FROM image it can neither find nor pull.
        re.compile(r"failed to resolve source metadata for (\S+): (.*)"),
        lambda m, _text: Reason(
            f"the base image {m[1]} could not be pulled: {_short(m[2])}", _PULL_HINT
        ),
    ),
    (
        # Engine 20.10's BuildKit: the image is named only in the URL.
        re.compile(
            r"failed to create LLB definition: "
            r"((?:failed to do request|pull access denied)[^\n]*)"
        ),
        lambda m, _text: Reason(
            f"a base image could not be pulled: {_short(m[1])}", _PULL_HINT
        ),
    ),
    (
        # The classic builder writes the registry's answer bare.
        re.compile(
            r"pull access denied for [^\n]*|manifest for [^\n]* not found[^\n]*"
            r"|(?:(?<=Error response from daemon: )|^)Get \"https://[^\n]*",
            re.MULTILINE,
        ),
        _pull,
    ),
    (
        re.compile(
            r"The command '(?P<cmd>.*)' returned a non-zero code: (?P<code>\d+)"
        ),
        _build_step,
    ),
    (
        re.compile(
            r'process "(?P<cmd>.*)" did not complete successfully: exit code: (?P<code>\d+)'
        ),
        _build_step,
    ),
    (
        # The BuildKit in Engine 20.10, which Compose 2.x builds with there.
        re.compile(
            r"executor failed running \[(?P<cmd>.*)\]: exit code: (?P<code>\d+)"
        ),
        _build_step,
    ),
    (
        re.compile(r'unable to prepare context: path "([^"]+)" not found'),
        said(
            "the build context {1} does not exist",
            "fix the service's build: (context) in the compose file, or create the folder",
        ),
    ),
    (
        re.compile(r"Dockerfile path: lstat (\S+): no such file or directory"),
        said(
            "the Dockerfile {1} does not exist",
            "fix the service's build: (dockerfile) in the compose file, or create it",
        ),
    ),
    (
        # BuildKit (buildx, Engine 23+) names it relative to the build context.
        re.compile(r"failed to read dockerfile: open (\S+): no such file or directory"),
        said(
            "the Dockerfile {1} does not exist in the build context",
            "fix the service's build: (dockerfile) in the compose file, or create it",
        ),
    ),
    (
        re.compile(r"network (\S+) is ambiguous"),
        said(
            "two networks are named {1}",
            "`inv up` removes the empty duplicate; or remove one with `docker network rm ID`",
        ),
    ),
    (
        re.compile(r'container name "/?([^"]+)" is already in use'),
        said(
            "the container name {1} is already in use by another container",
            "remove that container, or change container_name in the compose file",
        ),
    ),
    (
        re.compile(r"unknown (?:shorthand )?flag:? \S+"),
        said(
            "Compose does not accept {0}",
            "this Compose may be too old for the option; `inv doctor` shows its version",
        ),
    ),
]


GENERIC = re.compile(
    r"^(?:Error response from daemon: |Error: |error: |ERROR: )(?P<what>.+)$"
    r"|level=(?:error|fatal) msg=\"?(?P<msg>[^\"]+)",
    re.IGNORECASE,
)


def explain(text: str) -> Reason | None:
    """The cause of a failure from its stderr, or None when it said nothing."""
    clean = "\n".join(lines(text))
    for pattern, make in RULES:
        found = pattern.search(clean)
        if found:
            return make(found, clean)
    for line in reversed(clean.splitlines()):
        generic = GENERIC.search(line)
        if generic:
            return Reason(_short(generic["what"] or generic["msg"]), "")
    return None


def _short(text: str, limit: int = 200) -> str:
    text = text.strip().rstrip(".")
    return text if len(text) <= limit else text[: limit - 3] + "..."
