"""The progress line of a database run: rows done of all, rows a second, time left.

Drawn on stderr only when it is a terminal (a log or a pipe gets the summary alone), at most a
few times a second so drawing costs nothing next to the rows.
"""

from __future__ import annotations

import time
from typing import IO

REDRAW_S = 0.2
WIDTH = 30


class RowBar:
    def __init__(self, total: int, stream: IO[str], enabled: bool, clock=time.monotonic) -> None:
        self.total, self.stream, self.clock = total, stream, clock
        self.enabled = enabled and stream.isatty()
        self.done = 0
        self.started = self.drawn_at = clock()
        self.shown = False

    def advance(self, rows: int) -> None:
        self.done += rows
        now = self.clock()
        if self.enabled and (now - self.drawn_at >= REDRAW_S or self.done >= self.total):
            self.drawn_at = now
            self.stream.write("\r" + self.line(now))
            self.stream.flush()
            self.shown = True

    def line(self, now: float) -> str:
        """`[#####.....] 120,000/1,000,000 rows  8,512 rows/s  ETA 1:43`."""
        total = max(self.total, self.done, 1)
        filled = WIDTH * self.done // total
        rate = self.done / max(now - self.started, 1e-9)
        left = (total - self.done) / rate if rate > 0 else None
        eta = "--:--" if left is None else _clock_time(left)
        return (f"[{'#' * filled}{'.' * (WIDTH - filled)}] {self.done:,}/{total:,} rows  "
                f"{rate:,.0f} rows/s  ETA {eta}")

    def clear(self) -> None:
        """Wipe the line so a message printed next starts at its beginning; the next step redraws it."""
        if self.enabled and self.shown:
            self.stream.write("\r" + " " * 80 + "\r")
            self.stream.flush()
            self.shown = False

    def close(self) -> None:
        self.clear()


def _clock_time(seconds: float) -> str:
    seconds = int(seconds + 0.5)
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"
