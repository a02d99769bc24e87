"""Form letters and near-duplicates: grouping campaign comments into clusters.

Each comment is reduced to its set of word 3-shingles (folded: case, accents, punctuation). MinHash signatures
split into bands give locality-sensitive keys: earlier comments that share keys with a new one are its
candidates (the few sharing most keys), and the new comment joins the cluster of the candidate it resembles
most, if the resemblance reaches the threshold; otherwise it starts a cluster of its own, of which it is the
*template*. Resemblance is containment, ``|A ∩ B| / min(|A|, |B|)``, rather than Jaccard similarity, because a
form letter signed with a paragraph of one's own still contains the whole letter. Comparing with any member,
not only the template, lets a cluster take in variants of variants (a synonym here, a dropped sentence there).
Exact copies of a text already indexed add no keys, so a campaign of a million identical letters costs one
set of keys.

Everything here is deterministic (fixed seeds, keyed hashes), so replaying the log gives the same keys.
"""

from __future__ import annotations

import difflib
import hashlib
import re
import struct
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Final

SHINGLE_WORDS: Final = 3
NUM_PERMUTATIONS: Final = 96
ROWS_PER_BAND: Final = 2
# Below this many shingles a text is too short to be a form letter; only exact copies cluster.
MIN_SHINGLES: Final = 4
DEFAULT_THRESHOLD: Final = 0.5
# How many of the earlier comments sharing most keys with a new one are compared with it.
MAX_CANDIDATES: Final = 20
DEFAULT_CAMPAIGN_SIZE: Final = 3
# Members of one cluster whose keys are indexed. Later members find the cluster through these, and leaving them
# out keeps the candidate query bounded however large a campaign grows (18 million letters, say).
MAX_INDEXED_PER_CLUSTER: Final = 50

_MAX_HASH: Final = (1 << 64) - 1
_WORD = re.compile(r"\w+")


def words(text: str) -> list[str]:
    """The text's words, lower case and without accents or punctuation."""
    if text.isascii():
        return _WORD.findall(text.lower())  # no accents to take off: the common case, on every post
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return _WORD.findall("".join(c for c in decomposed if not unicodedata.combining(c)))


def _hash64(value: str) -> int:
    return int.from_bytes(hashlib.blake2b(value.encode("utf-8"), digest_size=8).digest(), "big")


# Candidates recur (a campaign's first members are compared with each new letter): their shingles and exact
# keys are computed once per process, not once per comparison.
@lru_cache(maxsize=4096)
def shingles(text: str, size: int = SHINGLE_WORDS) -> frozenset[int]:
    """The hashed word ``size``-grams of the text (one shingle for a text shorter than that)."""
    tokens = words(text)
    if len(tokens) < size:
        return frozenset({_hash64(" ".join(tokens))}) if tokens else frozenset()
    return frozenset(_hash64(" ".join(tokens[i : i + size])) for i in range(len(tokens) - size + 1))


@lru_cache(maxsize=4096)
def exact_key(text: str) -> str:
    """A key every copy of the same words shares, whatever their case, accents or punctuation."""
    return "x:" + hashlib.blake2b(" ".join(words(text)).encode("utf-8"), digest_size=12).hexdigest()


class MinHasher:
    """MinHash over shingle hashes: ``num_permutations`` independent 32-bit hashes of each shingle, drawn in one
    call from SHAKE-128 keyed by a fixed seed, and the least of each across the text's shingles.

    One extendable-output hash per shingle instead of ``num_permutations`` modular products keeps a signature
    near a tenth of a millisecond for a comment, in C rather than in Python's arithmetic: every post pays it.
    """

    def __init__(self, num_permutations: int = NUM_PERMUTATIONS, seed: int = 1) -> None:
        self.num_permutations = num_permutations
        self._key = seed.to_bytes(8, "big")
        self._unpack = struct.Struct(f">{num_permutations}I").unpack
        self._hashes = lru_cache(maxsize=1 << 16)(self._shingle_hashes)

    def _shingle_hashes(self, shingle: int) -> tuple[int, ...]:
        digest = hashlib.shake_128(self._key + shingle.to_bytes(8, "big")).digest(4 * self.num_permutations)
        hashes: tuple[int, ...] = self._unpack(digest)
        return hashes

    def signature(self, shingle_set: Iterable[int]) -> list[int]:
        rows = [self._hashes(shingle) for shingle in shingle_set]
        if not rows:
            return [_MAX_HASH] * self.num_permutations
        return list(map(min, zip(*rows, strict=True)))


_HASHER = MinHasher()


def band_keys(text: str) -> list[str]:
    """The locality-sensitive keys of a text: its exact key, and one key per MinHash band when long enough."""
    return list(_band_keys(text))


