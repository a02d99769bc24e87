"""Who may take part: email addresses citizens sign up with, and disposable domains that are refused."""

from __future__ import annotations

import re
import unicodedata
from typing import Final

from server.domain.wording import wording

# Throw-away inbox providers: an address there proves nothing about a person, and bulk fake sign-ups use them.
DISPOSABLE_DOMAINS: Final[frozenset[str]] = frozenset(
    {
        "10minutemail.com", "20minutemail.com", "33mail.com", "discard.email", "dispostable.com",
        "emailondeck.com", "fakeinbox.com", "getairmail.com", "getnada.com", "guerrillamail.com",
        "guerrillamail.net", "guerrillamail.org", "guerrillamailblock.com", "harakirimail.com",
        "jetable.org", "mailcatch.com", "maildrop.cc", "mailinator.com", "mailinator.net", "mailnesia.com",
        "mintemail.com", "mohmal.com", "moakt.com", "mytemp.email", "nada.email", "sharklasers.com",
        "spam4.me", "spamgourmet.com", "temp-mail.io", "temp-mail.org", "tempail.com", "tempmail.dev",
        "tempmailo.com", "tempr.email", "throwawaymail.com", "trashmail.com", "trashmail.de",
        "trashmail.net", "yopmail.com", "yopmail.fr", "yopmail.net",
    }
)

MAX_EMAIL_LENGTH: Final = 254
# Deliberately simple: a dot-atom local part (RFC 5322 atext, or any non-ASCII character as RFC 6531 allows) and a
# dotted ASCII domain. Deliverability is proven by the verification mail, but only if the mail goes to the very
# address that is stored: quoted strings, comments and list separators are refused, because mail libraries read
# them as syntax ("(x)amina@example.org" is delivered to amina@example.org, "x,amina@example.org" to two
# mailboxes), which would let one mailbox verify any number of "different" addresses, or mail a third party.
_ATOM = r"(?:[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]|[^\x00-\x7f])+"
_DOMAIN = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9-]{1,63})+"
_EMAIL = re.compile(rf"^(?=[^@]{{1,64}}@){_ATOM}(?:\.{_ATOM})*@({_DOMAIN})$")


class AddressRefused(Exception):
    """The address cannot be used to sign up; ``kind`` is ``invalid`` or ``disposable``."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


def normalise_email(address: str) -> str:
    """The address as it is compared for uniqueness: trimmed, lower case, Unicode NFC.

    NFC (as RFC 6532 asks of addresses) makes "jürgen" typed with a precomposed "ü" and with "u" plus a combining
    diaeresis one address, so they cannot be verified as two accounts.
    """
    return unicodedata.normalize("NFC", address.strip().lower())


def _has_invisible(text: str) -> bool:
    """Control, format (zero-width …), private-use or unassigned characters, or separators."""
    return any(unicodedata.category(char)[0] in "CZ" for char in text)


def email_domain(address: str) -> str:
    return normalise_email(address).rpartition("@")[2]


def is_disposable(domain: str) -> bool:
    """True for a listed domain or any of its subdomains."""
    parts = domain.lower().split(".")
    return any(".".join(parts[i:]) in DISPOSABLE_DOMAINS for i in range(len(parts) - 1))


def check_email(address: object) -> str:
    """A normalised address a citizen may sign up with, or :class:`AddressRefused`."""
    if not isinstance(address, str) or len(address) > MAX_EMAIL_LENGTH:
        raise AddressRefused("invalid", wording("email must be an address of at most 254 characters"))
    normalised = normalise_email(address)
    if len(normalised) > MAX_EMAIL_LENGTH:  # lower case and NFC may lengthen a few characters ("İ" → "i̇")
        raise AddressRefused("invalid", wording("email must be an address of at most 254 characters"))
    match = _EMAIL.match(normalised)
    # Invisible characters would make look-alike copies of one address ("ju\u200bma@…" beside "juma@…").
    if match is None or _has_invisible(normalised):
        raise AddressRefused("invalid", wording("%(address)r is not an email address", address=address))
    if is_disposable(match.group(1)):
        raise AddressRefused(
            "disposable", wording("addresses at %(domain)s are disposable; sign up with a lasting address",
                                  domain=match.group(1))
        )
    return normalised
