"""A one-line progress bar on stderr for batch runs.

Hand-written (about forty lines) rather than a tqdm dependency: we need one
bar with a per-image sub-fraction, redrawn in place on a terminal and
reduced to one line per finished image when stderr is a file or a pipe.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

_MIN_INTERVAL = 0.1  # seconds between redraws on a terminal


class ProgressBar:
    """``[#####.....] 3/10  name: solving 42%`` on a terminal; plain lines otherwise."""

    def __init__(self, total: int, stream: TextIO | None = None, width: int = 28,
                 enabled: bool = True) -> None:
        self.total = max(1, total)
        self.stream = stream if stream is not None else sys.stderr
        self.width = width
        self.enabled = enabled
        self.live = enabled and hasattr(self.stream, "isatty") and self.stream.isatty()
        self._last_draw = 0.0
        self._last_len = 0

    def update(self, done: int, label: str, fraction: float = 0.0, message: str = "") -> None:
        """Item ``done`` (0-based count of finished items) is ``fraction`` of the way."""
        if not self.live:
            return
        now = time.monotonic()
        if now - self._last_draw < _MIN_INTERVAL:
            return
        self._last_draw = now
        overall = min(1.0, (done + max(0.0, min(1.0, fraction))) / self.total)
        filled = int(round(overall * self.width))
        bar = "#" * filled + "." * (self.width - filled)
        text = f"[{bar}] {done}/{self.total}  {label}"
        if message:
            text += f": {message} {fraction:.0%}"
        self._write("\r" + text.ljust(self._last_len))
        self._last_len = len(text)

    def item_done(self, done: int, label: str, status: str) -> None:
        """Report a finished item (``done`` counts it)."""
        if not self.enabled:
            return
        if self.live:
            self._write("\r" + " " * self._last_len + "\r")
            self._last_len = 0
            self._last_draw = 0.0
        self._write(f"[{done}/{self.total}] {label}: {status}\n")

    def _write(self, text: str) -> None:
        self.stream.write(text)
        self.stream.flush()