# The service computes a new comment's keys and its projector computes them again right after; cache them.
@lru_cache(maxsize=1024)
def _band_keys(text: str, rows: int = ROWS_PER_BAND) -> tuple[str, ...]:
    keys = [exact_key(text)]
    shingle_set = shingles(text)
    if len(shingle_set) < MIN_SHINGLES:
        return tuple(keys)
    signature = _HASHER.signature(shingle_set)
    # The values are uniform 32-bit hashes already: a band's key is its values written out, not hashed again.
    for band in range(0, len(signature), rows):
        keys.append(f"b{band // rows}:" + "".join(f"{v:08x}" for v in signature[band : band + rows]))
    return tuple(keys)


def containment(a: frozenset[int], b: frozenset[int]) -> float:
    """How much of the smaller set lies in the other (1.0 when one contains the other)."""
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


def resemblance(text: str, template: str) -> float:
    """The resemblance of two texts as the clustering measures it."""
    a, b = shingles(text), shingles(template)
    if min(len(a), len(b)) < MIN_SHINGLES:
        return 1.0 if exact_key(text) == exact_key(template) else 0.0
    return containment(a, b)


def additions(template: str, text: str) -> str:
    """The words a comment adds to its cluster's template, passages separated by " … "."""
    template_words, text_words = template.split(), text.split()
    matcher = difflib.SequenceMatcher(
        a=[w.casefold().strip(".,;:!?\"'") for w in template_words],
        b=[w.casefold().strip(".,;:!?\"'") for w in text_words],
        autojunk=False,
    )
    added = [
        " ".join(text_words[j1:j2])
        for tag, _i1, _i2, j1, j2 in matcher.get_opcodes()
        if tag in {"insert", "replace"} and j2 > j1
    ]
    return " … ".join(added)


@dataclass(frozen=True)
class Candidate:
    """An earlier comment that shares keys with the new one: its id, its cluster and its text."""

    comment_id: int
    cluster_id: int
    text: str


def choose_cluster(text: str, candidates: Sequence[Candidate], threshold: float) -> int | None:
    """The cluster of the most resembling candidate (lowest comment id on ties), or None for a new cluster."""
    best: tuple[float, int, int] | None = None
    for candidate in sorted(candidates, key=lambda c: c.comment_id):
        score = resemblance(text, candidate.text)
        if score >= threshold and (best is None or score > best[0]):
            best = (score, candidate.comment_id, candidate.cluster_id)
    return best[2] if best else None


@dataclass
class Clusterer:
    """The same online clustering the consultation service performs, held in memory (tests, batch runs)."""

    threshold: float = DEFAULT_THRESHOLD
    texts: dict[int, str] = field(default_factory=dict)
    clusters: dict[int, int] = field(default_factory=dict)
    index: dict[str, set[int]] = field(default_factory=dict)
    indexed_members: dict[int, int] = field(default_factory=dict)  # cluster -> members whose keys are indexed

    def add(self, item_id: int, text: str) -> int:
        """Place one text; returns its cluster id (its own id when it starts a cluster)."""
        keys = band_keys(text)
        shared: dict[int, int] = {}
        for key in keys:
            for other in self.index.get(key, ()):
                shared[other] = shared.get(other, 0) + 1
        nearest = sorted(shared, key=lambda other: (-shared[other], other))[:MAX_CANDIDATES]
        candidates = [Candidate(other, self.clusters[other], self.texts[other]) for other in nearest]
        cluster = choose_cluster(text, candidates, self.threshold)
        self.clusters[item_id] = item_id if cluster is None else cluster
        cluster_id = self.clusters[item_id]
        # Exact copies add no keys, nor members beyond the first MAX_INDEXED_PER_CLUSTER of a cluster.
        if keys[0] not in self.index and self.indexed_members.get(cluster_id, 0) < MAX_INDEXED_PER_CLUSTER:
            self.indexed_members[cluster_id] = self.indexed_members.get(cluster_id, 0) + 1
            self.texts[item_id] = text
            for key in keys:
                self.index.setdefault(key, set()).add(item_id)
        return self.clusters[item_id]


def pair_scores(predicted: Sequence[int], truth: Sequence[str]) -> tuple[float, float]:
    """Pairwise precision and recall of a clustering against labels (pairs placed together vs truly together)."""
    together_pred = together_true = both = 0
    for i in range(len(predicted)):
        for j in range(i + 1, len(predicted)):
            p = predicted[i] == predicted[j]
            t = truth[i] == truth[j]
            together_pred += p
            together_true += t
            both += p and t
    precision = both / together_pred if together_pred else 1.0
    recall = both / together_true if together_true else 1.0
    return precision, recall
