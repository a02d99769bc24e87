"""The migrations build exactly the schema the models declare, on both databases, and fix what they must."""

from __future__ import annotations

from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from flask.testing import FlaskClient
from sqlalchemy import inspect, select, text, update

from server.services import search as search_service
from server.store import (
    all_models,  # noqa: F401 - registers every model on the metadata
    migrate,
)
from server.store.db import Database, make_engine
from server.store.models import Base, Provision, User
from server.store.opendata_models import SearchCursor, SearchEntry
from tests.server.conftest import Accounts, small_bill_xml


def declared(obj: Any, name: str | None, kind: str, reflected: bool, compare_to: Any) -> bool:
    """Leave out what search builds in raw SQL (FTS5 tables, the tsvector GIN index): no model declares it."""
    return not (name or "").startswith(("search_fts", "ix_search_entries_vector"))


def test_migrated_schema_equals_the_models(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"include_object": declared})
            differences = compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()
    assert differences == []


def test_provisions_are_indexed_by_wid(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        indexes = {index["name"]: index["column_names"] for index in inspect(engine).get_indexes("provisions")}
    finally:
        engine.dispose()
    assert indexes["ix_provisions_bill_wid"] == ["bill_id", "wid"]


def test_search_index_with_markup_is_emptied_and_rebuilt_without_it(
    database_url: str, db: Database, client: FlaskClient, users: Accounts
) -> None:
    imported = client.post("/api/bills", data=small_bill_xml(), content_type="application/akn+xml",
                           headers=users.headers("drafter"))
    assert imported.status_code == 201, imported.get_json()

    def search(words: str) -> list[dict[str, Any]]:
        response = client.get("/api/search", query_string={"q": words})
        assert response.status_code == 200, response.get_json()
        results: list[dict[str, Any]] = response.get_json()["results"]
        return results

    assert search("clerk")  # indexed
    # An entry of a published version as indexed before markup was stripped: version entries are written once.
    with db.write() as session:
        for provision in session.scalars(select(Provision)):
            session.execute(update(SearchEntry).where(SearchEntry.ref == 1, SearchEntry.eid == provision.eid)
                            .values(body=provision.text))
    assert search("refersto"), "the old-style entry holds markup"
    command.downgrade(migrate.alembic_config(database_url), "d8f3")
    migrate.upgrade(database_url)
    with db.read() as session:
        assert search_service.entry_count(session) == 0 and session.get(SearchCursor, 1) is None
    assert search("refersto") == []
    assert {r.get("version") for r in search("clerk shall open")} == {None, 1}


def test_display_names_of_earlier_accounts_are_keyed_for_the_sign_up_check(
    database_url: str, db: Database, client: FlaskClient, users: Accounts
) -> None:
    users.add("wanjiku", "citizen")
    command.downgrade(migrate.alembic_config(database_url), "c6a6")
    with db.write() as session:
        session.execute(text("UPDATE users SET display_name = 'Wanjiku  NJÉRI' WHERE username = 'wanjiku'"))
    migrate.upgrade(database_url)
    with db.read() as session:
        user = session.scalars(select(User).where(User.username == "wanjiku")).one()
        assert user.display_name_key == "wanjikunjeri"
    # A newcomer is refused the name, whatever its case, accents or spaces.
    taken = client.post("/api/citizens", json={"username": "other", "email": "other@example.org",
                                               "password": "kettle-lantern-orchard-41",
                                               "display_name": "wanjiku njeri"})
    assert taken.status_code == 409 and "Wanjiku  NJÉRI" in taken.get_json()["error"]["message"]
