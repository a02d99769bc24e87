"""The errors Parley reports to clients: one class per failure, each with a code and an HTTP status.

HTTP handlers and socket acks translate these the same way (see ``server.http.errors`` and
``server.realtime``), so a client sees the same ``{"code", "message"}`` whichever way it asked.
"""

from __future__ import annotations

from typing import Any


class ParleyError(Exception):
    """Base of every error that is reported to a client."""

    code = "error"
    status = 400

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.details:
            body.update(self.details)
        return body


class BadRequest(ParleyError):
    code = "bad_request"
    status = 400


class ValidationFailed(ParleyError):
    code = "validation_failed"
    status = 422


class InvalidDocument(ParleyError):
    """An uploaded document is not the AKN that was expected."""

    code = "invalid_document"
    status = 422


class Unauthenticated(ParleyError):
    code = "unauthenticated"
    status = 401


class SignInNeeded(Unauthenticated):
    """An action that needs an account, asked with none: where the request's browser session has ended, the answer
    says why (``server.http.errors``), never where credentials themselves were refused."""


class SignedOut(Unauthenticated):
    """An open socket's token or browser session has ended since it connected (password changed or reset)."""

    code = "signed_out"


class Forbidden(ParleyError):
    code = "forbidden"
    status = 403


class NotJoined(Forbidden):
    """A socket message names a bill this connection has not joined (yet): after a reconnection, a client's buffered
    edit can arrive before its join. Not final: join, then send it again."""

    code = "not_joined"


class WrongPassword(Forbidden):
    """The current password given to change it is wrong (the caller is signed in, so not 401)."""

    code = "wrong_password"


class NotFound(ParleyError):
    code = "not_found"
    status = 404


class Conflict(ParleyError):
    code = "conflict"
    status = 409


class StreamVersionConflict(Conflict):
    """Another writer appended to the same stream first (optimistic concurrency)."""

    code = "stream_version_conflict"


class IllegalTransition(Conflict):
    code = "illegal_transition"


class PayloadTooLarge(ParleyError):
    code = "payload_too_large"
    status = 413


class UnsupportedMediaType(ParleyError):
    code = "unsupported_media_type"
    status = 415


class EditConflict(Conflict):
    """A patch no longer fits the provision's text; the client gets the current text to rebase on."""

    code = "edit_conflict"


class ProvisionTooLarge(ParleyError):
    code = "provision_too_large"
    status = 413


class RateLimited(ParleyError):
    code = "rate_limited"
    status = 429


class IntakeBusy(RateLimited):
    """More citizens' writes are waiting in this process than it admits at once (``COMMENT_INTAKE_MAX_PENDING``);
    ``retry_after`` (seconds) becomes the answer's ``Retry-After``."""

    code = "intake_busy"


class DatabaseNotMigrated(ParleyError):
    """The database schema is behind the code; ``parley db upgrade`` fixes it."""

    code = "database_not_migrated"
    status = 503


# The akn library reports by code; this is where those codes get their HTTP meaning.
_AKN_STATUS = {
    "unsafe_xml": 400,
    "xml_syntax": 400,
    "document_too_large": 413,
    "provision_not_found": 404,
}


def from_akn_error(error: Exception) -> ParleyError:
    """Translate an ``akn.AknError`` (anything with ``code`` and a message) into a ParleyError."""
    code = str(getattr(error, "code", "invalid_document"))
    # The library's message is a Wording: kept as it is, the reader gets it in their language.
    message = getattr(error, "message", None)
    translated = ParleyError(message if isinstance(message, str) else str(error))
    translated.code = code
    translated.status = _AKN_STATUS.get(code, 422)
    problems = getattr(error, "problems", None)
    if problems:
        translated.details["problems"] = [
            {"message": getattr(p, "message", str(p)), "path": getattr(p, "path", None),
             "line": getattr(p, "line", None)}
            for p in list(problems)[:50]
        ]
    return translated


# --- consultation ------------------------------------------------------------------------------------------


