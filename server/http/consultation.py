"""The consultation API: consultations, comments, moderation, answers, citizen sign-up, open data.

See ``docs/api-consultation.md``. Handlers parse, call one service inside one unit of work, and reply; mail goes
out only after the transaction that justified it has committed.
"""

from __future__ import annotations

import json
import logging
import time
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Flask, Response, current_app, jsonify, make_response, request
from flask_limiter import HeaderNames, Limiter, RateLimitExceeded
from limits import RateLimitItem
from limits import parse as parse_limit
from sqlalchemy.orm import Session

from server.domain.consultation import CommentState
from server.domain.roles import Role
from server.domain.wording import Wording, word, wording
from server.errors import BadRequest, RateLimited, ValidationFailed
from server.http.context import (
    address_key,
    current_principal,
    database,
    int_arg,
    json_body,
    page_reply,
    page_request,
    str_arg,
)
from server.http.errors import error_response
from server.http.i18n import current_language, localized
from server.http.intake import write_as_citizen
from server.http.pages_common import page
from server.http.validation import Field, summary
from server.services import consultation as consultations
from server.services import consultation_answers as answers
from server.services import consultation_comments as comments
from server.services import consultation_views as views
from server.services import mail, moderation, registration
from server.services.consultation import ConsultationSettings
from server.services.principal import require
from server.store import eventlog
from server.store.consultation_models import Comment

log = logging.getLogger(__name__)

consultation = Blueprint("consultation", __name__, url_prefix="/api")

#: The endpoints of citizens' writes, bounded and grouped by ``server.http.intake``.
CITIZEN_WRITES = ("consultation.post_comment", "consultation.endorse", "consultation.flag")


def settings() -> ConsultationSettings:
    return ConsultationSettings.from_config(current_app.config)


def _timestamp(body: dict[str, Any], name: str) -> datetime:
    """An ISO 8601 time from the body as naive UTC (a time without an offset is taken as UTC)."""
    raw = body.get(name)
    try:
        parsed = datetime.fromisoformat(str(raw).replace("Z", "+00:00")) if isinstance(raw, str) else None
        # In UTC a time at the edge of the calendar (9999-12-31T23:00-05:00) falls outside it.
        utc = parsed.astimezone(UTC).replace(tzinfo=None) if parsed and parsed.tzinfo else parsed
    except (ValueError, OverflowError):
        utc = None
    if utc is None:
        # Told as the schema check tells a malformed time (the schema lets by one that is well formed but, in
        # UTC, off the calendar).
        problem = Field(f"body.{name}", wording("%(name)s must be an ISO 8601 time such as 2026-12-01T09:00:00Z; "
                                                "found %(found)r", name=name, found=raw))
        raise ValidationFailed(summary([problem]), fields=[problem.to_dict()])
    return utc


def comment_dict(comment: Comment) -> dict[str, Any]:
    """A comment as its author sees it right after a change."""
    return {
        "id": comment.id, "bill_id": comment.bill_id, "consultation_id": comment.consultation_id,
        "eid": comment.eid, "wid": comment.wid, "version": comment.version, "body": comment.body,
        "quote": comment.quote, "reply_to": comment.reply_to, "state": comment.state,
        "held_because": comment.state_reason if comment.state == "held" else None,
        "author": comment.author_id, "created_at": comment.created_at.isoformat() + "Z",
        "edited_at": comment.edited_at.isoformat() + "Z" if comment.edited_at else None,
        "endorsements": comment.endorsements, "cluster_id": comment.cluster_id,
    }


# --- consultations -----------------------------------------------------------------------------------------


@consultation.post("/bills/<int:bill_id>/consultations")
def open_consultation(bill_id: int) -> tuple[Response, int]:
    body = json_body()
    opens_at, closes_at = _timestamp(body, "opens_at"), _timestamp(body, "closes_at")
    principal = current_principal()
    with database().write() as session:
        opened = consultations.open_consultation(
            session, principal, bill_id, opens_at=opens_at, closes_at=closes_at, questions=body.get("questions")
        )
        reply = consultations.consultation_dict(opened, eventlog.utcnow())
    return jsonify(reply), 201


