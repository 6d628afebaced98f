"""The Dockerfile parser of `inv check`: instructions, line numbers, errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from dockhand.docker.dockerfile import DockerfileError, expand, parse_dockerfile

REPO = Path(__file__).resolve().parents[2]


def test_continuations_comments_and_line_numbers() -> None:
    parsed = parse_dockerfile(
        "# syntax=docker/dockerfile:1\n"
        "ARG BASE=debian:bookworm-slim\n"
        "\n"
        "FROM ${BASE} AS build\n"
        "RUN apt-get update \\\n"
        "# a comment inside the continuation is dropped\n"
        "    && apt-get install -y gcc \\\n"
        "\n"
        "    && make\n"
        "FROM build\n"
        'CMD ["node", "server.js"]\n'
    )
    assert parsed.args == {"BASE": "debian:bookworm-slim"}
    build, final = parsed.stages
    assert (build.name, build.base, build.line) == ("build", "${BASE}", 4)
    run = build.instructions[0]
    assert run.line == 5
    assert "apt-get install -y gcc" in run.args and run.args.endswith("&& make")
    assert "comment" not in run.args
    assert final.base == "build" and parsed.parent(final) is build
    assert parsed.lineage(final) == [final, build]
    assert parsed.last(final, "CMD") is not None
    assert parsed.final.all("CMD")[0].words() == ["node", "server.js"]


def test_flags_exec_and_shell_forms_heredocs() -> None:
    parsed = parse_dockerfile(
        "FROM --platform=linux/amd64 debian:bookworm-slim\n"
        "COPY --from=builder --chown=app:app /out /app\n"
        "RUN <<EOF\n"
        "make\n"
        "EOF\n"
        "ENTRYPOINT /usr/local/bin/start.sh --flag\n"
        "HEALTHCHECK --interval=5s CMD curl -f http://localhost/ || exit 1\n"
    )
    copy, run, entry, health = parsed.final.instructions
    assert copy.flags == {"from": "builder", "chown": "app:app"}
    assert copy.words() == ["/out", "/app"]
    assert run.heredocs == ("make",)
    assert not entry.exec_form
    assert entry.words() == ["/usr/local/bin/start.sh", "--flag"]
    assert health.flags == {"interval": "5s"} and health.args.startswith("CMD curl")


def test_a_flag_given_again_keeps_each_value() -> None:
    parsed = parse_dockerfile(
        "FROM debian\n"
        "RUN --mount=type=cache,target=/a --mount=type=secret,id=ca apt-get update\n"
    )
    (run,) = parsed.final.instructions
    assert run.flags == {"mount": "type=cache,target=/a type=secret,id=ca"}
    assert run.args == "apt-get update"


def test_escape_directive() -> None:
    parsed = parse_dockerfile(
        "# escape=`\nFROM mcr.microsoft.com/windows:ltsc2022\nRUN dir `\n  C:\\\n"
    )
    assert parsed.final.instructions[0].args == "dir   C:\\"


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("", 1, "no FROM"),
        ("# only a comment\n", 1, "no FROM"),
        ("RUN true\nFROM x:1\n", 1, "RUN before the first FROM"),
        ("FROM x:1\nRUNN true\n", 2, "unknown instruction RUNN"),
        ("FROM\n", 1, "FROM needs an image"),
        ("FROM x:1 AS\n", 1, "FROM takes IMAGE [AS NAME]"),
        ("FROM x:1 as a b\n", 1, "FROM takes IMAGE [AS NAME]"),
        ("FROM x:1\nUSER\n", 2, "USER needs an argument"),
        ("FROM x:1\nRUN <<EOF\ntrue\n", 2, "heredoc <<EOF is never closed"),
        ("FROM x:1\n--bad\n", 2, "is not an instruction"),
    ],
)
def test_parse_errors_name_the_line(text: str, line: int, message: str) -> None:
    with pytest.raises(DockerfileError) as caught:
        parse_dockerfile(text)
    assert caught.value.line == line
    assert message in caught.value.message


def test_the_reference_stacks_dockerfiles_parse() -> None:
    found = sorted(REPO.glob("services/*/Dockerfile"))
    assert found, "the reference stack has Dockerfiles"
    for path in found:
        parse_dockerfile(path.read_text())


def test_expand() -> None:
    scope = {"A": "a", "EMPTY": "", "NONE": None}
    assert expand("${A}-$A", scope) == ("a-a", [])
    assert expand("${EMPTY:-x} ${MISSING:-y}", scope) == ("x y", [])
    assert expand("${A:+set}${EMPTY:+set}", scope) == ("set", [])
    assert expand("img:${NONE}${MISSING}", scope) == ("img:", ["NONE", "MISSING"])
