"""Trailing service names (`inv logs backend backend-ts`): the one place that
reads Invoke's parser from the call stack.

Why the stack: Invoke has neither optional nor repeated positional arguments
(pyinvoke/invoke#159, #378), and `inv` is Invoke's own program (`dockhand`
is Invoke's Program too, with its parser untouched), so dockhand owns no
parser; it owns only the Argument objects its tasks hand over. Invoke's
ParseMachine asks an argument the same question, `value is None`, in two
places: while handling a bare word ("does this task still want a
positional? then this word is it") and when the task's words end ("a
positional is still missing: error"). The first must hear yes for every
word, the second no, and nothing but the caller tells them apart.

A word that looks like an option is never offered: Invoke then reads it as a
core flag (`inv logs --help`) or says, as for any task, "No idea what
'--frobnicate' is!" (it used to become a service named '--frobnicate').

What this relies on: the ParseMachine methods that place a word are
`handle(self, token)` and `see_positional_arg` (unchanged from Invoke 1.0 to
3.0.3, the newest at the time of writing). Their code objects are compared,
not their names, so a renamed method fails loudly at import, not silently at
parse time; handle's word is its first parameter, found by position.
scripts/invoke-range runs tests/unit/test_cli_positional.py against the lowest
and newest Invoke that pyproject.toml admits.
"""

from __future__ import annotations

import sys
from types import CodeType, FrameType, FunctionType
from typing import Any

from invoke.parser.argument import Argument
from invoke.parser.parser import ParseMachine


def _codes(*names: str) -> frozenset[CodeType]:
    """The code of ParseMachine's methods (and property getters) by name."""
    found = set()
    for name in names:
        member = vars(ParseMachine)[name]  # KeyError: Invoke renamed it
        function = member.fget if isinstance(member, property) else member
        if isinstance(function, FunctionType):
            found.add(function.__code__)
    return frozenset(found)


# Every ParseMachine method: the nearest one on the stack is the asker.
_MACHINE = _codes(*vars(ParseMachine))
_PLACING = _codes("see_positional_arg")
(_HANDLE,) = _codes("handle")


def parser_is_placing_a_word() -> bool:
    """True when the nearest ParseMachine method on the stack places a word,
    and that word does not look like an option: Invoke itself then reads it
    as a core flag (`inv logs --help`) or says it has no idea what it is."""
    frame: FrameType | None = sys._getframe(1)
    while frame is not None:
        if frame.f_code is _HANDLE:
            return not _word_in(frame).startswith("-")
        if frame.f_code in _MACHINE:
            return frame.f_code in _PLACING
        frame = frame.f_back
    return False  # not asked by the parser: the task's kwargs, help, completion


def _word_in(frame: FrameType) -> str:
    """The word `handle(self, token)` is handling: its first parameter,
    found by position, not by name."""
    return str(frame.f_locals[frame.f_code.co_varnames[1]])


class ServicesArgument(Argument):
    """A trailing positional that collects every bare word given to it."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.collected: list[str] = []

    @property
    def value(self) -> Any:
        # None tells the parser "missing, give me the next word"; everyone
        # else (the end-of-task check, the task's kwargs) sees the words.
        return None if parser_is_placing_a_word() else list(self.collected)

    @value.setter
    def value(self, word: str) -> None:
        self.set_value(word)

    def set_value(self, value: Any, cast: bool = True) -> None:
        self.raw_value = value
        self.collected.append(str(value))

    @property
    def got_value(self) -> bool:
        return bool(self.collected)
