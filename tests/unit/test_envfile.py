"""Env files: reading with python-dotenv, errors with lines, generation, masking."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

import pytest

from dockhand import envfile
from dockhand.errors import DockhandError

EXAMPLE = """\
# Settings for the stack; inv setup copies this file to .env.
BASE_IMAGE=debian:bookworm-slim

# Database user.
POSTGRES_USER=app
# @secret password of POSTGRES_USER.
POSTGRES_PASSWORD=change-me
BACKEND_PORT=8078
# @secret signing key
export SECRET_KEY=change-me  # replaced by inv setup

# @secret not directly above: a blank line separates it

PUBLIC_NAME=shop
DATABASE_URL="postgresql://app:${POSTGRES_PASSWORD}@db/app"
"""

TOKEN = re.compile(r"^[A-Za-z0-9_-]{43}$")


def write(path: Path, text: str, mode: int = 0o600) -> Path:
    path.write_text(text)
    path.chmod(mode)
    return path


@pytest.fixture
def example(tmp_path: Path) -> Path:
    return write(tmp_path / ".env.example", EXAMPLE, 0o644)


def counter() -> object:
    numbers = iter(range(1000))
    return lambda: f"generated{next(numbers)}"


# --- reading ------------------------------------------------------------------


def test_read_gives_dotenv_values_and_the_line_of_each_key(example: Path) -> None:
    env = envfile.read(example)
    assert env.values["POSTGRES_USER"] == "app"
    assert env.values["SECRET_KEY"] == "change-me"
    assert env.errors == ()
    lines = {e.key: e.line for e in env.entries}
    assert lines["BASE_IMAGE"] == 2
    assert lines["POSTGRES_USER"] == 5
    assert lines["SECRET_KEY"] == 10
    assert lines["PUBLIC_NAME"] == 14


LATIN1 = "A=1\n# caf\u00e9, as Latin-1 writes it\nNAME=caf\u00e9\n".encode("latin-1")


def test_a_file_that_is_not_utf8_is_named_with_its_line(tmp_path: Path) -> None:
    """python-dotenv reads UTF-8 only: a Latin-1 byte is named, not a crash."""
    path = tmp_path / ".env"
    path.write_bytes(LATIN1)
    for reading in (envfile.read, envfile.values):
        with pytest.raises(DockhandError) as raised:
            reading(path)
        assert raised.value.message == f"{path}, line 2: byte 0xE9 is not UTF-8"
        assert "save it as UTF-8" in raised.value.hint
    good = tmp_path / "good.env"
    good.write_text("A=1\nNAME=caf\u00e9\n", encoding="utf-8")
    assert envfile.values(good) == {"A": "1", "NAME": "caf\u00e9"}


def test_every_reader_of_an_env_file_goes_through_envfile_values() -> None:
    """So a file that is not UTF-8 is named wherever it is read."""
    src = Path(envfile.__file__).parents[1]
    callers = sorted(
        str(path.relative_to(src))
        for path in src.rglob("*.py")
        if "dotenv_values(" in path.read_text().replace("`dotenv_values(path)`", "")
    )
    assert callers == ["envfile/reading.py"]


def test_secret_marks_count_only_directly_above(example: Path) -> None:
    env = envfile.read(example)
    assert env.secret_keys == {"POSTGRES_PASSWORD", "SECRET_KEY"}
    assert env.entry("DATABASE_URL") is not None
    assert env.entry("DATABASE_URL").quote == '"'  # type: ignore[union-attr]


def test_a_missing_file_is_a_dockhand_error(tmp_path: Path) -> None:
    with pytest.raises(DockhandError, match="does not exist") as caught:
        envfile.read(tmp_path / ".env")
    assert "inv setup" in caught.value.hint


def test_parse_warnings_become_errors_with_file_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path / ".env", 'A=1\nB: two\nC="unclosed\nD=4\n')
    env = envfile.read(path)
    assert (env.errors[0].line, env.errors[0].key) == (2, "B")
    assert "'B: value' is not KEY=value" in env.errors[0].message
    assert any(e.line == 3 for e in env.errors)
    # python-dotenv's own warning is captured, not printed.
    captured = capsys.readouterr()
    assert "could not parse" not in captured.err + captured.out
    with pytest.raises(DockhandError) as caught:
        env.require_valid()
    assert f"{path}, line 2" in caught.value.message
    assert "B=value" in caught.value.hint


def test_no_error_for_a_clean_file(example: Path) -> None:
    envfile.read(example).require_valid()


# --- where python-dotenv and Compose disagree ---------------------------------


@pytest.mark.parametrize(
    ("line", "says"),
    [
        ("B='${A}x'", "inside single quotes"),
        ("C=$A-y", "$NAME without braces"),
        ('C2="x $A y"', "$NAME without braces"),
        ("D=${NOPE-def}", "(-, ?, :?, +, :+)"),
        ("D2=${NOPE:?required}", "(-, ?, :?, +, :+)"),
        ("D3=${NOPE:+set}", "(-, ?, :?, +, :+)"),
        ("F=a$$b", "$$ as one $"),
        ("G", "has no '='"),
    ],
)
def test_differences_name_the_line(tmp_path: Path, line: str, says: str) -> None:
    path = write(tmp_path / ".env", f"A=1\n{line}\n")
    found = envfile.differences(envfile.read(path))
    assert found, line
    assert found[0].line == 2
    assert says in found[0].message
    assert str(found[0]).startswith(".env, line 2: ")


def test_a_key_set_twice_is_named_with_both_lines(tmp_path: Path) -> None:
    path = write(tmp_path / ".env", "A=1\nB=2\nA=3\n")
    [found] = envfile.differences(envfile.read(path))
    assert found.line == 3
    assert found.message.startswith("A is set twice (lines 1 and 3)")


def test_no_differences_for_forms_both_read_alike(tmp_path: Path) -> None:
    text = "A=1\nB=${A}\nC=${A:-x}\nD='literal $A'\nE=\"${A}y\"\nexport F=2\nG=plain # note\n"
    assert envfile.differences(envfile.read(write(tmp_path / ".env", text))) == []


# --- secrets and masking ----------------------------------------------------


@pytest.mark.parametrize(
    "key", ["POSTGRES_PASSWORD", "SECRET_KEY", "api_token", "MINIO_ACCESS_KEY"]
)
def test_secret_like_keys(key: str) -> None:
    assert envfile.secret_like(key)


def test_marked_keys_are_secret_whatever_their_name() -> None:
    assert not envfile.secret_like("PUBLIC_NAME")
    assert envfile.secret_like("SALT", marked={"SALT"})


def test_generated_secrets_are_token_urlsafe_32() -> None:
    first, second = envfile.generate_secret(), envfile.generate_secret()
    assert TOKEN.match(first) and first != second


def test_redact_removes_secret_values_and_url_passwords() -> None:
    text = "url=postgresql://app:hunter2hunter2@db/app token=s3cr3t-value"
    redacted = envfile.redact(text, ["s3cr3t-value"])
    assert "s3cr3t-value" not in redacted and "hunter2" not in redacted
    assert "postgresql://app:********@db/app" in redacted
    assert envfile.mask("x") == envfile.MASK and envfile.mask("") == ""


def test_placeholders_are_marked_keys_left_as_example_or_empty(tmp_path: Path) -> None:
    path = write(tmp_path / ".env", "A=change-me\nB=\nC=real\nD=change-me\n")
    assert envfile.placeholders(envfile.read(path), {"A", "B", "C"}) == ["A", "B", "D"]


# --- creating and completing .env -------------------------------------------


def test_render_new_keeps_the_example_byte_for_byte_but_secrets(example: Path) -> None:
    rendered = envfile.render_new(envfile.read(example))
    old, new = EXAMPLE.splitlines(), rendered.splitlines()
    assert len(old) == len(new)
    changed = [(a, b) for a, b in zip(old, new, strict=True) if a != b]
    assert [a.split("=")[0] for a, _ in changed] == [
        "POSTGRES_PASSWORD",
        "export SECRET_KEY",
    ]
    for _, line in changed:
        assert TOKEN.match(line.split("=", 1)[1])
    assert "change-me" not in rendered


def test_ensure_creates_a_private_file_whatever_the_umask(
    tmp_path: Path, example: Path
) -> None:
    previous = os.umask(0)
    try:
        outcome = envfile.ensure(tmp_path / ".env", example)
    finally:
        os.umask(previous)
    env_path = tmp_path / ".env"
    assert stat.S_IMODE(env_path.stat().st_mode) == 0o600
    assert outcome.created and outcome.generated == ["POSTGRES_PASSWORD", "SECRET_KEY"]
    values = envfile.read(env_path).values
    assert TOKEN.match(values["POSTGRES_PASSWORD"] or "")
    assert values["DATABASE_URL"] == (
        f"postgresql://app:{values['POSTGRES_PASSWORD']}@db/app"
    )
    assert list(tmp_path.glob(".env.*.tmp")) == []


def test_ensure_keeps_a_complete_file_untouched(tmp_path: Path, example: Path) -> None:
    env_path = tmp_path / ".env"
    envfile.ensure(env_path, example)
    before = (
        env_path.read_bytes(),
        env_path.stat().st_mtime_ns,
        env_path.stat().st_ino,
    )
    outcome = envfile.ensure(env_path, example)
    assert not outcome.changed
    assert before == (
        env_path.read_bytes(),
        env_path.stat().st_mtime_ns,
        env_path.stat().st_ino,
    )


def test_ensure_adds_missing_keys_and_keeps_every_existing_byte(
    tmp_path: Path, example: Path
) -> None:
    existing = "POSTGRES_USER=me\nPOSTGRES_PASSWORD=mine\nEXTRA=1"  # no final newline
    env_path = write(tmp_path / ".env", existing, 0o640)
    outcome = envfile.ensure(env_path, example, generate=counter())  # type: ignore[arg-type]
    text = env_path.read_text()
    assert text.startswith(existing + "\n")
    assert outcome.added == [
        "BASE_IMAGE",
        "BACKEND_PORT",
        "SECRET_KEY",
        "PUBLIC_NAME",
        "DATABASE_URL",
    ]
    assert outcome.generated == ["SECRET_KEY"]
    assert outcome.unknown == ["EXTRA"]
    values = envfile.read(env_path).values
    assert values["POSTGRES_PASSWORD"] == "mine"
    assert values["SECRET_KEY"] == "generated0"
    assert values["BACKEND_PORT"] == "8078"
    assert "# @secret signing key\nexport SECRET_KEY=generated0\n" in text
    assert stat.S_IMODE(env_path.stat().st_mode) == 0o600


def test_ensure_tightens_a_readable_file_without_rewriting_it(
    tmp_path: Path, example: Path
) -> None:
    env_path = tmp_path / ".env"
    envfile.ensure(env_path, example)
    env_path.chmod(0o644)
    content = env_path.read_bytes()
    outcome = envfile.ensure(env_path, example)
    assert outcome.tightened and not outcome.added
    assert stat.S_IMODE(env_path.stat().st_mode) == 0o600
    assert env_path.read_bytes() == content


def test_ensure_dry_writes_nothing(tmp_path: Path, example: Path) -> None:
    outcome = envfile.ensure(tmp_path / ".env", example, dry=True)
    assert outcome.created and not (tmp_path / ".env").exists()


def test_ensure_refuses_a_malformed_env_file(tmp_path: Path, example: Path) -> None:
    env_path = write(tmp_path / ".env", "POSTGRES_USER=me\nBROKEN: yes\n")
    with pytest.raises(DockhandError, match=r"line 2"):
        envfile.ensure(env_path, example)
    assert env_path.read_text() == "POSTGRES_USER=me\nBROKEN: yes\n"


# --- the effective variables ------------------------------------------------


def test_effective_sources_shell_then_env_then_example(
    tmp_path: Path, example: Path
) -> None:
    env_path = write(tmp_path / ".env", "POSTGRES_USER=me\nBACKEND_PORT=9000\nMINE=1\n")
    variables = envfile.effective(
        [envfile.read(env_path)],
        envfile.read(example),
        {"BACKEND_PORT": "7000"},
        tmp_path,
    )
    by_key = {v.key: v for v in variables}
    assert (by_key["BACKEND_PORT"].value, by_key["BACKEND_PORT"].source) == (
        "7000",
        "shell",
    )
    assert (by_key["POSTGRES_USER"].value, by_key["POSTGRES_USER"].source) == (
        "me",
        ".env",
    )
    assert by_key["BASE_IMAGE"].source == "example"
    assert by_key["MINE"].source == ".env"
    assert by_key["POSTGRES_PASSWORD"].secret and not by_key["PUBLIC_NAME"].secret
    assert [v.key for v in variables][:2] == ["BASE_IMAGE", "POSTGRES_USER"]
    assert variables[-1].key == "MINE"


def test_effective_takes_the_first_env_file_that_sets_a_key(
    tmp_path: Path, example: Path
) -> None:
    """Compose's order: the project folder's .env, then the compose file's."""
    outer = write(tmp_path / ".env", "TAG=outer\n")
    (tmp_path / "development").mkdir()
    inner = write(tmp_path / "development" / ".env", "TAG=inner\nONLY=here\n")
    variables = envfile.effective(
        [envfile.read(outer), envfile.read(inner)], None, {}, tmp_path
    )
    assert [(v.key, v.value, v.source) for v in variables] == [
        ("TAG", "outer", ".env"),
        ("ONLY", "here", "development/.env"),
    ]


