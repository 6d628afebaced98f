"""A small project tree for the checks of `inv check`: one service, services/app,
good in every way until a test breaks one thing, and every fact passed in."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from dockhand.checks import registry
from dockhand.checks.facts import Engine
from dockhand.checks.registry import FAIL, Check, Facts, Processes
from dockhand.config.settings import load
from dockhand.docker import model
from dockhand.docker.compose import ComposeCli
from dockhand.docker.image import image_of
from dockhand.docker.process import Runner
from dockhand.session import Session

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


ENGINES = Path(__file__).parent / "data" / "engines"


def recorded_engine(name: str) -> Engine:
    """An engine as it answered: version and info JSON recorded from Docker
    20.10.24, rootless Docker 28.5.2 and Podman 5.8.6 (data/engines/)."""
    found = json.loads((ENGINES / f"{name}.json").read_text())
    return Engine(None, found["version"], "unix:///lab.sock", found["info"])  # type: ignore[arg-type]


def dev_model(root: Path) -> dict[str, Any]:
    """The dev model facts_for passes in, as Compose prints it: a test
    changes it, then passes it as `dev=`."""
    return {"services": {"app": service(root)}}


def facts_for(root: Path, budget_mb: float = 350, **overrides: Any) -> Facts:
    """Every fact `inv check` reads, passed in: nothing is probed."""
    dev = dev_model(root)
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
    for key in ("dev", "prod"):  # the models as Compose prints them, parsed
        if isinstance(values[key], dict):
            values[key] = model.parse(values[key])
    if isinstance(values["images"], dict):  # as the engine inspects them, parsed
        values["images"] = {
            name: None if attrs is None else image_of(attrs)
            for name, attrs in values["images"].items()
        }
    settings = load(
        {"root": str(root), "project": "p", "image_size_budget_mb": budget_mb}
    )
    return Facts(settings, **values)


def by_name(facts: Facts) -> dict[str, Check]:
    return {r.name: r for r in registry.run(registry.CHECK, facts)}


def only_failure(facts: Facts) -> Check:
    """The one failing check (asserting it is the only one)."""
    failed = [r for r in registry.run(registry.CHECK, facts) if r.status == FAIL]
    assert len(failed) == 1, [(r.name, r.detail) for r in failed]
    assert failed[0].fix, "every failure says how to fix it"
    return failed[0]


def script(folder: Path, name: str, body: str) -> Path:
    path = folder / name
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(0o755)
    return path


def facts(root: Path, environ: dict[str, str] | None = None, **section: Any) -> Facts:
    """Facts probed for real, for a project at `root`."""
    settings = load({"root": str(root), **section})
    return Facts(settings, Session(settings, Runner()), environ or {})


def never(*_: Any) -> Any:
    raise AssertionError("must not connect")


MODEL: dict[str, Any] = {
    "services": {
        "backend": {
            "build": {"context": ".", "args": {"BASE_IMAGE": "debian:custom"}},
            "ports": [
                {"target": 8078, "published": "8078", "protocol": "tcp"},
            ],
        },
        "db": {
            "build": {"context": "db"},
            "ports": [
                {
                    "target": 5432,
                    "published": "5432",
                    "host_ip": "127.0.0.1",
                    "protocol": "tcp",
                },
                {"target": 53, "published": "5353", "protocol": "udp"},
            ],
        },
        "cache": {
            "image": "redis:7",
            "ports": [{"target": 1, "published": "7000-7001"}],
        },
    }
}
