"""Doctor's checks of the env file: present, parseable, complete, no
placeholder secret, private."""

from __future__ import annotations

from pathlib import Path

from dockhand import envfile
from dockhand.doctor.check import Check, failed, passed, skipped, warned
from dockhand.errors import DockhandError


def env_checks(env_path: Path, example_path: Path) -> list[Check]:
    """Present, parseable, complete, no placeholder secret, private."""
    checks: list[Check] = []
    if not example_path.exists():
        if not env_path.exists():
            return [
                skipped(
                    "env file",
                    f"neither {env_path.name} nor {example_path.name} exists "
                    "(a project without env files)",
                )
            ]
        checks.append(
            warned(
                "env example",
                f"{example_path} does not exist: {env_path.name} cannot be checked "
                "for missing keys or placeholder secrets",
                "commit an example listing every variable (dockhand.env_example)",
            )
        )
    try:
        example = (
            envfile.read(example_path)
            if example_path.exists()
            else envfile.EnvFile(example_path, "", {}, ())
        )
    except DockhandError as exc:
        return [failed("env example", exc.message, "restore it from git")]
    if example.errors:
        first = example.errors[0]
        checks.append(
            failed("env example", str(first), "fix that line (git diff shows it)")
        )
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
    unknown = [k for k in env.keys if k not in example.values]
    if not example_path.exists():
        checks.append(skipped("env complete", f"no {example_path.name} to compare"))
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