@consultation.get("/bills/<int:bill_id>/consultations")
def list_consultations(bill_id: int) -> Response:
    page = page_request()
    with database().read() as session:
        found = views.consultation_page(session, bill_id, page)
        now = eventlog.utcnow()
        return jsonify(page_reply("consultations", [consultations.consultation_dict(c, now) for c in found.items],
                                  found))


# --- comments ----------------------------------------------------------------------------------------------


@consultation.post("/bills/<int:bill_id>/comments")
def post_comment(bill_id: int) -> tuple[Response, int]:
    body = json_body()
    principal = current_principal()
    rules = settings()

    def post(session: Session) -> dict[str, Any]:
        return comment_dict(comments.post_comment(
            session, principal, bill_id, eid=body.get("eid"), body=body.get("body"), quote=body.get("quote"),
            reply_to=body.get("reply_to"), settings=rules,
        ))

    reply = write_as_citizen(post)
    return jsonify(reply), 201


@consultation.get("/bills/<int:bill_id>/comments")
def list_comments(bill_id: int) -> Response:
    campaigns = str_arg("campaigns")  # the schema allows only "grouped"
    criteria = views.CommentFilter(state=str_arg("state") or CommentState.VISIBLE,
                                   author_id=int_arg("author", 0, minimum=1) or None, eid=str_arg("eid"),
                                   cluster_id=int_arg("cluster", 0, minimum=1) or None,
                                   campaigns_grouped=campaigns == "grouped")
    page = page_request()
    principal = current_principal()
    views.check_reader(principal, criteria)
    # Only a citizen endorses, so only a citizen's list says which comments they endorsed.
    endorser = principal.user_id if principal is not None and principal.role is Role.CITIZEN else None
    reader = principal.user_id if principal is not None else None
    rules = settings()
    with database().read() as session:
        found = views.comment_page(session, bill_id, criteria, page, rules, endorser_id=endorser, reader_id=reader)
        # The notices of hidden comments among this page's ids, so that each page shows where they were.
        hidden = views.hidden_notices(session, bill_id, eid=criteria.eid, after=page.after, up_to=found.next_after,
                                      reader_id=reader)
        # The reader's own comments waiting for a clerk, where they were posted; a list of held comments itself
        # (state=held) holds them already.
        held = views.held_notices(session, bill_id, reader, rules, eid=criteria.eid, after=page.after,
                                  up_to=found.next_after) if criteria.state == CommentState.VISIBLE else []
        # Where withdrawn comments with replies stood, so that those replies keep their place in the thread.
        withdrawn = views.withdrawn_notices(session, bill_id, eid=criteria.eid, after=page.after,
                                            up_to=found.next_after)
    return jsonify(page_reply("comments", found.items, found, hidden=hidden, held=held, withdrawn=withdrawn))


@consultation.get("/bills/<int:bill_id>/comments/counts")
def comment_counts(bill_id: int) -> Response:
    with database().read() as session:
        return jsonify(views.provision_counts(session, bill_id, settings()))


@consultation.get("/bills/<int:bill_id>/clusters")
def list_clusters(bill_id: int) -> Response:
    page = page_request()
    with database().read() as session:
        found = views.cluster_page(session, bill_id, settings(), page)
        return jsonify(page_reply("clusters", found.items, found))


@consultation.patch("/comments/<int:comment_id>")
def edit_comment(comment_id: int) -> Response:
    body = json_body()
    principal = current_principal()
    with database().write() as session:
        edited = comments.edit_comment(session, principal, comment_id, body=body.get("body"),
                                       quote=body.get("quote"), settings=settings())
        return jsonify(comment_dict(edited))


