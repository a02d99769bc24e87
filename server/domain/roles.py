"""Who may do what: roles are the parliament's, permissions are checked by services."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    DRAFTER = "drafter"
    MP = "mp"
    CLERK = "clerk"
    CITIZEN = "citizen"
    ADMIN = "admin"


# Admins can do everything a clerk can; clerks run procedure and may also publish drafts.
_IMPORTERS = frozenset({Role.DRAFTER, Role.CLERK, Role.ADMIN})
_PUBLISHERS = frozenset({Role.DRAFTER, Role.CLERK, Role.ADMIN})


def may_import_bill(role: Role) -> bool:
    return role in _IMPORTERS


def may_publish_version(role: Role) -> bool:
    return role in _PUBLISHERS


def may_edit_drafts(role: Role) -> bool:
    return role is Role.DRAFTER
