"""Where the authors of comments are written to (an answer, a moderator's decision about their comment)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from server.store.consultation_models import CitizenSignup
from server.store.models import User


@dataclass(frozen=True)
class Recipient:
    """An address to write to, and the language to write in: the one its citizen signed up in (None: English)."""

    address: str
    language: str | None = None


def commenter_recipients(session: Session, authors: Select[Any]) -> list[Recipient]:
    """Where the accounts ``authors`` (a query of user ids) are written to: a citizen's verified address, or the
    address an operator gave an account they made; never one that was not verified. In address order."""
    verified = session.execute(
        select(CitizenSignup.verified_email, CitizenSignup.language).where(
            CitizenSignup.user_id.in_(authors), CitizenSignup.verified_email.is_not(None))
    )
    operator_made = session.scalars(
        select(User.email).where(User.id.in_(authors), User.email.is_not(None),
                                 User.id.not_in(select(CitizenSignup.user_id)))
    )
    languages: dict[str, str | None] = {address: language for address, language in verified if address}
    for address in operator_made:
        if address:
            languages.setdefault(address, None)
    return [Recipient(address, languages[address]) for address in sorted(languages)]
