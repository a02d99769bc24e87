"""Where the authors of comments are written to (an answer, a moderator's decision about their comment)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from server.store.consultation_models import CitizenSignup
from server.store.models import User


def commenter_addresses(session: Session, authors: Select[Any]) -> list[str]:
    """Where the accounts ``authors`` (a query of user ids) are written to: a citizen's verified address, or the
    address an operator gave an account they made; never one that was not verified."""
    verified = session.scalars(
        select(CitizenSignup.verified_email).where(CitizenSignup.user_id.in_(authors),
                                                   CitizenSignup.verified_email.is_not(None))
    )
    operator_made = session.scalars(
        select(User.email).where(User.id.in_(authors), User.email.is_not(None),
                                 User.id.not_in(select(CitizenSignup.user_id)))
    )
    return sorted({address for address in [*verified, *operator_made] if address})
