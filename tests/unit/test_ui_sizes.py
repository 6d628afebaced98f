"""The one byte formatter."""

from __future__ import annotations

import pytest

from dockhand.ui import sizes


@pytest.mark.parametrize(
    ("num", "precision", "binary", "shown"),
    [
        (1, 1, False, "1 byte"),
        (999, 1, False, "999 bytes"),
        (1_500, 1, False, "1.5 kB"),
        (84_512_345_678, 1, False, "84.5 GB"),
        (400_000_000, 0, False, "400 MB"),
        (2 * 1024**3, 1, True, "2 GiB"),  # Compose's `memory: 2G`
        (1536 * 1024**2, 1, True, "1.5 GiB"),
        (512, 1, True, "512 bytes"),
        (150 * 1024**2, 0, True, "150 MiB"),  # no zero of the number stripped
        (100 * 1024**2, 1, True, "100 MiB"),
        (int(2.05 * 1024**3), 2, True, "2.05 GiB"),
    ],
)
def test_sizes(num: int, precision: int, binary: bool, shown: str) -> None:
    assert sizes.size(num, precision, binary=binary) == shown
