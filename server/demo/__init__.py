"""Demo data, made through the same services users drive, so it appears in the event log."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

from sqlalchemy import select

from akn.plaintext import parse_bill_text
from server.services import accounts, bills
from server.store.db import Database
from server.store.models import User

BILL_TEXT = Path(__file__).with_name("bill.txt")

# (username, role, display name, password); the passwords are printed by `make run`.
DEMO_USERS: tuple[tuple[str, str, str, str], ...] = (
    ("drafter", "drafter", "Amina Otieno (drafter)", "drafter-pass"),
    ("drafter2", "drafter", "Brian Kamau (drafter)", "drafter2-pass"),
    ("mp", "mp", "Hon. Grace Wanjiru", "mp-pass-2026"),
    ("mp2", "mp", "Hon. Daniel Mutua", "mp2-pass-2026"),
    ("clerk", "clerk", "Clerk of the National Assembly", "clerk-pass"),
    ("citizen", "citizen", "Wanjiku Njeri", "citizen-pass"),
    ("admin", "admin", "Parley administrator", "admin-pass"),
)

DEMO_BILL_DATE = date(2026, 11, 2)


def demo_bill_xml() -> bytes:
    return parse_bill_text(
        BILL_TEXT.read_text(encoding="utf-8"),
        country="ke",
        number="12",
        date=DEMO_BILL_DATE.isoformat(),
        title="Public Participation in Legislation Bill, 2026",
        language="eng",
    )


def load_demo(database: Database) -> Iterator[str]:
    """Create the demo accounts and bill unless they exist; yields lines to print."""
    with database.write() as session:
        if session.scalar(select(User.id).where(User.username == "clerk")) is not None:
            yield "demo data already loaded"
        else:
            for username, role, display_name, password in DEMO_USERS:
                accounts.register_user(session, username, role, password, display_name=display_name)
            drafter = session.scalar(select(User).where(User.username == "drafter"))
            assert drafter is not None
            bills.import_bill(session, accounts.principal_of(drafter), demo_bill_xml())
            yield "demo data loaded"
    yield "demo accounts (username / password / role):"
    for username, role, _display, password in DEMO_USERS:
        yield f"  {username:<9} {password:<15} {role}"
