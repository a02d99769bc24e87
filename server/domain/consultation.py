"""Citizen consultation: its event types and the rules a comment must satisfy.

Pure rules over plain values (times are naive UTC ``datetime``); the services read the state and pass it in.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Final

from server.domain.wording import Wording, wording


class ConsultationEvent:
    """Every event type of the consultation feature, named once."""

    CONSULTATION_OPENED: Final = "consultation.opened"
    COMMENT_POSTED: Final = "comment.posted"
    COMMENT_EDITED: Final = "comment.edited"
    # A visible comment an edit put back in the moderation queue: the public side of that edit, without its words.
    COMMENT_HELD: Final = "comment.held"
    COMMENT_DELETED: Final = "comment.deleted"
    COMMENT_ENDORSED: Final = "comment.endorsed"
    COMMENT_FLAGGED: Final = "comment.flagged"
    COMMENT_DISOWNED: Final = "comment.disowned"
    COMMENT_HIDDEN: Final = "comment.hidden"
    COMMENT_RESTORED: Final = "comment.restored"
    COMMENT_ANSWERED: Final = "comment.answered"
    ACCOUNT_SUSPENDED: Final = "account.suspended"
    ACCOUNT_REINSTATED: Final = "account.reinstated"
    CITIZEN_SIGNED_UP: Final = "citizen.signed_up"
    CITIZEN_EMAIL_VERIFIED: Final = "citizen.email_verified"
    # The address's owner answered the verification mail with "this wasn't me": the sign-up lost its address.
    CITIZEN_SIGN_UP_DISOWNED: Final = "citizen.sign_up_disowned"


#: Events published without their actor: who endorsed which comment is the citizen's own business (the count is
#: public, and the comment's author is named on the comment itself).
UNNAMED_ACTORS: Final = frozenset({ConsultationEvent.COMMENT_ENDORSED})


def consultation_stream(consultation_id: int) -> str:
    return f"consultation/{consultation_id}"


def comment_stream(comment_id: int) -> str:
    """Each comment is its own stream, so writers on different comments never contend on a version."""
    return f"comment/{comment_id}"


def answer_stream(answer_id: int) -> str:
    return f"answer/{answer_id}"


class CommentState(StrEnum):
    """Where a comment stands; only ``visible`` comments are public."""

    VISIBLE = "visible"
    HELD = "held"  # waiting for a clerk (pre-moderation)
    HIDDEN = "hidden"  # hidden by a clerk, with a public reason
    DELETED = "deleted"  # withdrawn by its author


class Fate(StrEnum):
    """What became of a comment ("you said, we did")."""

    TAKEN_UP = "taken_up"
    PARTLY_TAKEN_UP = "partly_taken_up"
    NOT_TAKEN_UP = "not_taken_up"
    NOTED = "noted"


class FlagReason(StrEnum):
    HARASSMENT = "harassment"
    HATE = "hate"
    SPAM = "spam"
    DISINFORMATION = "disinformation"
    PERSONAL_DATA = "personal_data"
    OFF_TOPIC = "off_topic"
    IMPERSONATION = "impersonation"
    OTHER = "other"


class WindowState(StrEnum):
    UPCOMING = "upcoming"
    OPEN = "open"
    CLOSED = "closed"


MAX_BODY_CHARS: Final = 10_000
MAX_QUOTE_CHARS: Final = 1_000
MAX_REASON_CHARS: Final = 500
MAX_QUESTIONS: Final = 20
MAX_QUESTION_CHARS: Final = 1_000


class RuleBroken(Exception):
    """A consultation rule refuses the request; ``kind`` says which family of failure it is, ``field`` (when one
    is to blame) which value of the request to fix."""

    def __init__(self, kind: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.field = field


def window_state(opens_at: datetime, closes_at: datetime, now: datetime) -> WindowState:
    """Whether ``now`` is before, inside (opening instant included, closing excluded) or after the window."""
    if now < opens_at:
        return WindowState.UPCOMING
    if now >= closes_at:
        return WindowState.CLOSED
    return WindowState.OPEN


def check_window(opens_at: datetime, closes_at: datetime, now: datetime) -> None:
    """A window someone can comment in: it closes after it opens, and after ``now``. It may open in the past (a
    consultation opened at once); one that has already closed could never take a comment, and is almost always a
    mistyped year or month."""
    if closes_at <= opens_at:
        raise RuleBroken("invalid", wording("the consultation must close after it opens: it would open %(opens)s and "
                                            "close %(closes)s", opens=utc_minute(opens_at),
                                            closes=utc_minute(closes_at)),
                         field="closes_at")
    if closes_at <= now:
        raise RuleBroken("invalid", wording("the consultation must close in the future: %(closes)s has passed (it "
                                            "is now %(now)s), and a consultation that has already closed cannot "
                                            "take any comment", closes=utc_minute(closes_at), now=utc_minute(now)),
                         field="closes_at")


def utc_minute(moment: datetime) -> str:
    """A moment as the consultation pages write it: "2027-01-20 10:00 UTC" (times are kept in UTC, naive)."""
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def windows_overlap(a: tuple[datetime, datetime], b: tuple[datetime, datetime]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def closed_window_message(state: WindowState, opens_at: datetime, closes_at: datetime, *,
                          changing: bool = False) -> Wording:
    """The sentence a citizen reads when the consultation does not take comments now (``changing``: when they try to
    change one they posted)."""
    if state is WindowState.UPCOMING:
        return wording("the consultation opens at %(opens)s; comments are not open yet",
                       opens=utc_minute(opens_at))
    closes = utc_minute(closes_at)
    if changing:
        return wording("the consultation closed at %(closes)s; comments can no longer be changed", closes=closes)
    return wording("the consultation closed at %(closes)s; comments are no longer taken", closes=closes)


def check_questions(questions: object) -> list[str]:
    """Guiding questions: a list of non-empty strings."""
    if questions is None:
        return []
    if not isinstance(questions, list) or not all(isinstance(q, str) and q.strip() for q in questions):
        raise RuleBroken("invalid", wording("questions must be a list of non-empty strings"))
    if len(questions) > MAX_QUESTIONS:
        raise RuleBroken("invalid", wording("at most %(most)d guiding questions; found %(found)d",
                                            most=MAX_QUESTIONS, found=len(questions)))
    if any(len(q) > MAX_QUESTION_CHARS for q in questions):
        raise RuleBroken("invalid", wording("a guiding question has at most %(most)d characters",
                                            most=MAX_QUESTION_CHARS))
    return [q.strip() for q in questions]


# A character a reader sees: neither white space nor one of the characters drawn as nothing (zero-width spaces and
# joiners, direction marks and overrides, fillers, variation selectors). The first one found ends the search.
_VISIBLE = re.compile("[^\\s\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e"
                      "\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0]")


def has_visible_text(text: str) -> bool:
    """Whether ``text`` shows anything: a body of zero-width spaces alone would publish an empty comment."""
    return _VISIBLE.search(text) is not None


def check_body(body: object) -> str:
    """A comment body: text a reader can see, of bounded length, kept exactly as written."""
    if not isinstance(body, str) or not has_visible_text(body):
        raise RuleBroken("invalid", wording("body must be a non-empty string"), "body")
    if len(body) > MAX_BODY_CHARS:
        raise RuleBroken("too_large", wording("body is %(length)d characters long; the limit is %(limit)d",
                                              length=len(body), limit=MAX_BODY_CHARS), "body")
    return body


def check_reason(reason: object, *, required: bool) -> str:
    if reason is None and not required:
        return ""
    if not isinstance(reason, str) or (required and not reason.strip()):
        raise RuleBroken("invalid", wording("reason must be a non-empty string"), "reason")
    if len(reason) > MAX_REASON_CHARS:
        raise RuleBroken("invalid", wording("reason has at most %(most)d characters", most=MAX_REASON_CHARS))
    return reason.strip()


_SPACE = re.compile(r"\s+")
# Typographic variants a citizen's copy-paste may turn into their ASCII forms (or back).
_FOLD = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-",
                       "\u00a0": " "})


def normalise_for_quote(text: str) -> str:
    """Text as compared for quotes: NFC, typographic quotes and dashes folded, whitespace collapsed."""
    return _SPACE.sub(" ", unicodedata.normalize("NFC", text).translate(_FOLD)).strip()


def quote_occurs(quote: str, provision_text: str) -> bool:
    """Whether the quoted words occur in the provision's text, whatever the spacing.

    Spacing is ignored altogether: a provision's text is read from nested elements (num, heading, inline terms)
    whose boundaries may or may not carry a space, and a citizen's selection cannot know which.
    """
    needle = _SPACE.sub("", normalise_for_quote(quote))
    return bool(needle) and needle in _SPACE.sub("", normalise_for_quote(provision_text))


def check_quote(quote: object, provision_text: str, citation: Callable[[], str]) -> str | None:
    """The quoted words of a comment, when its provision's text holds them; else refused, naming the provision by
    ``citation()`` (asked only then: "regulation 2(1)", as the bill cites it)."""
    if quote is None or quote == "":
        return None
    if not isinstance(quote, str):
        raise RuleBroken("invalid", wording("quote must be a string"), "quote")
    if len(quote) > MAX_QUOTE_CHARS:
        raise RuleBroken("invalid", wording("quote has at most %(most)d characters", most=MAX_QUOTE_CHARS), "quote")
    if not quote_occurs(quote, provision_text):
        raise RuleBroken("quote_not_found", wording("the quoted words do not occur in the text of %(provision)s: "
                                                    "copy them exactly from it", provision=citation()),
                         "quote")
    return quote


def within_edit_window(created_at: datetime, now: datetime, window_seconds: int) -> bool:
    """Authors may change their comment only shortly after posting it."""
    return now - created_at <= timedelta(seconds=window_seconds)


@dataclass(frozen=True)
class BurstRule:
    """New accounts posting many comments quickly are held for a clerk."""

    new_account_seconds: int
    window_seconds: int
    max_posts: int

    def is_burst(self, account_created_at: datetime, recent_posts: int, now: datetime) -> bool:
        """``recent_posts``: the author's comments in the last ``window_seconds``, this one excluded."""
        is_new = now - account_created_at < timedelta(seconds=self.new_account_seconds)
        return is_new and recent_posts >= self.max_posts


