"""The one byte formatter, on rich.filesize: decimal units (kB, MB, GB) as
`docker images` and `df -H` print sizes; binary ones (KiB, MiB, GiB) for
memory, as Compose's `2G` and `docker stats` mean it."""

from __future__ import annotations


def size(num_bytes: float, precision: int = 1, *, binary: bool = False) -> str:
    """1234567 -> '1.2 MB'; precision 0 -> '1 MB'; binary 2**31 -> '2 GiB'."""
    from rich import filesize

    if not binary:
        return filesize.decimal(int(num_bytes), precision=precision)
    unit, suffix = filesize.pick_unit_and_suffix(
        int(num_bytes), ["bytes", "KiB", "MiB", "GiB", "TiB", "PiB"], 1024
    )
    if unit == 1:
        return f"{int(num_bytes):,} bytes"
    shown = f"{num_bytes / unit:,.{precision}f}"
    if "." in shown:  # 1.50 -> 1.5, 2.0 -> 2; never 150 -> 15
        shown = shown.rstrip("0").rstrip(".")
    return f"{shown} {suffix}"
