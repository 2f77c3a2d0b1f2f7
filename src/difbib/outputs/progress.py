"""A progress bar for requests to arXiv, on stderr, with the time left at arXiv's pace.

``sync`` of a long list makes many requests, spaced by arXiv's 3 seconds: a list of
3,000 papers with 500 title searches takes about half an hour. :class:`RequestBar`
shows how far it is and how long is left::

    arXiv [##########--------------------]  180/530 requests, about 17 min 30 s left

The estimate is the requests left times the time per request so far, and never less
than the delay between requests. On a terminal the bar is redrawn in place and
messages are printed above it; otherwise (a log file, a CI job) a line is printed at
each tenth of the way.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TextIO


def duration(seconds: float) -> str:
    """``2 h 05 min``, ``17 min 30 s``, ``42 s``."""
    seconds = int(round(seconds))
    if seconds >= 3600:
        return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"
    if seconds >= 60:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds} s"


class RequestBar:
    """A bar over a number of requests that may grow while they are made."""

    def __init__(
        self,
        stream: TextIO,
        *,
        delay: float,
        width: int = 30,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.stream = stream
        self.delay = delay
        self.width = width
        self.clock = clock
        self.total = 0
        self.done = 0
        self.started: float | None = None
        self.live = bool(getattr(stream, "isatty", lambda: False)())
        self._shown_tenth = -1

    def plan(self, total: int) -> None:
        """There are ``total`` requests in all (called again when the plan grows)."""
        self.total = max(total, self.done)
        if self.started is None and self.total:
            self.started = self.clock()
            self._draw()

    def step(self) -> None:
        """One request is done."""
        self.done += 1
        self.total = max(self.total, self.done)
        self._draw()

    def message(self, text: str) -> None:
        """A message for the user, above the bar."""
        if self.live and self.started is not None and self.done < self.total:
            self.stream.write("\r\x1b[K" + text + "\n")
            self._draw(force=True)
        else:
            self.stream.write(text + "\n")
        self.stream.flush()

    def seconds_left(self) -> float:
        left = self.total - self.done
        if not left:
            return 0.0
        pace = self.delay
        if self.done and self.started is not None:
            pace = max(pace, (self.clock() - self.started) / self.done)
        return left * pace

    def line(self) -> str:
        filled = self.width * self.done // self.total if self.total else self.width
        bar = "#" * filled + "-" * (self.width - filled)
        text = f"arXiv [{bar}] {self.done:>{len(str(self.total))}}/{self.total} requests"
        if self.done < self.total:
            text += f", about {duration(self.seconds_left())} left"
        else:
            text += ", done"
        return text

    def _draw(self, force: bool = False) -> None:
        if not self.total:
            return
        if self.live:
            end = "\n" if self.done >= self.total else ""
            self.stream.write("\r\x1b[K" + self.line() + end)
        else:
            tenth = 10 * self.done // self.total
            if tenth == self._shown_tenth and not force:
                return
            self._shown_tenth = tenth
            self.stream.write(self.line() + "\n")
        self.stream.flush()
