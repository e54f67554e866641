"""A one-line progress display for :meth:`cyclecloud.client.Cluster.wait` (no dependencies).

On a terminal the line is rewritten in place; on anything else (a pipe, a log file) a new line
is written only when the counts change, so logs stay short.
"""

from __future__ import annotations

import sys as _sys
from typing import Any as _Any
from typing import Protocol as _Protocol

__all__ = ["STATUS_ORDER", "TextProgress", "TextStream", "format_counts"]


class TextStream(_Protocol):
    """What a progress line is written to: ``sys.stderr``, an open text file, ``io.StringIO``."""

    def write(self, text: str, /) -> object: ...

    def flush(self) -> object: ...

STATUS_ORDER = (
    "Off",
    "Acquiring",
    "Preparing",
    "Ready",
    "Stopping",
    "Deallocated",
    "Terminating",
    "Terminated",
    "removed",
    "Failed",
)
"""The order in which statuses are listed: the node lifecycle, then anything else A-Z."""

_BAR_WIDTH = 20


def format_counts(counts: dict[str, int]) -> str:
    """``{"Ready": 1, "Acquiring": 2}`` → ``"Acquiring 2, Ready 1"`` in lifecycle order."""

    def rank(status: str) -> tuple[int, str]:
        try:
            return (STATUS_ORDER.index(status), status)
        except ValueError:
            return (len(STATUS_ORDER), status)

    return ", ".join(f"{status} {counts[status]}" for status in sorted(counts, key=rank))


class TextProgress:
    """Write the progress summaries of a wait to a text stream.

    Arguments:
        stream: where to write; default ``sys.stderr`` (looked up when writing).
        label: what is being waited for, e.g. ``"htc"``; shown first on the line.
    """

    def __init__(self, stream: TextStream | None = None, label: str = "") -> None:
        self._stream = stream
        self._label = label
        self._last = ""
        self._open_line = False

    @property
    def stream(self) -> TextStream:
        return self._stream if self._stream is not None else _sys.stderr

    def _tty(self) -> bool:
        isatty = getattr(self.stream, "isatty", None)
        try:
            return bool(isatty()) if isatty is not None else False
        except (OSError, ValueError):
            return False

    def line(self, summary: dict[str, _Any]) -> str:
        """The text shown for one summary (see ``Cluster.wait`` for its keys)."""
        total = int(summary["total"])
        reached = int(summary["reached"])
        filled = _BAR_WIDTH if total == 0 else (_BAR_WIDTH * reached) // total
        bar = "#" * filled + "." * (_BAR_WIDTH - filled)
        counts = format_counts(summary["counts"]) or "no nodes"
        prefix = f"{self._label}: " if self._label else ""
        return (
            f"{prefix}[{bar}] {reached}/{total} {summary['until']}  ({counts})"
            f"  {summary['elapsed']:.1f}s"
        )

    def __call__(self, summary: dict[str, _Any]) -> None:
        stream = self.stream
        text = self.line(summary)
        done = bool(summary.get("done"))
        if self._tty():
            stream.write("\r\x1b[K" + text + ("\n" if done else ""))
            self._open_line = not done
        else:
            # Without a terminal, one line per change (ignoring the elapsed time).
            key = text.rsplit("  ", 1)[0]
            if key != self._last:
                stream.write(text + "\n")
            self._last = key
        stream.flush()

    def close(self) -> None:
        """End an unfinished in-place line (after an error), so later output starts cleanly."""
        if self._open_line:
            self.stream.write("\n")
            self.stream.flush()
            self._open_line = False
