"""Progress reporting for long labelling runs.

The library reports progress by calling a function with a :class:`Progress` after each chunk; it never prints.
:class:`ProgressBar` is such a function for a terminal (the CLI uses it when stderr is a TTY).
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from typing import TextIO


@dataclass
class Progress:
    """Where a labelling run stands.

    Attributes:
        rows: rows written so far (including rows of a resumed run).
        rows_total: rows in the input when the format records it, else ``None``.
        bytes_read: input bytes consumed (compressed bytes for ``.gz``).
        bytes_total: input size in bytes.
        seconds: wall time since this run started.
        rows_this_run: rows labelled by this run (the rate is computed from these).
    """

    rows: int
    rows_total: int | None
    bytes_read: int
    bytes_total: int
    seconds: float
    rows_this_run: int

    @property
    def rate(self) -> float:
        """Rows per second of this run."""
        return self.rows_this_run / self.seconds if self.seconds > 0 else 0.0

    @property
    def fraction(self) -> float | None:
        """Share done, from rows when the total is known, else from bytes."""
        if self.rows_total:
            return min(1.0, self.rows / self.rows_total)
        if self.bytes_total and self.bytes_read:
            return min(1.0, self.bytes_read / self.bytes_total)
        return None

    @property
    def eta(self) -> float | None:
        """Seconds left, estimated from this run's pace."""
        frac = self.fraction
        if not frac or self.seconds <= 0:
            return None
        return self.seconds * (1 - frac) / frac if frac < 1 else 0.0


def _fmt_bytes(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GB"  # pragma: no cover


def _fmt_time(s: float) -> str:
    s = int(s)
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


def format_progress(p: Progress, width: int = 24) -> str:
    """One status line: bar, rows (of total), rows/s, bytes when the row count is unknown, ETA."""
    frac = p.fraction
    bar = ""
    if frac is not None:
        filled = int(round(frac * width))
        bar = "[" + "#" * filled + "." * (width - filled) + f"] {frac * 100:5.1f}% "
    rows = f"{p.rows:,} rows" if not p.rows_total else f"{p.rows:,}/{p.rows_total:,} rows"
    parts = [bar + rows, f"{p.rate:,.0f} rows/s"]
    if not p.rows_total and p.bytes_total:
        parts.append(f"{_fmt_bytes(p.bytes_read)}/{_fmt_bytes(p.bytes_total)}")
    eta = p.eta
    parts.append(f"ETA {_fmt_time(eta)}" if eta is not None else "ETA --")
    return "  ".join(parts)


class ProgressBar:
    """Draw :func:`format_progress` on one terminal line, at most every ``interval`` seconds.

    Args:
        stream: where to draw (stderr by default).
        interval: minimum seconds between redraws.
    """

    def __init__(self, stream: TextIO | None = None, interval: float = 0.2):
        self.stream = stream or sys.stderr
        self.interval = interval
        self._last = 0.0
        self._drawn = False

    def __call__(self, p: Progress) -> None:
        """Redraw the line for ``p`` (skipped when the last redraw was too recent)."""
        now = time.monotonic()
        if now - self._last < self.interval:
            return
        self._last = now
        self.stream.write("\r" + format_progress(p) + "\x1b[K")
        self.stream.flush()
        self._drawn = True

    def close(self) -> None:
        """End the progress line."""
        if self._drawn:
            self.stream.write("\n")
            self.stream.flush()
            self._drawn = False