@consultation.delete("/comments/<int:comment_id>")
def delete_comment(comment_id: int) -> tuple[str, int]:
    principal = current_principal()
    with database().write() as session:
        comments.delete_comment(session, principal, comment_id, settings=settings())
    return "", 204


@consultation.post("/comments/<int:comment_id>/endorsements")
def endorse(comment_id: int) -> tuple[Response, int]:
    principal = current_principal()

    def endorse(session: Session) -> dict[str, Any]:
        endorsed = comments.endorse_comment(session, principal, comment_id)
        return {"comment_id": endorsed.id, "endorsements": endorsed.endorsements}

    reply = write_as_citizen(endorse)
    return jsonify(reply), 201


@consultation.post("/comments/<int:comment_id>/flags")
def flag(comment_id: int) -> tuple[Response, int]:
    body = json_body()
    principal = current_principal()

    def flag(session: Session) -> dict[str, Any]:
        flagged = moderation.flag_comment(session, principal, comment_id, reason=body.get("reason"),
                                          note=body.get("note"))
        return {"comment_id": flagged.comment_id, "reason": flagged.reason}

    reply = write_as_citizen(flag)
    return jsonify(reply), 201


@consultation.post("/comments/<int:comment_id>/not-mine")
def disown(comment_id: int) -> Response:
    body = request.get_json(silent=True) or {}
    principal = current_principal()
    with database().write() as session:
        moderation.disown_comment(session, principal, comment_id, note=body.get("note"))
    return jsonify({"comment_id": comment_id, "state": "held"})


# --- moderation --------------------------------------------------------------------------------------------


@consultation.post("/comments/<int:comment_id>/moderation")
def moderate(comment_id: int) -> Response:
    body = json_body()
    principal = current_principal()
    with database().write() as session:
        moderated = moderation.moderate(session, principal, comment_id, action=body.get("action"),
                                        reason=body.get("reason"))
        reply = comment_dict(moderated) | {"reason": moderated.state_reason}
        told = moderation.decision_mail(session, moderated, str(current_app.config.get("PUBLIC_URL", "")))
    _send(told, f"could not tell the author of comment {comment_id} of a moderator's decision")
    return jsonify(reply)


def _send(mails: list[mail.Mail], failure: str) -> None:
    """Send what tells people of a decision already committed: a mail server that fails must not undo it."""
    sender = mail.sender_from_config(current_app.config)
    for message in mails:
        try:
            sender.send(message)
        except Exception:
            log.exception(failure)


@consultation.get("/moderation/queue")
def moderation_queue() -> Response:
    page = page_request(default=200)
    with database().read() as session:
        found = moderation.queue_page(session, current_principal(), page)
        return jsonify(page_reply("comments", found.items, found))


@consultation.get("/moderation/history")
def moderation_history() -> Response:
    page = page_request(default=200)
    with database().read() as session:
        found = moderation.history_page(session, current_principal(), page)
        return jsonify(page_reply("acts", found.items, found))


@consultation.post("/users/<int:user_id>/suspension")
def suspend(user_id: int) -> Response:
    body = json_body()
    principal = current_principal()
    with database().write() as session:
        user = moderation.set_suspended(session, principal, user_id, suspended=True, reason=body.get("reason"))
        return jsonify({"id": user.id, "suspended": user.suspended})


@consultation.delete("/users/<int:user_id>/suspension")
def reinstate(user_id: int) -> Response:
    body = request.get_json(silent=True) or {}
    principal = current_principal()
    with database().write() as session:
        user = moderation.set_suspended(session, principal, user_id, suspended=False, reason=body.get("reason"))
        return jsonify({"id": user.id, "suspended": user.suspended})


# --- answers -----------------------------------------------------------------------------------------------


