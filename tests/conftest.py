"""What every test starts from: the tree under test, and a shell that does
not change what Compose or dockhand sees.

Compose prefers the shell's variables to the env file, so a `BACKEND_PORT`
or `COMPOSE_PROFILES` exported by the developer would change what the tests
run; Invoke reads `INVOKE_*`. They are removed before any test (or any `inv`
a test starts) reads them. DOCKER_HOST and DOCKER_CONTEXT stay: they say
where the engine is.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_COMPOSE_FILES = ("*.yml", "*.yaml", "tests/integration/projects/*/*.yaml")
_READ_BY_TOOLS = ("COMPOSE_", "INVOKE_", "DOCKHAND_", "FORCE_COLOR")


def variables_the_stacks_read() -> set[str]:
    """Every key of .env.example and every ${VAR} a compose file interpolates."""
    names = set(
        re.findall(r"^(\w+)=", (ROOT / ".env.example").read_text(), re.MULTILINE)
    )
    for pattern in _COMPOSE_FILES:
        for path in ROOT.glob(pattern):
            names.update(re.findall(r"\$\{?(\w+)", path.read_text()))
    return names


def pytest_configure(config: pytest.Config) -> None:
    stack_variables = variables_the_stacks_read()
    for name in list(os.environ):
        if name.startswith(_READ_BY_TOOLS) or name in stack_variables:
            del os.environ[name]
    # Every `python -m invoke` a test starts imports this tree, not another
    # checkout's dockhand installed somewhere on the machine.
    src = str(ROOT / "src")
    os.environ["PYTHONPATH"] = os.pathsep.join(
        [src, *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    )
    # dockhand's cache (Compose's answers, checkouts, locks) in a folder of
    # this run's, never the user's ~/.cache/dockhand; a test that needs its
    # own still sets DOCKHAND_CACHE_DIR for its stack.
    os.environ["DOCKHAND_CACHE_DIR"] = tempfile.mkdtemp(prefix="dockhand-test-cache-")
    # No router (`inv up`'s http://SERVICE.CHECKOUT.localhost): it is one per
    # engine on the host's port 80, shared with the developer's own stacks.
    # The tests of the router (test_steps_router.py, integration/test_urls.py)
    # each name a router of their own, on ports of their own.
    os.environ["DOCKHAND_ROUTER"] = "off"
    # A run started in the background by a non-interactive shell (`cmd &`)
    # has SIGINT ignored (POSIX), and every `inv` it starts would inherit
    # that: the Ctrl-C tests would see a Ctrl-C do nothing. A terminal's
    # Ctrl-C is what they test.
    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


def pytest_unconfigure(config: pytest.Config) -> None:
    shutil.rmtree(os.environ.pop("DOCKHAND_CACHE_DIR", ""), ignore_errors=True)
