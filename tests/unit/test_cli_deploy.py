"""--stack-file, checked in one place before anything runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from dockhand.cli.deploy import stack_file_path
from dockhand.errors import DockhandError


def test_a_file_in_a_folder_that_exists_is_taken(tmp_path: Path) -> None:
    assert stack_file_path(None) is None
    assert stack_file_path(str(tmp_path / "stack.yml")) == tmp_path / "stack.yml"


@pytest.mark.parametrize(
    ("value", "said"),
    [
        ("", "--stack-file is empty"),
        (" ", "--stack-file is empty"),
        ("{tmp}", "--stack-file {tmp} is a folder"),
        ("{tmp}/no/stack.yml", "--stack-file {tmp}/no/stack.yml: there is no folder"),
    ],
)
def test_an_empty_value_a_folder_or_no_folder_is_one_line(
    tmp_path: Path, value: str, said: str
) -> None:
    with pytest.raises(DockhandError) as caught:
        stack_file_path(value.format(tmp=tmp_path))
    assert caught.value.message.startswith(said.format(tmp=tmp_path))