def _answer(comment_id: int | None, cluster_id: int | None) -> tuple[Response, int]:
    body = json_body()
    principal = current_principal()
    with database().write() as session:
        answered = answers.answer(session, principal, comment_id=comment_id, cluster_id=cluster_id,
                                  body=body.get("body"), fate=body.get("fate"), version=body.get("version"),
                                  amendment_id=body.get("amendment_id"))
        reply = views.answer_dict(answered.answer)
    _notify(answered)
    return jsonify(reply), 201


def _notify(answered: answers.Answered) -> None:
    public_url = str(current_app.config.get("PUBLIC_URL", ""))
    _send([answered.mail_to(recipient, public_url) for recipient in answered.recipients],
          f"could not notify a commenter of an answer on bill {answered.answer.bill_id}")


@consultation.post("/comments/<int:comment_id>/answers")
def answer_comment(comment_id: int) -> tuple[Response, int]:
    return _answer(comment_id, None)


@consultation.post("/clusters/<int:cluster_id>/answers")
def answer_cluster(cluster_id: int) -> tuple[Response, int]:
    return _answer(None, cluster_id)


# --- open data ---------------------------------------------------------------------------------------------


@consultation.get("/consultations/<int:consultation_id>/export.json")
def export_json(consultation_id: int) -> Response:
    with database().read() as session:
        rows = views.export_rows(session, consultation_id, settings())
    return Response(json.dumps({"comments": rows}, ensure_ascii=False), mimetype="application/json",
                    headers={"Content-Disposition": f'attachment; filename="consultation-{consultation_id}.json"'})