# --- why a comment is held ---------------------------------------------------------------------------------
# A reason is recorded in English in the comment's events (``held_because``), which are never rewritten; it is
# shown in the reader's language by reading it back into its sentence (:func:`hold_reason`).

HELD_FOR_BURST: Final = wording("many comments in a short time from a new account")
HELD_AS_DISOWNED: Final = wording("reported by the account holder as not written by them")


def _abusive(listed: str) -> Wording:
    return wording("abusive language: %(words)s", words=listed)


def abusive_language(matched: Iterable[str]) -> str:
    """Why a comment holding words of the abuse lexicon is held, as recorded: the words, each once, in order."""
    return str(_abusive(", ".join(sorted(set(matched)))))


_ABUSIVE_PREFIX: Final = str(_abusive(""))
_FIXED_REASONS: Final = {str(reason): reason for reason in (HELD_FOR_BURST, HELD_AS_DISOWNED)}


def hold_reason(recorded: str) -> str:
    """A recorded reason as the sentence it was made from, so that it is shown translated; the English text is
    unchanged, and a reason not made here stays as it is. The lexicon's words are data: they stay as matched."""
    if recorded.startswith(_ABUSIVE_PREFIX):
        return _abusive(recorded[len(_ABUSIVE_PREFIX):])
    return _FIXED_REASONS.get(recorded, recorded)


@dataclass(frozen=True)
class Anchor:
    """Where a comment stands in the current text: the provision that carries its wId now, if any."""

    current_eid: str | None
    outdated: bool


def locate(wid: str, quote: str | None, current_texts: dict[str, tuple[str, str]]) -> Anchor:
    """Follow a comment to the current version through its provision's wId and its quote.

    ``current_texts`` maps each wId of the current version to ``(eid, text)``. The comment is outdated when its
    provision is gone, or when the words it quoted are no longer in the provision.
    """
    found = current_texts.get(wid)
    if found is None:
        return Anchor(None, True)
    eid, text = found
    if quote and not quote_occurs(quote, text):
        return Anchor(eid, True)
    return Anchor(eid, False)
