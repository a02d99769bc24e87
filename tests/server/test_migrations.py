"""The migrations build exactly the schema the models declare, on both databases."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from server.store import all_models  # noqa: F401 - registers every model on the metadata
from server.store.db import make_engine
from server.store.models import Base


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