@consultation.get("/consultations/<int:consultation_id>/export.csv")
def export_csv(consultation_id: int) -> Response:
    with database().read() as session:
        rows = views.export_rows(session, consultation_id, settings())
    return Response(views.export_csv(rows), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="consultation-{consultation_id}.csv"'})


# --- citizens ----------------------------------------------------------------------------------------------


@consultation.post("/citizens")
def sign_up() -> tuple[Response, int]:
    body = json_body()
    username, password = body.get("username"), body.get("password")
    if not isinstance(username, str) or not isinstance(password, str):
        raise BadRequest(wording("send %(shape)s", shape='{"username": <string>, "email": <string>, "password": '
                                                         '<string>}'))
    display_name = body.get("display_name") if isinstance(body.get("display_name"), str) else None
    with database().write() as session:
        signed = registration.sign_up(session, username=username, email=body.get("email"), password=password,
                                      display_name=display_name, language=current_language(),
                                      ttl_hours=int(current_app.config.get("VERIFICATION_TTL_HOURS", 48)),
                                      reserved_words=current_app.config.get("RESERVED_DISPLAY_NAME_WORDS", ()))
    sent = send_sign_up_mail(signed)
    # The same answer whether an account was made or the address's owner is told of the try (no account id: it
    # would tell which).
    return jsonify({"username": username.strip().lower(), "verification_sent": sent}), 201


def send_sign_up_mail(signed: registration.SignedUp) -> bool:
    """Mail what a sign-up calls for (see ``registration.SignedUp``); False when the mail server fails (an account
    made stays, and may ask again)."""
    return _mail_to_account(signed.mail(str(current_app.config.get("PUBLIC_URL", "")), current_language()))


def send_verification_mail(address: str, token: str, user_id: int) -> bool:
    """Mail a verification link, in the language of the page or client asking; False when the mail server fails
    (the account stays, and may ask again)."""
    return _mail_to_account(registration.verification_mail(
        address, token, str(current_app.config.get("PUBLIC_URL", "")), current_language()))


def _mail_to_account(message: mail.Mail) -> bool:
    try:
        mail.sender_from_config(current_app.config).send(message)
    except Exception:
        log.exception("could not send %r to an account's address", message.subject)
        return False
    return True


@consultation.post("/citizens/verification/resend")
def resend_verification() -> Response:
    """Another verification mail for the signed-in citizen, to the address the account signed up with."""
    principal = require(current_principal(), Role.CITIZEN)
    with database().write() as session:
        address, token = registration.resend(session, principal,
                                             ttl_hours=int(current_app.config.get("VERIFICATION_TTL_HOURS", 48)))
    return jsonify({"verification_sent": send_verification_mail(address, token, principal.user_id)})


@consultation.post("/citizens/verification")
def verify() -> Response:
    body = json_body()
    with database().write() as session:
        user = registration.verify(session, body.get("token"))
        return jsonify({"id": user.id, "username": user.username, "verified": True})


@consultation.post("/citizens/verification/disowned")
def disown_sign_up() -> Response:
    """The mail's recipient did not sign up: the sign-up loses the address, which stays free for its owner."""
    body = json_body()
    with database().write() as session:
        user = registration.disown(session, body.get("token"))
        return jsonify({"id": user.id, "disowned": True})


# --- rate limits -------------------------------------------------------------------------------------------


def _taken(response: Response) -> bool:
    return response.status_code < 400


_EVERY_ATTEMPT_COUNTS = frozenset({"sign_up", "verify", "disown_sign_up", "resend_verification"})


def account_key() -> str:
    principal = current_principal()
    return f"user:{principal.user_id}" if principal is not None else address_key()


def limit_wording(item: RateLimitItem) -> Wording:
    """A budget as the limits library writes it ("10 per 15 minute"), its unit translated where it is shown."""
    return wording("%(amount)d per %(multiples)d %(unit)s", amount=item.amount, multiples=item.multiples,
                   unit=word(item.GRANULARITY.name))


def _rate_limited(limiter: Limiter, error: RateLimitExceeded) -> Response:
    limit = getattr(getattr(error, "limit", None), "limit", None)
    what: str = (limit_wording(limit) if isinstance(limit, RateLimitItem)
                 else error.description or wording("the rate limit"))
    breached = limiter.current_limit
    return _too_many(what, breached.reset_at if breached is not None else time.time() + 60)


def _too_many(what: str, reset_at: float) -> Response:
    """The 429 of a spent budget ``what``, with the seconds until ``reset_at`` (epoch) in Retry-After."""
    message = localized(wording("too many requests: the limit is %(limit)s; wait and try again", limit=what))
    if request.path.startswith("/api/"):
        response = error_response(RateLimited.code, message, RateLimited.status)
    else:
        # A form (signing in, signing up) was sent from a page: the answer is a page that says so, not JSON.
        sentence = message[:1].upper() + message[1:]
        response = make_response(page("error.html", RateLimited.status, error=RateLimited(sentence)))
    response.headers["Retry-After"] = str(max(1, int(reset_at - time.time())))
    return response


def _refuse_spent_addresses(app: Flask, limiter: Limiter, plan: dict[str, list[tuple[str, Any, str]]]) -> None:
    """Refuse a write from an address whose budget is spent before anything else is done for it.

    The limiter counts a request only when its handler is about to run, after it has been authenticated and
    checked against its schema: in a flood from one address, every refusal would pay for both, and take that time
    from the writes let in before it. This looks at the address's budget first (without spending any of it); the
    limiter still counts and refuses as before for all that passes.
    """
    prefix = str(app.config.get("RATELIMIT_KEY_PREFIX") or "")
    budgets = {f"{consultation.name}.{name}": [(parse_limit(value), scope) for value, key, scope in limits
                                               if key is address_key]
               for name, limits in plan.items()}

    @app.before_request
    def _refuse_when_the_address_has_spent_its_budget() -> Response | None:
        if request.method == "OPTIONS":
            return None  # Flask answers it without the view, which the limiter would not count either
        for item, scope in budgets.get(request.endpoint or "", ()):
            identifiers = [part for part in (prefix, address_key(), scope) if part]
            try:
                if limiter.limiter.test(item, *identifiers):
                    continue
                reset_at = limiter.limiter.get_window_stats(item, *identifiers).reset_time
            except Exception:
                # An unreachable store (Redis down): the limiter's own check, which runs next, decides what that
                # means (an error, or its in-memory fallback when configured).
                return None
            refused = _too_many(limit_wording(item), reset_at)
            # The window's state, as the limiter itself says it on what it answers.
            refused.headers["X-RateLimit-Limit"] = str(item.amount)
            refused.headers["X-RateLimit-Remaining"] = "0"
            refused.headers["X-RateLimit-Reset"] = str(int(reset_at))
            return refused
        return None


def _storage_uri(config: dict[str, Any]) -> str:
    """Redis when configured (so every server process shares the counts), else this process's memory."""
    explicit = config.get("RATELIMIT_STORAGE_URI")
    queue = config.get("SOCKETIO_MESSAGE_QUEUE")
    if explicit:
        return str(explicit)
    if isinstance(queue, str) and queue.startswith(("redis://", "rediss://")):
        return queue
    return "memory://"


def register_consultation(app: Flask) -> None:
    """Register the blueprint and its rate limits (one limiter per application, bound here)."""
    app.register_blueprint(consultation)
    if not app.config.get("RATELIMIT_ENABLED", True):
        return
    config = dict(app.config)
    # The limiter would put its own Retry-After (when its window resets) on every answer, a 201 included, and
    # over any other 429's: Retry-After is set only by the 429s themselves, the window's reset stays in X- headers.
    limiter = Limiter(key_func=address_key, storage_uri=_storage_uri(config),
                      strategy=str(config.get("RATELIMIT_STRATEGY", "moving-window")), headers_enabled=True,
                      header_name_mapping={HeaderNames.RETRY_AFTER: "X-RateLimit-Retry-After"})
    limiter.init_app(app)
    account, address = str(config["COMMENT_LIMIT_PER_ACCOUNT"]), str(config["COMMENT_LIMIT_PER_ADDRESS"])
    reactions, signups = str(config["REACTION_LIMIT_PER_ACCOUNT"]), str(config["SIGNUP_LIMIT_PER_ADDRESS"])
    resends = str(config["VERIFICATION_RESEND_LIMIT_PER_ACCOUNT"])
    plan: dict[str, list[tuple[str, Any, str]]] = {
        "post_comment": [(account, account_key, "comment-account"), (address, address_key, "comment-address")],
        "edit_comment": [(reactions, account_key, "reaction-account")],
        "endorse": [(reactions, account_key, "reaction-account"), (address, address_key, "comment-address")],
        "flag": [(reactions, account_key, "reaction-account"), (address, address_key, "comment-address")],
        "disown": [(reactions, account_key, "reaction-account")],
        "sign_up": [(signups, address_key, "signup-address")],
        "verify": [(signups, address_key, "signup-address")],
        "disown_sign_up": [(signups, address_key, "signup-address")],
        "resend_verification": [(resends, account_key, "resend-account"), (signups, address_key, "signup-address")],
    }
    for name, limits in plan.items():
        endpoint = f"{consultation.name}.{name}"
        view: Any = app.view_functions[endpoint]
        # A citizen's comments, reactions and reports spend the budget when they are taken: a post refused by a rule
        # (a quote not in the provision, a closed window) is not one of the "10 a minute" the contract promises.
        # Sign-ups and confirmations spend it whatever the answer: their failures are what the budget is against.
        counted = None if name in _EVERY_ATTEMPT_COUNTS else _taken
        for value, key_func, scope in limits:
            # A shared scope makes several endpoints draw on one budget (e.g. all writes of one address).
            view = limiter.shared_limit(value, scope=scope, key_func=key_func, deduct_when=counted)(view)
        app.view_functions[endpoint] = view
    app.register_error_handler(RateLimitExceeded, lambda error: _rate_limited(limiter, error))
    _refuse_spent_addresses(app, limiter, plan)
