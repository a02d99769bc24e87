"""re-key indexed comments with the SHAKE-128 MinHash

Revision ID: c6a4
Revises: c6a3
Create Date: 2026-12-06 16:30:00

A new comment finds its campaign through the band keys of the comments already indexed; the keys are now made
by another family of hash functions, so the keys of every indexed comment are made again from the words it was
posted with (its ``comment.posted`` event), or a campaign that began before the upgrade would not be found by
its later letters. The exact-copy key (``x:``) does not change. Going down makes the keys of the earlier family
again, with that family's own arithmetic, written out below.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from alembic import op

from server.domain import consultation_clustering as clustering

revision = "c6a4"
down_revision = "c6a3"
branch_labels = None
depends_on = None

_MERSENNE = (1 << 61) - 1
_EARLIER_PERMUTATIONS, _EARLIER_ROWS_PER_BAND = 64, 2


def _earlier_band_keys(text: str) -> list[str]:
    """The keys before this revision: ``(a·x + b) mod (2**61 - 1)`` permutations drawn from seed 1."""
    rng = random.Random(1)  # noqa: S311 - reproducible hashing, not secrecy
    permutations = [(rng.randrange(1, _MERSENNE), rng.randrange(0, _MERSENNE))
                    for _ in range(_EARLIER_PERMUTATIONS)]
    keys = [clustering.exact_key(text)]
    shingle_set = clustering.shingles(text)
    if len(shingle_set) < clustering.MIN_SHINGLES:
        return keys
    values = [h & _MERSENNE for h in shingle_set]
    signature = [min((a * x + b) % _MERSENNE for x in values) for a, b in permutations]
    rows = _EARLIER_ROWS_PER_BAND
    for band in range(0, len(signature), rows):
        chunk = ",".join(str(v) for v in signature[band : band + rows])
        keys.append(f"b{band // rows}:{hashlib.blake2b(chunk.encode('ascii'), digest_size=8).hexdigest()}")
    return keys


def _rekey(band_keys: Callable[[str], list[str]]) -> None:
    bind = op.get_bind()
    indexed = bind.execute(sa.text(
        "SELECT DISTINCT comment_id, consultation_id, cluster_id FROM comment_keys ORDER BY comment_id")).all()
    for comment_id, consultation_id, cluster_id in indexed:
        raw: Any = bind.execute(
            sa.text("SELECT data FROM events WHERE stream = :stream AND type = 'comment.posted'"),
            {"stream": f"comment/{comment_id}"},
        ).scalar()
        data = json.loads(raw) if isinstance(raw, str) else raw
        body = data.get("body") if isinstance(data, dict) else None
        bind.execute(sa.text("DELETE FROM comment_keys WHERE comment_id = :comment_id AND key LIKE 'b%'"),
                     {"comment_id": comment_id})
        if not isinstance(body, str):
            continue  # no words to make keys of: the exact key stays, as for a text too short for bands
        bands = [key for key in band_keys(body) if key.startswith("b")]
        if bands:
            bind.execute(
                sa.text("INSERT INTO comment_keys (consultation_id, key, comment_id, cluster_id) "
                        "VALUES (:consultation_id, :key, :comment_id, :cluster_id)"),
                [{"consultation_id": consultation_id, "key": key, "comment_id": comment_id,
                  "cluster_id": cluster_id} for key in bands],
            )


def upgrade() -> None:
    _rekey(clustering.band_keys)


def downgrade() -> None:
    _rekey(_earlier_band_keys)
