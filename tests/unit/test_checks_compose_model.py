"""The services of the Compose model as the checks read them."""

from __future__ import annotations

from dockhand.checks.compose_model import variables_in


def test_variables_in_an_uninterpolated_model() -> None:
    model = {
        "services": {
            "a": {
                "ports": ["${PORT:-80}:80"],
                "environment": {
                    "X": "$PLAIN",
                    "Y": "$${NOT_A_VARIABLE}",
                    "Z": "${REQ:?set it}",
                },
                "command": ["echo", "${A}${B}"],
            }
        }
    }
    assert variables_in(model) == {"PORT", "PLAIN", "REQ", "A", "B"}
