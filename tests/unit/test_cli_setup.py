"""The setup tasks' wiring: one-line docs, help for every option."""

from __future__ import annotations

from pathlib import Path


def test_setup_doctor_and_env_are_tasks_with_help_for_every_option() -> None:
    from dockhand import namespace

    ns = namespace(Path(__file__).parent)
    for name, options in {
        "setup": {"timeout", "name", "new_ports", "data_from"},
        "doctor": {"json"},
        "env": {"show_secrets", "json"},
    }.items():
        task = ns.tasks[name]
        assert task.__doc__ and len(task.__doc__.strip().splitlines()) == 1
        assert set(task.help) == options
