"""Migration c6a4 makes the band keys of every indexed comment again with the current hash family, from the words
it was posted with, so campaigns begun before an upgrade keep gathering their letters after it."""

from __future__ import annotations

from collections import defaultdict

from alembic import command
from sqlalchemy import select

from server.domain import consultation_clustering as clustering
from server.store import migrate
from server.store.consultation_models import Comment, CommentKey
from server.store.db import Database
from tests.server.conftest import Accounts
from tests.server.consultation.conftest import DURATION, Api

LETTER = ("I strongly oppose the thirty day limit in this bill because citizens in rural counties need far more "
          "time to prepare a response and the committee must listen to them")


def _keys(db: Database) -> dict[int, set[str]]:
    found: dict[int, set[str]] = defaultdict(set)
    with db.read() as session:
        for key in session.scalars(select(CommentKey)):
            found[key.comment_id].add(key.key)
    return dict(found)


def test_keys_are_made_again_both_ways_and_the_campaign_still_gathers(
    database_url: str, db: Database, api: Api, users: Accounts, consulted: int
) -> None:
    posted = []
    for n, text in enumerate([LETTER, LETTER + " and I live far from the capital", "A comment of my own on"
                              " the duration of the consultation, which I find far too short for anyone"]):
        users.add(f"signer{n}", "citizen")
        response = api.comment(f"signer{n}", consulted, DURATION, text)
        assert response.status_code == 201, response.get_json()
        posted.append(response.get_json())
    current = _keys(db)
    with db.read() as session:
        bodies = {c.id: c.body for c in session.scalars(select(Comment))}
    assert current == {cid: set(clustering.band_keys(bodies[cid])) for cid in current}

    command.downgrade(migrate.alembic_config(database_url), "c6a3")
    earlier = _keys(db)
    assert set(earlier) == set(current)
    for comment_id, keys in earlier.items():
        # The exact-copy key stays; every band key is of the other family.
        assert {k for k in keys if k.startswith("x:")} == {k for k in current[comment_id] if k.startswith("x:")}
        assert not {k for k in keys if k.startswith("b")} & current[comment_id]
        assert len([k for k in keys if k.startswith("b")]) == 32, "the earlier family: 64 hashes, 32 bands"

    migrate.upgrade(database_url)
    assert _keys(db) == current
    users.add("late", "citizen")
    late = api.comment("late", consulted, DURATION, LETTER + " and so does my whole village")
    assert late.status_code == 201, late.get_json()
    assert late.get_json()["cluster_id"] == posted[0]["cluster_id"] != posted[2]["cluster_id"]
