"""What is made from a stored document, kept by the document's digest.

Stored documents never change (they are stored by their SHA-256), so what is made from one (a parsed tree, its
text by provision, its HTML) stays right for as long as it is kept; only memory bounds how many are.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

Made = TypeVar("Made")


class KeptByDigest(Generic[Made]):
    """The last ``size`` things made, by digest, the least recently used going first."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._kept: OrderedDict[str, Made] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, digest: str, make: Callable[[], Made]) -> Made:
        """The thing kept for ``digest``, made by ``make`` when it is not (outside the lock: making may take
        seconds, and two requests making the same thing at once only do the work twice)."""
        with self._lock:
            kept = self._kept.get(digest)
            if kept is not None:
                self._kept.move_to_end(digest)
                return kept
        made = make()
        with self._lock:
            self._kept[digest] = made
            while len(self._kept) > self.size:
                self._kept.popitem(last=False)
        return made

    def clear(self) -> None:
        with self._lock:
            self._kept.clear()
