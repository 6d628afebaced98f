"""The checks of the env files: the example documents every variable the
compose files use (`inv doctor` and `inv check`), and the env file is
present, parseable, complete, has no placeholder secret and is private
(`inv doctor`)."""

from __future__ import annotations

from pathlib import Path

from dockhand import envfile
from dockhand.checks.facts import Facts
from dockhand.checks.result import (
    Check,
    Problem,
    failed,
    passed,
    skipped,
    skipped_for,
    warned,
)
from dockhand.config.checkout import OWN_KEYS  # the keys inv setup writes itself
from dockhand.errors import DockhandError


def check_env_example(facts: Facts) -> Check:
    """The example exists, parses, and lists every variable the compose files
    use. A project without env files (its variables from the shell) is a
    skip, for doctor and check alike."""
    name = "env example"
    example_path, env_path = facts.env_example, facts.env_file
    where = facts.rel(example_path)
    if not example_path.is_file():
        used = facts.variables if isinstance(facts.variables, set) else set()
        uses = f"; the compose files use {', '.join(sorted(used))}" if used else ""
        if not env_path.is_file():
            return skipped(
                name,
                f"neither {env_path.name} nor {example_path.name} exists "
                f"(a project without env files){uses}",
            )
        return warned(
            name,
            f"{where} does not exist: {env_path.name} cannot be checked for "
            f"missing keys or placeholder secrets{uses}",
            "commit an example listing every variable the compose files use "
            "(dockhand.env_example)",
        )
    try:
        example = envfile.read(example_path)
    except DockhandError as exc:
        return failed(name, exc.message, "restore it from git")
    if example.errors:
        return failed(name, str(example.errors[0]), "fix that line (git diff shows it)")
    variables = facts.variables
    if isinstance(variables, Problem):
        return skipped_for(name, variables)
    missing = sorted(variables - set(example.values))
    if missing:
        return failed(
            name,
            f"used by the compose files but not in {where}: {', '.join(missing)}",
            f"add {', '.join(missing)} to {where}, each with a comment "
            "(and a `# @secret` line above a secret)",
        )
    return passed(name, f"all {len(variables)} variables are in {where}")


def check_env_file(facts: Facts) -> list[Check]:
    return env_checks(facts.env_file, facts.env_example)


def _example(example_path: Path) -> envfile.EnvFile | None:
    """The example as far as it reads (its own problems are `env example`'s)."""
    try:
        return envfile.read(example_path) if example_path.is_file() else None
    except DockhandError:
        return None


def env_checks(env_path: Path, example_path: Path) -> list[Check]:
    """Present, parseable, complete, no placeholder secret, private."""
    checks: list[Check] = []
    found = _example(example_path)
    if not example_path.exists() and not env_path.exists():
        return [
            skipped(
                "env file",
                f"neither {env_path.name} nor {example_path.name} exists "
                "(a project without env files)",
            )
        ]
    example = found or envfile.EnvFile(example_path, "", {}, ())
    if not env_path.exists():
        checks.append(
            failed(
                "env file",
                f"{env_path} does not exist",
                f"run `inv setup` (creates it from {example_path.name} with generated secrets)",
            )
        )
        return checks
    try:
        env = envfile.read(env_path)
    except DockhandError as exc:
        return [*checks, failed("env file", exc.message, exc.hint)]
    checks.append(passed("env file", f"{env_path}"))

    if env.errors:
        first = env.errors[0]
        checks.append(
            failed(
                "env syntax",
                f"{env_path}, line {first.line}: {first.message}"
                f"{envfile.and_more(env.errors)}",
                envfile.fix_for(first),
            )
        )
    else:
        notes = envfile.differences(env)
        if notes:
            checks.append(
                warned(
                    "env syntax",
                    f"{notes[0]}{envfile.and_more(notes)}",
                    "`inv env` lists every line Compose reads differently",
                )
            )
        else:
            checks.append(passed("env syntax", "every line is KEY=value"))

    missing = [k for k in example.keys if k not in env.values]
    unknown = [k for k in env.keys if k not in example.values and k not in OWN_KEYS]
    if found is None:
        checks.append(
            skipped(
                "env complete", f"no {example_path.name} to compare (see env example)"
            )
        )
    elif missing:
        checks.append(
            failed(
                "env complete",
                f"missing from {env_path.name}: {', '.join(missing)}",
                "run `inv setup` (adds them, generating secrets), or copy them "
                f"from {example_path.name}",
            )
        )
    elif unknown:
        checks.append(
            warned(
                "env complete",
                f"not in {example_path.name}: {', '.join(unknown)}",
                "a typo? otherwise add them to the example for the next developer",
            )
        )
    else:
        checks.append(
            passed("env complete", f"every key of {example_path.name} is set")
        )

    left = envfile.placeholders(env, example.secret_keys)
    if left:
        checks.append(
            failed(
                "env secrets",
                f"placeholder or empty secret: {', '.join(left)}",
                f"delete those lines from {env_path.name} and run `inv setup` to "
                "generate them (a database created with the old password needs "
                "`inv down --volumes` first)",
            )
        )
    else:
        secret = sorted(example.secret_keys)
        checks.append(
            passed(
                "env secrets", f"set: {', '.join(secret)}" if secret else "none marked"
            )
        )

    mode = env_path.stat().st_mode & 0o777
    if envfile.readable_by_others(env_path):
        checks.append(
            failed(
                "env permissions",
                f"{env_path.name} is mode {mode:04o}: other users can read its secrets",
                f"chmod 600 {env_path}",
            )
        )
    else:
        checks.append(passed("env permissions", f"mode {mode:04o}"))
    return checks
