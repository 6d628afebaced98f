"""`inv check`'s selection without an engine: the Dockerfile parser, the
.dockerignore matcher, and every check over small project trees made in tmp
folders, with the facts passed in."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from invoke.config import Config
from invoke.context import Context
from invoke.exceptions import Exit

from dockhand import checks
from dockhand.checks import FAIL, OK, SKIP, WARN, Check, Facts, Problem, Processes
from dockhand.checks.build_context import check_entrypoints
from dockhand.checks.compose_model import variables_in
from dockhand.checks.dockerfile import DockerfileError, expand, parse_dockerfile
from dockhand.checks.dockerignore import ignore_rules, ignored
from dockhand.checks.facts import Engine
from dockhand.checks.image_build import (
    check_dockerfiles,
    check_healthcheck,
    check_non_root_user,
    check_pinned_base,
    image_pinned,
)
from dockhand.checks.runtime import check_image_size
from dockhand.compose import ComposeCli
from dockhand.settings import load

REPO = Path(__file__).resolve().parents[2]

# ---------------------------------------------------------------- parser


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


@pytest.mark.parametrize(
    ("ref", "pinned"),
    [
        ("debian:bookworm-slim", True),
        ("postgres:15.6", True),
        ("localhost:5000/team/app:1.2", True),
        ("debian@sha256:" + "a" * 64, True),
        ("scratch", True),
        ("debian", False),
        ("debian:latest", False),
        ("localhost:5000/team/app", False),
    ],
)
def test_image_pinned(ref: str, pinned: bool) -> None:
    assert image_pinned(ref) is pinned


# ---------------------------------------------------------- .dockerignore


@pytest.mark.parametrize(
    ("rules", "path", "excluded"),
    [
        (".git", ".git/HEAD", True),
        (".git", "app/.git", False),
        ("**/.git", "app/.git/HEAD", True),
        ("/tests/", "tests/test_app.py", True),
        ("tests", "app/tests", False),
        ("*.md", "README.md", True),
        ("*.md", "docs/README.md", False),
        ("**/*.md", "docs/README.md", True),
        (".env\n.env.*\n!.env.example", ".env.example", False),
        (".env\n.env.*\n!.env.example", ".env.local", True),
        ("node_modules\n!node_modules/keep", "node_modules/keep/x.js", False),
        ("node_modules\n!node_modules/keep", "node_modules/pkg/x.js", True),
        ("# comment\n\n.ven?", ".venv/bin/python", True),
        ("[.]env", ".env", True),
        ("*", "anything/at/all", True),
    ],
)
def test_dockerignore_matching(rules: str, path: str, excluded: bool) -> None:
    assert ignored(ignore_rules(rules), path) is excluded


# ------------------------------------------------------- project fixtures

GOOD_DOCKERFILE = """\
ARG BASE_IMAGE=debian:bookworm-slim
FROM ${BASE_IMAGE} AS build
WORKDIR /src
COPY . .
RUN python3 -m compileall -q app

