"""`inv test` on the real engine: each service's own tests run in its
container (a one-off when it is not running, exec when it is), the exit
code passed through, the words after `--` passed on untouched.

A copy of the reference stack, so a failing test can be added to it.
"""

from __future__ import annotations

import json

import pytest
from harness import Stack, Stacks, output

COPIED = ("docker-compose.yml", ".env.example", "invoke.yaml", "tasks.py")

# Prints the argv the test runner got, and exits 7 when selected by name.
ARGV_TEST = """
import json, os, sys, unittest


class Argv(unittest.TestCase):
    def test_print_argv(self):
        print("ARGV=" + json.dumps(sys.argv[1:]), flush=True)

    def test_exit7(self):
        sys.stdout.flush()
        os._exit(7)
"""

FAILING_JS = """'use strict';
const test = require('node:test');
const assert = require('node:assert');
test('fails on purpose', () => assert.strictEqual(1, 2));
"""


@pytest.fixture(scope="module")
def stack(base_image: None, module_stacks: Stacks) -> Stack:
    return module_stacks.copy(COPIED, ("build",))


def running(stack: Stack) -> set[str]:
    rows = json.loads(stack.inv("ps", "--json").stdout or "[]")
    return {row["service"] for row in rows if row["state"] == "running"}


def test_the_services_own_tests_pass_in_one_off_containers(stack: Stack) -> None:
    down = stack.inv("down")  # another test of the module may have started it
    assert down.returncode == 0, output(down)
    assert "backend" not in running(stack)
    result = stack.inv("test", timeout=600)
    assert result.returncode == 0, output(result)
    assert "(in a one-off container)" in result.stderr, output(result)
    assert "Ran 3 tests" in result.stderr, output(result)  # unittest reports on stderr
    assert "# pass 2" in result.stdout, output(result)
    assert "ok tests passed" in result.stderr
    assert "backend" not in running(stack)  # run --rm: nothing left of it


def test_exit_codes_and_words_after_dashes_in_running_containers(
    stack: Stack,
) -> None:
    up = stack.inv("up")
    assert up.returncode == 0, output(up)
    tests = stack.root / "services" / "backend" / "tests"
    (tests / "test_argv.py").write_text(ARGV_TEST)
    try:
        words = ["-k", "*.test_print*argv", "-k", "a b", "-v"]
        passed = stack.inv("test", "backend", "--", *words)
        assert passed.returncode == 0, output(passed)
        assert "(in its container)" in passed.stderr, output(passed)
        argv = json.loads(passed.stdout.split("ARGV=")[1].splitlines()[0])
        assert argv[-len(words) :] == words  # untouched: no split, no glob

        seven = stack.inv("test", "backend", "--", "-k", "exit7")
        assert seven.returncode == 7, output(seven)
        assert "tests failed: backend (exit 7)" in seven.stderr, output(seven)
    finally:
        (tests / "test_argv.py").unlink()

    failing = stack.root / "services" / "backend-ts" / "tests" / "fail.test.js"
    failing.write_text(FAILING_JS)
    try:
        both = stack.inv("test")
        assert both.returncode == 1, output(both)
        assert "tests failed: backend-ts (exit 1)" in both.stderr, output(both)
        assert "Ran 3 tests" in both.stderr  # backend's still ran, and passed
    finally:
        failing.unlink()
    again = stack.inv("test", "backend-ts")
    assert again.returncode == 0, output(again)  # the removed test is gone inside too


def test_bad_requests_are_one_line(stack: Stack) -> None:
    for args, message in [
        (("test", "db"), "service 'db' has no test command"),
        (("test", "nope"), "unknown service 'nope'"),
        (("test", "--", "-v"), "arguments after -- go to one service's tests"),
    ]:
        result = stack.inv(*args)
        assert result.returncode == 1, output(result)
        assert message in result.stderr, output(result)
        assert "Traceback" not in result.stderr
