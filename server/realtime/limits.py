"""Per-user rate limiting for socket messages: a token bucket kept in this process."""

from __future__ import annotations

import threading
import time


class TokenBucket:
    """Allows ``rate`` actions a second per key on average, with bursts up to ``burst``."""

    def __init__(self, rate: float, burst: float | None = None) -> None:
        self.rate = rate
        self.burst = burst if burst is not None else rate
        self._state: dict[object, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def allow(self, key: object) -> bool:
        now = time.monotonic()
        with self._lock:
            tokens, last = self._state.get(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            if tokens < 1:
                self._state[key] = (tokens, now)
                return False
            self._state[key] = (tokens - 1, now)
            return True

    def forget(self, key: object) -> None:
        """Drop what is kept for ``key`` (a closed connection), so the table does not grow with every one."""
        with self._lock:
            self._state.pop(key, None)

    def retry_after(self, key: object) -> float:
        """Seconds until ``key`` may act again (0 when it may now); what a refused client waits before resending."""
        now = time.monotonic()
        with self._lock:
            tokens, last = self._state.get(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
        return 0.0 if tokens >= 1 else (1 - tokens) / self.rate
