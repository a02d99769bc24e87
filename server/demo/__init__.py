"""Demo data, made through the same services users drive, so it appears in the event log."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from akn.plaintext import parse_bill_text
from server.services import accounts, amendments, bills, consultation, consultation_comments
from server.services.amendments import Proposal
from server.services.consultation import ConsultationSettings
from server.services.principal import Principal
from server.store.db import Database
from server.store.models import User

BILL_TEXT = Path(__file__).with_name("bill.txt")

# (username, role, display name, password); the passwords are printed by `make run`.
DEMO_USERS: tuple[tuple[str, str, str, str], ...] = (
    ("drafter", "drafter", "Amina Otieno", "drafter-pass"),
    ("drafter2", "drafter", "Brian Kamau", "drafter2-pass"),
    ("mp", "mp", "Hon. Grace Wanjiru", "mp-pass-2026"),
    ("mp2", "mp", "Hon. Daniel Mutua", "mp2-pass-2026"),
    ("clerk", "clerk", "Clerk of the National Assembly", "clerk-pass"),
    ("citizen", "citizen", "Wanjiku Njeri", "citizen-pass"),
    ("citizen2", "citizen", "Otieno Ochieng", "citizen2-pass"),
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


def _principal(session: Session, username: str) -> Principal:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise LookupError(f"the demo account {username} is missing")
    return accounts.principal_of(user)


def _propose_amendments(session: Session, bill_id: int) -> None:
    """Two MPs' amendments: one tabled, one still a draft, so every screen has something to show."""
    mp, mp2 = _principal(session, "mp"), _principal(session, "mp2")
    longer = amendments.propose(session, mp, bill_id, Proposal(
        eid="part_2__sec_5__subsec_2",
        text="A {{term{refersTo #term-consultation} consultation}} shall remain open for **not less than** "
             "sixty days.",
        justification="Thirty days is too short for citizens outside the capital to take part.",
    ))
    amendments.transition(session, mp, longer.id, "tabled")
    amendments.propose(session, mp2, bill_id, Proposal(
        eid="part_3__sec_14",
        text="The Clerk shall inform each participant of the outcome of the consultation within thirty days "
             "after it closes.",
        justification="Participants deserve a prompt answer.",
    ))


def _open_consultation(session: Session, bill_id: int, config: Mapping[str, Any]) -> None:
    """A consultation open for a month from now on, with a few citizens' comments, a reply and an endorsement."""
    now = datetime.now(UTC).replace(tzinfo=None)
    consultation.open_consultation(
        session, _principal(session, "clerk"), bill_id,
        opens_at=now - timedelta(minutes=1), closes_at=now + timedelta(days=30),
        questions=["Is thirty days long enough for a consultation?", "Who should be told of the outcome?"],
    )
    settings = ConsultationSettings.from_config(config)
    citizen = _principal(session, "citizen")
    first = consultation_comments.post_comment(
        session, citizen, bill_id, eid="part_2__sec_5__subsec_2", quote="thirty days",
        body="Thirty days is not enough for rural communities: notices reach them late.", settings=settings,
    )
    consultation_comments.post_comment(
        session, citizen, bill_id, eid="part_3__sec_11__subsec_2",
        body="Good: contact details must stay private.", settings=settings,
    )
    neighbour = _principal(session, "citizen2")
    consultation_comments.post_comment(
        session, neighbour, bill_id, eid="part_2__sec_5__subsec_2", reply_to=first.id,
        body="Agreed. Sixty days would let county assemblies hold public meetings first.", settings=settings,
    )
    consultation_comments.endorse_comment(session, neighbour, first.id)


def load_demo(database: Database, config: Mapping[str, Any] | None = None) -> Iterator[str]:
    """Create the demo accounts and bill unless they exist; yields lines to print."""
    with database.write() as session:
        if session.scalar(select(User.id).where(User.username == "clerk")) is not None:
            yield "demo data already loaded"
        else:
            for username, role, display_name, password in DEMO_USERS:
                accounts.register_user(session, username, role, password, display_name=display_name)
            drafter = _principal(session, "drafter")
            bill_id = bills.import_bill(session, drafter, demo_bill_xml()).bill.id
            _propose_amendments(session, bill_id)
            _open_consultation(session, bill_id, config or {})
            yield "demo data loaded"
    yield "demo accounts (username / password / role):"
    for username, role, _display, password in DEMO_USERS:
        yield f"  {username:<9} {password:<15} {role}"
