"""tests/helpers.py's own rule: which values of CI make a missing engine a
failure instead of a skip."""

from __future__ import annotations

import pytest

from helpers import is_ci


@pytest.mark.parametrize("value", ["true", "1", "yes", "TRUE", "github", " true "])
def test_any_value_of_ci_is_ci(value: str) -> None:
    assert is_ci(value)


@pytest.mark.parametrize("value", [None, "", "0", "false", "False", " FALSE "])
def test_unset_empty_0_and_false_are_not_ci(value: str | None) -> None:
    assert not is_ci(value)
