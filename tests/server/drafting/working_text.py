"""The working text as the API gives it, and a drafter's edit of its words, for tests of imported documents."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from server.domain import textpatch
from server.services import accounts, drafting, structure
from server.store import projections
from server.store.db import Database
from tests.server.conftest import Accounts

CORPUS = Path(__file__).resolve().parents[3] / ".." / "shared" / "akn-corpus"


def import_corpus(client: FlaskClient, users: Accounts, name: str) -> dict[str, Any]:
    """The import of a document of the shared corpus by a drafter: its 201 answer. Skips when it is absent."""
    path = CORPUS / name
    if not path.exists():
        pytest.skip(f"the shared AKN corpus is not beside the checkout ({path})")
    created = client.post("/api/bills", data=path.read_bytes(), content_type="application/akn+xml",
                          headers=users.headers("drafter"))
    assert created.status_code == 201, created.get_json()
    body: dict[str, Any] = created.get_json()
    return body


def _walk(nodes: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for node in nodes:
        yield node
        yield from _walk(node["children"])


def provision_nodes(client: FlaskClient, bill_id: int) -> list[dict[str, Any]]:
    """Every node of the bill's provision tree, in reading order."""
    return list(_walk(client.get(f"/api/bills/{bill_id}").get_json()["provisions"]))


def replace_words(db: Database, users: Accounts, bill_id: int, node: dict[str, Any], old: str, new: str,
                  op_id: str) -> None:
    """The drafter's edit of the first ``old`` of provision ``node`` into ``new``, as the editor sends it."""
    with db.write() as session:
        outcome = drafting.edit_provision(
            session, accounts.principal_for_user_id(session, users.ids["drafter"]), bill_id=bill_id,
            eid=node["eid"], rev=node["rev"], op_id=op_id, max_chars=100_000,
            patch=textpatch.make_patch(node["text"], node["text"].replace(old, new, 1)),
        )
    assert outcome.refused is None, outcome.refused


def retitle(db: Database, users: Accounts, bill_id: int, eid: str, heading: str) -> None:
    """The drafter's new heading for provision ``eid``: a structure change, which writes every provision's row anew."""
    with db.write() as session:
        drafter = accounts.principal_for_user_id(session, users.ids["drafter"])
        structure.retitle_provision(session, drafter, bill_id, eid=eid, heading=heading)


def assert_rebuild_equals_live(db: Database) -> None:
    """Rebuilding every projection from the log gives the state lived."""
    with db.write() as session:
        lived = projections.snapshot(session)
        projections.rebuild(session)
        assert projections.snapshot(session) == lived
