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



# The most bytes JSON may spend on one character: an astral one, counted once by the server, is a surrogate pair
# escaped as two "\uXXXX" by an ASCII-only encoder (Python's json, for one).
_JSON_BYTES_PER_CHAR = 12
# Room for what a message carries beside its longest string field (an insert's heading, number and name; eIds,
# wIds, an op id), in characters: each of those has its own, much smaller, limit.
_OTHER_FIELDS_CHARS = 4096


def transport_bytes(max_field_chars: int) -> int:
    """The bound on one Socket.IO message in bytes, from the longest string field a handler takes (in characters).

    Above it the transport drops the message (or closes the connection) before any handler runs, so no ack can
    say why. It is set so that every message whose fields are within their limits, however a client encodes them,
    reaches its handler, which refuses a field that is too long with a reason (``payload_too_large``); it stays a
    hard bound against a client that sends more.
    """
    return (max_field_chars + _OTHER_FIELDS_CHARS) * _JSON_BYTES_PER_CHAR