class ConsultationClosed(Conflict):
    """No consultation of the bill takes comments at this moment."""

    code = "consultation_closed"


class ConsultationOverlap(Conflict):
    code = "consultation_overlap"


class NothingToCommentOn(Conflict):
    """The version a consultation would be on has no provision a comment could be about."""

    code = "nothing_to_comment_on"


class QuoteNotFound(ValidationFailed):
    """The quoted words are not in the provision the comment is about."""

    code = "quote_not_found"


class EditWindowClosed(Conflict):
    """An author may change a comment only shortly after posting it."""

    code = "edit_window_closed"


class CommentAnswered(Conflict):
    """Parliament has answered the comment (or its campaign): it stays on the record, answer and all."""

    code = "comment_answered"


class AlreadyDone(Conflict):
    """Done before by the same person: a comment endorsed or flagged again, an amendment co-sponsored by its own
    proposer."""

    code = "already_done"


class EmailNotVerified(Forbidden):
    code = "email_not_verified"


class EmailRefused(ValidationFailed):
    """The address is malformed or at a disposable domain."""

    code = "email_refused"


class EmailTaken(Conflict):
    """Another account already verified this address (one account per address)."""

    code = "email_taken"


class VerificationFailed(BadRequest):
    """The verification link is unknown, used or expired."""

    code = "verification_failed"


class AlreadyVerified(Conflict):
    """A verification link that confirmed its address cannot then disown the sign-up."""

    code = "already_verified"


class SignUpDisowned(Conflict):
    """The address's owner said this sign-up was not theirs: the account has no address left to confirm."""

    code = "sign_up_disowned"


class AmendmentWindowClosed(Conflict):
    """The bill does not take amendments now (its amendment window is closed)."""

    code = "amendment_window_closed"


class AmendmentDefeated(Conflict):
    """An adopted amendment defeats this one; it can only fall or be withdrawn."""

    code = "amendment_defeated"


class UnconsolidatedEdits(Conflict):
    """The bill's working text has unpublished edits, which a consolidation would overwrite."""

    code = "unconsolidated_edits"


class AmendmentsLeaveOutTheBody(Conflict):
    """Adopted deletions that together would leave out every provision of a body: a bill cannot be empty."""

    code = "amendments_leave_out_the_body"


class AmendmentOutdated(Conflict):
    """The version an amendment was made on has been followed by one where its provision is gone or reads
    otherwise: it cannot be made as worded (its proposer proposes it again on the latest version)."""

    code = "amendment_outdated"


class AmendmentsIncompatible(Conflict):
    """Adopted amendments that cannot all be made: one takes out the provision another amends or inserts, or two
    insert provisions with the same number side by side."""

    code = "amendments_incompatible"


class ProvisionReadOnly(ValidationFailed):
    """An amendment to a provision of a document Parley keeps but does not amend (a portion, a debate, a
    collection's explanatory memorandum): only bills and acts are amended, and such an amendment could never
    be made."""

    code = "provision_read_only"


class ProvisionSettled(Conflict):
    """An edit would change the words of a provision that adopted amendments, not yet consolidated, amend."""

    code = "provision_settled"


class ProvisionsNumberedAlike(Conflict):
    """The working text has provisions side by side with one number, which a version may not have."""

    code = "provisions_numbered_alike"


class AdoptedAmendmentsPending(Conflict):
    """Publishing the working text, or deleting from it, would change what adopted amendments, not yet
    consolidated, were made on."""

    code = "adopted_amendments_pending"


# --- open data ---------------------------------------------------------------------------------------------


class WebhookTargetRefused(ValidationFailed):
    """A webhook URL points at an internal, loopback or private address (or does not resolve)."""

    code = "webhook_target_refused"


class UnsubscribeFailed(BadRequest):
    """The unsubscribe link is malformed or was not signed by this Parley."""

    code = "unsubscribe_failed"


class NoEmailAddress(Conflict):
    """The account has no (verified) email address to send notifications to."""

    code = "no_email_address"
