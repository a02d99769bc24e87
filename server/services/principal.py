"""The acting user as services see it, whichever way they signed in."""

from __future__ import annotations

from dataclasses import dataclass

from server.domain.roles import Role
from server.domain.wording import word, wording, words
from server.errors import Forbidden, SignInNeeded


@dataclass(frozen=True)
class Principal:
    user_id: int
    username: str
    role: Role
    display_name: str = ""

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def actor_id(self) -> int | None:
        """The id recorded as the actor of events (None for the operator's own commands)."""
        return self.user_id or None


SYSTEM = Principal(0, "system", Role.ADMIN, "Parley operator")
"""The operator acting through the command line, outside any account."""


def require(principal: Principal | None, *roles: Role) -> Principal:
    """The principal, when signed in with one of ``roles`` (any role when none is given)."""
    if principal is None:
        raise SignInNeeded(wording("sign in first: this action needs an account"))
    if roles and principal.role not in roles:
        raise Forbidden(wording("this action needs the role %(allowed)s; you are signed in as %(role)s",
                                allowed=words(sorted(r.value for r in roles)), role=word(principal.role.value)))
    return principal
