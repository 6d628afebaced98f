"""config/invoke_file.py: a key added to invoke.yaml's dockhand section as
text, comments kept, or None where that is not safe."""

from __future__ import annotations

from dockhand.config.invoke_file import with_key

FILE = """# the project's settings
dockhand:
  # which files
  compose_files: [docker-compose.yml]
  services:
    backend: {shell: bash}
run:
  echo: true
"""


def test_the_key_goes_first_in_the_section_and_comments_stay() -> None:
    assert with_key(FILE, "trust", "true") == FILE.replace(
        "dockhand:\n", "dockhand:\n  trust: true\n"
    )


def test_a_file_without_the_section_or_any_text_gets_one() -> None:
    assert with_key("run:\n  echo: true", "trust", "true") == (
        "run:\n  echo: true\ndockhand:\n  trust: true\n"
    )
    assert with_key("", "trust", "true") == "dockhand:\n  trust: true\n"
    assert with_key("dockhand:\n", "trust", "true") == "dockhand:\n  trust: true\n"
    assert with_key("dockhand:  # ours\nrun: {}\n", "trust", "true") == (
        "dockhand:  # ours\n  trust: true\nrun: {}\n"
    )


def test_what_cannot_be_edited_safely_is_left_to_the_person() -> None:
    assert with_key("dockhand: {project: p}\n", "trust", "true") is None
    assert with_key("dockhand:\n  trust: false\n", "trust", "true") is None
    assert with_key('{"dockhand": {"project": "p"}}', "trust", "true") is None
    assert with_key("dockhand: [\n", "trust", "true") is None
    assert with_key("- a list\n", "trust", "true") is None