def test_a_variable_inside_the_file_takes_the_shells_value_first(
    tmp_path: Path,
) -> None:
    """As Compose fills `${BASE}` (its dotenv's lookup: the shell, then the
    lines above); python-dotenv alone takes the file's first."""
    env_path = write(tmp_path / ".env", "BASE=file\nTAG=${BASE}-1\nLATER=${BASE}\n")
    assert envfile.values(env_path, {"BASE": "shell"})["TAG"] == "shell-1"
    assert envfile.values(env_path, {})["TAG"] == "file-1"
    assert envfile.values(env_path, {})["LATER"] == "file"


def test_secret_values_lists_what_to_scrub(tmp_path: Path, example: Path) -> None:
    env_path = tmp_path / ".env"
    envfile.ensure(env_path, example)
    values = envfile.read(env_path).values
    assert set(envfile.secret_values(env_path, example)) == {
        values["POSTGRES_PASSWORD"],
        values["SECRET_KEY"],
    }
    assert envfile.secret_values(tmp_path / "missing", example) == []


def test_without_an_example_an_env_file_is_only_validated(tmp_path: Path) -> None:
    missing = tmp_path / ".env.example"
    env_path = write(tmp_path / ".env", "A=1\n", 0o644)
    outcome = envfile.ensure(env_path, missing)
    assert outcome.no_example and not outcome.changed
    assert env_path.read_text() == "A=1\n"
    write(env_path, "A: 1\n")
    with pytest.raises(DockhandError, match="line 1"):
        envfile.ensure(env_path, missing)
    env_path.unlink()
    assert envfile.ensure(env_path, missing).no_example
    assert not env_path.exists()
