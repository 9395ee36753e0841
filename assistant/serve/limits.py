"""What one request and one token may ask: body size, question length, requests per minute."""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    max_body: int = 64 * 1024  # bytes of a request body
    max_question: int = 1000  # characters of a question (and of each earlier turn's)
    max_turns: int = 50  # earlier turns sent with a question
    per_minute: int = 60  # requests per token per minute (every endpoint but /health)


class RateLimiter:
    """A sliding one-minute window of request times per user: ``allow(name)`` says whether one more
    may go now, and if not, after how many seconds (thread-safe)."""

    def __init__(self, per_minute: int, window: float = 60.0):
        self.per_minute, self.window = per_minute, window
        self._times: dict[str, deque] = {}
        self._lock = threading.Lock()

    def allow(self, name: str) -> tuple[bool, float]:
        now = time.monotonic()
        with self._lock:
            times = self._times.setdefault(name, deque())
            while times and now - times[0] >= self.window:
                times.popleft()
            if len(times) >= self.per_minute:
                return False, max(0.0, self.window - (now - times[0]))
            times.append(now)
            return True, 0.0