FROM ${BASE_IMAGE}
RUN useradd --system --uid 1000 --user-group app
COPY --from=build /src /app
WORKDIR /app
USER app
HEALTHCHECK CMD ["python3", "-c", "print(1)"]
ENTRYPOINT ["tini", "--", "/app/docker-entrypoint.sh"]
CMD ["python3", "-m", "app"]
"""

GOOD_IGNORE = ".git\n.env\n.env.*\ntests\nnode_modules\n.venv\n"


def make_project(root: Path, **files: str) -> Path:
    """A one-service project: services/app with a good Dockerfile,
    .dockerignore and executable entrypoint, any of them replaced by `files`
    (keys are paths under services/app, with / written as __)."""
    app = root / "services" / "app"
    app.mkdir(parents=True)
    contents = {
        "Dockerfile": GOOD_DOCKERFILE,
        ".dockerignore": GOOD_IGNORE,
        "docker-entrypoint.sh": '#!/bin/sh\nexec "$@"\n',
        "app/__init__.py": "",
        **{k.replace("__", "/"): v for k, v in files.items()},
    }
    for name, text in contents.items():
        path = app / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    entry = app / "docker-entrypoint.sh"
    if entry.exists():
        entry.chmod(0o755)
    (root / ".env.example").write_text("BASE_IMAGE=debian:bookworm-slim\nAPP_PORT=80\n")
    return app


def service(root: Path, **extra: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "build": {
            "context": str(root / "services" / "app"),
            "dockerfile": "Dockerfile",
            "args": {"BASE_IMAGE": "debian:bookworm-slim"},
        },
        "healthcheck": {"interval": "2s"},
        "entrypoint": None,
        "command": None,
    }
    spec.update(extra)
    return spec


PROD_EXTRA: dict[str, Any] = {
    "read_only": True,
    "restart": "unless-stopped",
    "logging": {"driver": "json-file", "options": {"max-size": "10m", "max-file": "3"}},
    "deploy": {"resources": {"limits": {"cpus": 2, "memory": "2147483648"}}},
}

V5 = ComposeCli(("docker", "compose"), (5, 6, 1))


ENGINE = Engine(
    client=None,  # type: ignore[arg-type]  # every fact that needs it is given
    version={"Version": "20.10.24", "ApiVersion": "1.41"},
    where="unix:///var/run/docker.sock (DOCKER_HOST is not set)",
)


def facts_for(root: Path, budget_mb: float = 350, **overrides: Any) -> Facts:
    """Every fact `inv check` reads, passed in: nothing is probed."""
    dev = {"services": {"app": service(root)}}
    prod = {"services": {"app": service(root, **PROD_EXTRA)}}
    values: dict[str, Any] = {
        "docker_cli": "Docker version 28.2.2, build x (/usr/bin/docker)",
        "engine": ENGINE,
        "compose": V5,
        "dev": dev,
        "prod": prod,
        "variables": {"BASE_IMAGE", "APP_PORT"},
        "images": {"app": {"Size": 120_000_000, "Config": {"User": "app"}}},
        "containers": [Processes("app", "p-app-1", (("1000", "python3"),))],
    }
    values.update(overrides)
    settings = load(
        {"root": str(root), "project": "p", "image_size_budget_mb": budget_mb}
    )
    return Facts(settings, **values)


def by_name(facts: Facts) -> dict[str, Check]:
    return {r.name: r for r in checks.run(checks.CHECK, facts)}


def test_a_good_project_passes_every_check(tmp_path: Path) -> None:
    make_project(tmp_path)
    results = by_name(facts_for(tmp_path))
    assert [r.name for r in results.values()] == [
        c(facts_for(tmp_path)).name  # type: ignore[union-attr]  # one Check each
        for c in checks.CHECK
    ]
    failing = {n: r.detail for n, r in results.items() if r.status != OK}
    assert failing == {}
    assert "docker-entrypoint.sh" in results["entrypoints"].detail
    assert "app=app" in results["non-root-user"].detail
    assert "app (Dockerfile)" in results["healthcheck"].detail


def only_failure(facts: Facts) -> Check:
    """The one failing check (asserting it is the only one)."""
    failed = [r for r in checks.run(checks.CHECK, facts) if r.status == FAIL]
    assert len(failed) == 1, [(r.name, r.detail) for r in failed]
    assert failed[0].fix, "every failure says how to fix it"
    return failed[0]


# Each case breaks one thing in an otherwise good project: (files to write
# under services/app, the check that must fail, a fragment of its detail).
DOCKERFILE_BREAKS = [
    (
        {"Dockerfile": GOOD_DOCKERFILE.replace("USER app\n", "")},
        "non-root-user",
        "runs as root (no USER)",
    ),
    (
        {"Dockerfile": GOOD_DOCKERFILE.replace("USER app", "USER root:root")},
        "non-root-user",
        "final USER is root:root",
    ),
    (
        {"Dockerfile": GOOD_DOCKERFILE.replace("USER app", "USER 0")},
        "non-root-user",
        "final USER is 0",
    ),
    (
        {"Dockerfile": GOOD_DOCKERFILE.replace("HEALTHCHECK CMD", "LABEL x=1\n#")},
        "healthcheck",
        "app: no healthcheck",
    ),
    (
        {
            "Dockerfile": GOOD_DOCKERFILE.replace(
                "FROM ${BASE_IMAGE} AS build", "FROM debian AS build"
            )
        },
        "pinned-base",
        "debian is not pinned",
    ),
    (
        {
            "Dockerfile": GOOD_DOCKERFILE.replace(
                "BASE_IMAGE=debian:bookworm-slim", "BASE_IMAGE=debian:latest"
            )
        },
        "pinned-base",
        "debian:latest is not pinned",
    ),
    (
        {
            "Dockerfile": "FROM debian:bookworm-slim\nRUN pip install -r req.txt\n"
            "USER app\nHEALTHCHECK CMD true\n"
        },
        "multi-stage",
        "runs in the image that ships",
    ),
    (
        {"Dockerfile": GOOD_DOCKERFILE + "RUN npm ci\n"},
        "multi-stage",
        "build step on line 15",
    ),
    (
        {
            "Dockerfile": GOOD_DOCKERFILE.replace(
                "WORKDIR /app", "WORKDIR /app\nBOGUS x"
            )
        },
        "dockerfiles",
        "line 11: unknown instruction BOGUS",
    ),
    (
        {".dockerignore": "# nothing\n.git\n"},
        "dockerignore",
        "lets in .env, tests, node_modules, .venv",
    ),
    (
        {".dockerignore": GOOD_IGNORE + "!.env\n"},
        "dockerignore",
        "lets in .env",
    ),
    (
        {"docker-entrypoint.sh": 'exec "$@"\n'},
        "entrypoints",
        "has no #! line",
    ),
]


@pytest.mark.parametrize(("files", "name", "fragment"), DOCKERFILE_BREAKS)
def test_each_broken_file_fails_its_check(
    tmp_path: Path, files: dict[str, str], name: str, fragment: str
) -> None:
    make_project(tmp_path, **files)
    failed = only_failure(facts_for(tmp_path))
    assert failed.name == name
    assert fragment in failed.detail


def test_missing_dockerfile_and_dockerignore(tmp_path: Path) -> None:
    app = make_project(tmp_path)
    (app / ".dockerignore").unlink()
    failed = only_failure(facts_for(tmp_path))
    assert (failed.name, failed.detail) == (
        "dockerignore",
        "app: no services/app/.dockerignore",
    )
    (app / "Dockerfile").unlink()
    results = by_name(facts_for(tmp_path))
    assert results["dockerfiles"].status == FAIL
    assert "services/app/Dockerfile not found" in results["dockerfiles"].detail
    # The checks that read it are skipped, not passed.
    for name in ("multi-stage", "non-root-user", "pinned-base"):
        assert results[name].status == SKIP, results[name]


def test_entrypoint_not_executable(tmp_path: Path) -> None:
    app = make_project(tmp_path)
    (app / "docker-entrypoint.sh").chmod(0o644)
    failed = only_failure(facts_for(tmp_path))
    assert failed.name == "entrypoints"
    assert failed.detail == "services/app/docker-entrypoint.sh is not executable"
    assert "chmod +x services/app/docker-entrypoint.sh" in failed.fix


def test_entrypoint_copied_with_chmod_counts_as_executable(tmp_path: Path) -> None:
    dockerfile = GOOD_DOCKERFILE.replace(
        "COPY --from=build /src /app",
        "COPY --from=build /src /app\nCOPY --chmod=755 start /usr/local/bin/",
    ).replace('"/app/docker-entrypoint.sh"', '"start"')
    app = make_project(tmp_path, Dockerfile=dockerfile, start="#!/bin/sh\n")
    (app / "docker-entrypoint.sh").unlink()
    facts = facts_for(tmp_path)
    result = check_entrypoints(facts)
    assert (result.status, result.detail) == (
        OK,
        "executable, with #!: services/app/start",
    )


def test_entry_program_follows_copies_back_to_the_context(tmp_path: Path) -> None:
    app = make_project(tmp_path, **{"bin__run": "no shebang\n"})
    dockerfile = GOOD_DOCKERFILE.replace(
        '"/app/docker-entrypoint.sh"', '"/app/bin/run"'
    )
    (app / "Dockerfile").write_text(dockerfile)
    (app / "docker-entrypoint.sh").unlink()
    failed = only_failure(facts_for(tmp_path))
    assert failed.name == "entrypoints"
    assert failed.detail == "services/app/bin/run has no #! line and is not executable"


def test_compose_entrypoint_replaces_the_dockerfiles(tmp_path: Path) -> None:
    app = make_project(tmp_path, **{"other.sh": "#!/bin/sh\n"})
    (app / "docker-entrypoint.sh").unlink()
    facts = facts_for(tmp_path)
    assert isinstance(facts.dev, dict)
    facts.dev["services"]["app"]["entrypoint"] = ["/app/other.sh"]
    failed = only_failure(facts)
    assert failed.detail == "services/app/other.sh is not executable"


def test_base_from_an_arg_is_judged_on_its_default_and_on_compose(
    tmp_path: Path,
) -> None:
    no_default = GOOD_DOCKERFILE.replace(
        "ARG BASE_IMAGE=debian:bookworm-slim", "ARG BASE_IMAGE"
    )
    make_project(tmp_path, Dockerfile=no_default)
    # Compose passes a pinned value: pinned.
    assert check_pinned_base(facts_for(tmp_path)).status == OK
    # Compose passes latest: not pinned.
    facts = facts_for(tmp_path)
    assert isinstance(facts.dev, dict)
    facts.dev["services"]["app"]["build"]["args"] = {"BASE_IMAGE": "debian:latest"}
    result = check_pinned_base(facts)
    assert result.status == FAIL and "debian:latest is not pinned" in result.detail
    # Nobody gives a value: no default.
    facts = facts_for(tmp_path)
    assert isinstance(facts.dev, dict)
    facts.dev["services"]["app"]["build"]["args"] = {}
    result = check_pinned_base(facts)
    assert result.status == FAIL and "BASE_IMAGE has no default" in result.detail


def test_user_from_an_arg(tmp_path: Path) -> None:
    dockerfile = GOOD_DOCKERFILE.replace("USER app", "ARG UID=1000\nUSER ${UID}")
    make_project(tmp_path, Dockerfile=dockerfile)
    assert check_non_root_user(facts_for(tmp_path)).detail == "final USER: app=1000"
    facts = facts_for(tmp_path)
    assert isinstance(facts.dev, dict)
    facts.dev["services"]["app"]["build"]["args"]["UID"] = "0"
    assert check_non_root_user(facts).status == FAIL


def test_build_target_is_the_image_that_ships(tmp_path: Path) -> None:
    dockerfile = (
        GOOD_DOCKERFILE.replace("FROM ${BASE_IMAGE}\n", "FROM ${BASE_IMAGE} AS prod\n")
        + "\nFROM prod AS debug\nUSER root\n"
    )
    make_project(tmp_path, Dockerfile=dockerfile)
    # Built to the last stage, the image runs as root...
    assert check_non_root_user(facts_for(tmp_path)).status == FAIL
    # ... but built to `prod`, the debug stage is never part of it.
    facts = facts_for(tmp_path)
    assert isinstance(facts.dev, dict)
    facts.dev["services"]["app"]["build"]["target"] = "prod"
    assert check_non_root_user(facts).status == OK
    facts = facts_for(tmp_path)
    assert isinstance(facts.dev, dict)
    facts.dev["services"]["app"]["build"]["target"] = "nope"
    result = check_dockerfiles(facts)
    assert result.status == FAIL and "no stage named 'nope'" in result.detail


def test_healthcheck_from_compose_or_disabled(tmp_path: Path) -> None:
    make_project(
        tmp_path,
        Dockerfile=GOOD_DOCKERFILE.replace("HEALTHCHECK CMD", "LABEL x=1\n#"),
    )
    facts = facts_for(tmp_path)
    assert isinstance(facts.dev, dict)
    facts.dev["services"]["app"]["healthcheck"] = {"test": ["CMD", "true"]}
    assert check_healthcheck(facts).detail == "health checked: app (compose)"
    facts.dev["services"]["app"]["healthcheck"] = {"disable": True}
    result = check_healthcheck(facts)
    assert result.status == FAIL and "disabled" in result.detail


def test_image_only_services(tmp_path: Path) -> None:
    make_project(tmp_path)
    facts = facts_for(tmp_path)
    assert isinstance(facts.dev, dict)
    facts.dev["services"]["cache"] = {"image": "redis:latest"}
    results = by_name(facts)
    assert results["pinned-base"].status == FAIL
    assert "cache: image redis:latest is not pinned" in results["pinned-base"].detail
    assert results["healthcheck"].status == FAIL
    assert "cache: no healthcheck" in results["healthcheck"].detail
    assert "Dockerfile" not in results["healthcheck"].fix.split(";")[-1]


@pytest.mark.parametrize(
    ("change", "name", "fragment"),
    [
        ({"deploy": {}}, "prod-limits", "app: no memory limit"),
        (
            {"read_only": False},
            "prod-read-only",
            "app: the root filesystem is writable",
        ),
        (
            {"logging": None},
            "prod-log-rotation",
            "the engine default driver, no max-size",
        ),
        (
            {"logging": {"driver": "json-file"}},
            "prod-log-rotation",
            "json-file, no max-size",
        ),
        ({"logging": {"driver": "none"}}, "prod-log-rotation", "logging is off"),
        ({"restart": "no"}, "prod-restart", "app: no restart policy"),
        ({"restart": None}, "prod-restart", "app: no restart policy"),
    ],
)
def test_prod_hardening(
    tmp_path: Path, change: dict[str, Any], name: str, fragment: str
) -> None:
    make_project(tmp_path)
    prod = service(tmp_path, **{**PROD_EXTRA, **change})
    failed = only_failure(facts_for(tmp_path, prod={"services": {"app": prod}}))
    assert failed.name == name and fragment in failed.detail


def test_prod_alternatives_that_pass(tmp_path: Path) -> None:
    make_project(tmp_path)
    prod = service(
        tmp_path,
        **{
            **PROD_EXTRA,
            "deploy": {"restart_policy": {"condition": "on-failure"}},
            "mem_limit": "512m",
            "restart": None,
            "logging": {"driver": "local"},
        },
    )
    results = by_name(facts_for(tmp_path, prod={"services": {"app": prod}}))
    for name in ("prod-limits", "prod-log-rotation", "prod-restart"):
        assert results[name].status == OK, results[name]


def test_env_example(tmp_path: Path) -> None:
    make_project(tmp_path)
    failed = only_failure(
        facts_for(
            tmp_path, variables={"BASE_IMAGE", "APP_PORT", "SECRET_KEY", "DB_URL"}
        )
    )
    assert failed.name == "env example"
    assert (
        failed.detail
        == "used by the compose files but not in .env.example: DB_URL, SECRET_KEY"
    )
    (tmp_path / ".env.example").write_text("BASE_IMAGE=x\nAPP_PORT 80\n")
    failed = only_failure(facts_for(tmp_path))
    assert (failed.name, failed.fix) == (
        "env example",
        "fix that line (git diff shows it)",
    )
    assert "line 2" in failed.detail


def test_no_env_files_is_a_skip_and_an_env_file_without_example_a_warning(
    tmp_path: Path,
) -> None:
    # The project takes its variables from the shell: nothing to compare,
    # the same answer as doctor's.
    make_project(tmp_path)
    (tmp_path / ".env.example").unlink()
    result = by_name(facts_for(tmp_path))["env example"]
    assert result.status == SKIP and result.ok
    assert result.detail == (
        "neither .env nor .env.example exists (a project without env files); "
        "the compose files use APP_PORT, BASE_IMAGE"
    )
    (tmp_path / ".env").write_text("APP_PORT=80\n")
    result = by_name(facts_for(tmp_path))["env example"]
    assert result.status == "warn" and result.ok
    assert result.detail.startswith(".env.example does not exist")
    assert "dockhand.env_example" in result.fix


def test_variables_in_an_uninterpolated_model() -> None:
    model = {
        "services": {
            "a": {
                "ports": ["${PORT:-80}:80"],
                "environment": {
                    "X": "$PLAIN",
                    "Y": "$${NOT_A_VARIABLE}",
                    "Z": "${REQ:?set it}",
                },
                "command": ["echo", "${A}${B}"],
            }
        }
    }
    assert variables_in(model) == {"PORT", "PLAIN", "REQ", "A", "B"}


def test_image_checks(tmp_path: Path) -> None:
    make_project(tmp_path)
    big = {"app": {"Size": 400_000_000, "Config": {"User": "app"}}}
    failed = only_failure(facts_for(tmp_path, images=big))
    assert failed.name == "image-size"
    assert failed.detail == "app: 400 MB, over the 350 MB budget"
    assert check_image_size(facts_for(tmp_path, images=big, budget_mb=500)).status == OK
    root = {"app": {"Size": 1, "Config": {"User": ""}}}
    failed = only_failure(facts_for(tmp_path, images=root))
    assert (failed.name, failed.detail) == (
        "image-user",
        "app: the image runs as root (no user set)",
    )


def test_containers_running_as_root_fail(tmp_path: Path) -> None:
    make_project(tmp_path)
    rows = (("0", "tini"), ("1000", "python3"))
    failed = only_failure(
        facts_for(tmp_path, containers=[Processes("app", "p-app-1", rows)])
    )
    assert failed.name == "container-user"
    assert failed.detail == "app: tini runs as root in p-app-1"


def test_not_built_and_not_running_are_skipped_not_passed(tmp_path: Path) -> None:
    make_project(tmp_path)
    results = by_name(facts_for(tmp_path, images={"app": None}, containers=[]))
    for name, words in (
        ("image-size", "skipped: not built: app"),
        ("image-user", "skipped: not built: app"),
        ("container-user", "skipped: not running"),
    ):
        # a skip is no failure, and not shown as a pass either
        assert results[name].status == SKIP and results[name].ok is True
        assert results[name].detail.startswith(words)
        assert results[name].fix  # says how to make it run


def test_missing_tools_fail_and_dependent_checks_skip(tmp_path: Path) -> None:
    make_project(tmp_path)
    needs = Problem("needs Docker Compose (see compose)", status=SKIP)
    facts = facts_for(
        tmp_path,
        docker_cli=Problem("`docker` is not on PATH", "install Docker"),
        engine=Problem("no socket at /var/run/docker.sock", "start it"),
        compose=Problem("Docker Compose was not found", "install it"),
        dev=needs,
        prod=needs,
        variables=needs,
        images=Problem("the engine is not reachable (see docker)", status=SKIP),
        containers=Problem("the engine is not reachable (see docker)", status=SKIP),
    )
    results = by_name(facts)
    assert {n for n, r in results.items() if r.status == FAIL} == {
        "docker CLI",
        "engine",
        "compose",
    }
    assert {n for n, r in results.items() if r.status == OK} == set()


def test_invalid_compose_files_fail_and_dependent_checks_skip(tmp_path: Path) -> None:
    make_project(tmp_path)
    invalid = Problem("Compose rejects docker-compose.prod.yml: bad", "fix it")
    results = by_name(facts_for(tmp_path, prod=invalid))
    assert results["compose-prod"].status == FAIL
    assert results["compose files"].status == OK
    for name in ("prod-limits", "prod-read-only", "prod-log-rotation", "prod-restart"):
        assert results[name].status == SKIP


def test_compose_v1_validates_and_skips_the_rest(tmp_path: Path) -> None:
    make_project(tmp_path)
    v1 = ComposeCli(("docker-compose",), (1, 29, 2))
    valid = Problem("valid: docker-compose.yml (v1)", "install v2", SKIP, valid=True)
    skip = Problem("listing variables needs Compose v2", status=SKIP)
    results = by_name(
        facts_for(tmp_path, compose=v1, dev=valid, prod=valid, variables=skip)
    )
    assert results["compose"].status == OK and "v1" in results["compose"].detail
    assert results["compose files"].status == OK
    assert results["compose-prod"].status == OK
    for name in ("env example", "non-root-user", "prod-limits", "image-size"):
        assert results[name].status == SKIP, results[name]
        assert "Compose v2" in results[name].detail
    assert {r.status for r in results.values()} == {OK, SKIP}


# ------------------------------------------------------------- the task


def run_task(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, facts: Facts, *args: Any
) -> None:
    from dockhand.tasks.check import check

    monkeypatch.setattr(checks, "Facts", lambda settings, s: facts)
    config = Config(overrides={"dockhand": {"root": str(tmp_path), "project": "p"}})
    check(Context(config=config), *args)


def test_task_report_and_exit_code(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make_project(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")
    run_task(monkeypatch, tmp_path, facts_for(tmp_path, containers=[]))
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert lines[0].split() == [
        *("ok", "docker", "CLI", "Docker", "version", "28.2.2,"),
        *("build", "x", "(/usr/bin/docker)"),
    ]
    assert any(line.startswith("skip  container-user") for line in lines)
    assert "20 ok, 0 warn, 0 failed, 1 skipped" in err

    with pytest.raises(Exit) as exited:
        run_task(
            monkeypatch,
            tmp_path,
            facts_for(tmp_path, images={"app": {"Size": 1, "Config": {}}}),
        )
    assert exited.value.code == 1
    out, err = capsys.readouterr()
    failing = [line for line in out.splitlines() if line.startswith("FAIL")]
    assert failing == [
        "FAIL  image-user         app: the image runs as root (no user set)"
    ]
    assert "fix: app: end its Dockerfile with a non-root USER and rebuild" in out
    assert "1 of 21 checks failed: image-user" in err


def test_task_json(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make_project(tmp_path)
    with pytest.raises(Exit):
        run_task(
            monkeypatch,
            tmp_path,
            facts_for(tmp_path, containers=[], variables={"NEW"}),
            True,
        )
    data = json.loads(capsys.readouterr().out)
    assert data["ok"] is False
    assert data["summary"] == {"ok": 19, "warn": 0, "fail": 1, "skip": 1}
    rows = {row["name"]: row for row in data["checks"]}
    assert (
        rows["env example"]["status"] == "fail" and rows["env example"]["ok"] is False
    )
    assert rows["env example"]["fix"].startswith("add NEW to .env.example")
    assert rows["container-user"] == {
        "name": "container-user",
        "status": "skip",
        "ok": True,
        "detail": "skipped: not running (no containers of project p)",
        "fix": "start the stack (`inv up`), then run `inv check` again",
    }


def test_task_masks_secrets_in_text_and_json(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Any detail or fix that quotes a secret of the env file shows it masked,
    # in inv check as in inv doctor: one report.
    make_project(tmp_path)
    secret = "s3cr3t-Value-0123456789"
    (tmp_path / ".env.example").write_text(
        "BASE_IMAGE=debian:bookworm-slim\nAPP_PORT=80\n# @secret\nAPI_TOKEN=change-me\n"
    )
    (tmp_path / ".env").write_text(f"API_TOKEN={secret}\n")
    from dockhand.errors import DockhandError
    from dockhand.ops import check
    from dockhand.process import Runner
    from dockhand.session import Session

    leaky = Problem(f"the engine said: bad token {secret}", f"unset {secret}")
    facts = facts_for(tmp_path, containers=[], engine=leaky)
    monkeypatch.setattr(checks, "Facts", lambda settings, s: facts)
    s = Session(facts.settings, Runner())
    for as_json in (False, True):
        with pytest.raises(DockhandError, match="1 of 21 checks failed: engine"):
            check.check(s, as_json=as_json)
        out, err = capsys.readouterr()
        assert secret not in out + err
        assert "bad token ********" in out and "unset ********" in out


def test_settings_budget(tmp_path: Path) -> None:
    from dockhand.errors import DockhandError
    from dockhand.settings import load

    assert load({"root": str(tmp_path)}).image_size_budget_mb == 350
    assert (
        load(
            {"root": str(tmp_path), "image_size_budget_mb": "120"}
        ).image_size_budget_mb
        == 120
    )
    with pytest.raises(DockhandError, match="image_size_budget_mb"):
        load({"root": str(tmp_path), "image_size_budget_mb": "big"})


def test_the_add_user_hint_fits_the_final_stage_s_base() -> None:
    from dockhand.checks.image_build import add_user_command

    alpine = parse_dockerfile(
        "ARG BASE=alpine:3.20\nFROM debian:bookworm-slim AS build\n"
        "FROM ${BASE} AS run\nFROM run AS final\n"
    )
    assert add_user_command(alpine, {}).startswith("addgroup -S")
    assert add_user_command(alpine, {"BASE": "debian:bookworm-slim"}).startswith(
        "useradd"
    )
    debian = parse_dockerfile("FROM alpine:3.20 AS tools\nFROM debian:bookworm-slim\n")
    assert add_user_command(debian, {}).startswith("useradd")


def test_swarm_compat_fails_what_a_swarm_service_cannot_do(tmp_path: Path) -> None:
    make_project(tmp_path)
    prod = service(tmp_path, **PROD_EXTRA, privileged=True, network_mode="host")
    failed = only_failure(facts_for(tmp_path, prod={"services": {"app": prod}}))
    assert failed.name == "swarm-compat"
    assert "app: privileged: privileged containers are not possible" in failed.detail
    assert "app: network_mode: network_mode has no Swarm equivalent" in failed.detail


def test_swarm_compat_warns_of_what_a_stack_drops(tmp_path: Path) -> None:
    make_project(tmp_path)
    port = {
        "target": 80,
        "published": "8080",
        "host_ip": "127.0.0.1",
        "mode": "ingress",
    }
    prod = service(tmp_path, **PROD_EXTRA, ports=[port])
    result = by_name(facts_for(tmp_path, prod={"services": {"app": prod}}))[
        "swarm-compat"
    ]
    assert result.status == WARN
    assert "app: port 8080:80 bound to 127.0.0.1 dropped" in result.detail
