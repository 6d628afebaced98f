"""`inv logs` on the running reference stack: every service, and its options."""

from __future__ import annotations

from harness import Stack, output


def test_logs_of_all_services_and_options(running: Stack) -> None:
    result = running.inv("logs", "--tail", "3", "--timestamps", "--since", "1h")
    assert result.returncode == 0, output(result)
    services = {
        line.split()[0].rsplit("-", 1)[0]
        for line in result.stdout.splitlines()
        if line.strip()
    }
    assert {"db", "backend", "backend-ts"} <= services
    assert "T" in result.stdout.splitlines()[0]  # an RFC 3339 timestamp
