"""`EidIndex`: elements found by eId in logarithmic time, at about 80 bytes per element.

A dict from eId to element costs some 170 bytes per entry (the eId string, the element proxy, the slot),
which for a 12,000-section bill is as much as a tenth of the parsed tree. The index keeps instead a sorted
array of the eIds' hashes, a parallel array of positions, and the element proxies themselves (what a lookup
has to return); the eId strings stay in the tree, and a lookup compares the element's own eId with the one
asked for, so equal hashes of different eIds are told apart.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Iterable, Iterator

from lxml import etree

__all__ = ["EidIndex"]

_MASK = (1 << 64) - 1


def _key(eid: str) -> int:
    return hash(eid) & _MASK


class EidIndex:
    """eId → element for elements of one tree. The caller adds and discards elements as eIds change."""

    __slots__ = ("_elements", "_free", "_keys", "_slots")

    def __init__(self, elements: Iterable[etree._Element] = ()) -> None:
        """Index `elements` by their eIds (elements without one are left out)."""
        self._elements: list[etree._Element | None] = []
        self._free: list[int] = []
        self._keys = array("Q")
        self._slots = array("Q")
        self.extend(elements)

    def __len__(self) -> int:
        return len(self._keys)

    def __contains__(self, eid: object) -> bool:
        return isinstance(eid, str) and self.get(eid) is not None

    def get(self, eid: str) -> etree._Element | None:
        """The indexed element whose eId is `eid`, else None."""
        for position in self._positions(eid):
            return self._elements[self._slots[position]]
        return None

    def extend(self, elements: Iterable[etree._Element]) -> None:
        """Index many elements (into an empty index, with one sort rather than one insertion each)."""
        if self._keys:
            for element in elements:
                self.add(element)
            return
        # A bucket sort on the top byte, then a sort of each bucket with key and slot packed in one integer:
        # no tuple per entry, and never more than a bucket's worth of integers alive at once.
        keys = [array("Q") for _ in range(256)]
        slots = [array("Q") for _ in range(256)]
        indexed = self._elements
        keep = indexed.append
        for element in elements:
            eid = element.get("eId")
            if eid:
                key = _key(eid)
                bucket = key >> 56
                keys[bucket].append(key)
                slots[bucket].append(len(indexed))
                keep(element)
        for bucket in range(256):
            packed = sorted([(key << 32) | slot for key, slot in zip(keys[bucket], slots[bucket], strict=True)])
            keys[bucket] = slots[bucket] = array("Q")
            self._keys.extend(value >> 32 for value in packed)
            self._slots.extend(value & 0xFFFFFFFF for value in packed)

    def add(self, element: etree._Element) -> None:
        """Index one element under its current eId (nothing happens when it has none or is indexed)."""
        eid = element.get("eId")
        if not eid:
            return
        key = _key(eid)
        position = bisect_left(self._keys, key)
        while position < len(self._keys) and self._keys[position] == key:
            if self._elements[self._slots[position]] is element:
                return
            position += 1
        if self._free:
            slot = self._free.pop()
            self._elements[slot] = element
        else:
            slot = len(self._elements)
            self._elements.append(element)
        self._insert(key, slot)

    def discard(self, eid: str) -> etree._Element | None:
        """Forget the element indexed under `eid` (which must still carry it); returns it, if any."""
        for position in self._positions(eid):
            slot = self._slots[position]
            element = self._elements[slot]
            del self._keys[position]
            del self._slots[position]
            self._elements[slot] = None
            self._free.append(slot)
            return element
        return None

    def remove(self, element: etree._Element) -> None:
        """Forget `element` itself (which must still carry its eId), not another element with the same eId."""
        self._drop(element)

    def elements(self) -> Iterator[etree._Element]:
        """The indexed elements, in no particular order."""
        return (element for element in self._elements if element is not None)

    def duplicates(self) -> list[etree._Element]:
        """Elements indexed under an eId that an element indexed earlier also has; they are dropped."""
        dropped: list[etree._Element] = []
        keys, slots = self._keys, self._slots
        position = 1
        while position < len(keys):
            if keys[position] != keys[position - 1]:
                position += 1
                continue
            start = position - 1
            while position < len(keys) and keys[position] == keys[start]:
                position += 1
            seen: dict[str, int] = {}
            for index in sorted(range(start, position), key=lambda i: slots[i]):
                element = self._elements[slots[index]]
                assert element is not None
                eid = str(element.get("eId"))
                if eid in seen:
                    dropped.append(element)
                else:
                    seen[eid] = index
        for element in dropped:
            self._drop(element)
        return dropped

    def _drop(self, element: etree._Element) -> None:
        key = _key(str(element.get("eId")))
        position = bisect_left(self._keys, key)
        while position < len(self._keys) and self._keys[position] == key:
            slot = self._slots[position]
            if self._elements[slot] is element:
                del self._keys[position]
                del self._slots[position]
                self._elements[slot] = None
                self._free.append(slot)
                return
            position += 1

    def _insert(self, key: int, slot: int) -> None:
        position = bisect_left(self._keys, key)
        # Among equal keys the earlier slot (the element indexed first) comes first.
        while position < len(self._keys) and self._keys[position] == key and self._slots[position] < slot:
            position += 1
        self._keys.insert(position, key)
        self._slots.insert(position, slot)

    def _positions(self, eid: str) -> Iterator[int]:
        key = _key(eid)
        keys = self._keys
        position = bisect_left(keys, key)
        while position < len(keys) and keys[position] == key:
            element = self._elements[self._slots[position]]
            if element is not None and element.get("eId") == eid:
                yield position
            position += 1
