"""What each ``/api`` operation takes and answers, as data: one :class:`Operation` per (method, Flask rule).

``server.http.openapi`` turns these into the OpenAPI 3.1 document; path parameters come from the Flask rule
itself, so only query parameters, bodies and answers are declared here. A route without a declaration is a bug
(a test walks the URL map). Schemas are JSON Schema 2020-12, as OpenAPI 3.1 uses it: they state the fields
clients rely on and let objects carry more. Request schemas are enforced: ``server.http.validation`` checks every
query and JSON body against them before the handler runs, so they say what is required, of which type and how long.
Optional fields accept null, which handlers read as "not sent".

Pure: no Flask, no SQLAlchemy, no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Final

from server.domain.amendments import AmendmentAction, AmendmentState
from server.domain.bills import BillStatus
from server.domain.consultation import (
    MAX_BODY_CHARS,
    MAX_QUESTION_CHARS,
    MAX_QUESTIONS,
    MAX_QUOTE_CHARS,
    MAX_REASON_CHARS,
    CommentState,
    Fate,
    FlagReason,
)
from server.domain.instructions import StyleName
from server.domain.opendata import PUBLIC_EVENT_TYPES, Frequency, SubscriptionTarget
from server.domain.paging import CURSOR_PATTERN, DEFAULT_LIMIT, MAX_CURSOR_LENGTH, MAX_LIMIT
from server.domain.roles import Role

Schema = dict[str, Any]

JSON: Final = "application/json"
AKN: Final = "application/akn+xml"
# Generic XML types a client may send an AKN document as: a document is read as AKN whatever it is labelled.
XML_ALSO_AKN: Final = ("application/xml", "text/xml")


class Auth(StrEnum):
    """Whether an operation needs the bearer token (or the browser session)."""

    NONE = "none"
    OPTIONAL = "optional"
    REQUIRED = "required"


@dataclass(frozen=True)
class Param:
    """A query parameter."""

    name: str
    schema: Schema
    description: str = ""
    required: bool = False


@dataclass(frozen=True)
class Operation:
    """One operation: what it is for, who may call it, what it takes and what it answers on success."""

    summary: str
    tag: str
    auth: Auth = Auth.NONE
    params: tuple[Param, ...] = ()
    body: Schema | None = None
    body_media: str = JSON
    # Further media types the same body is accepted as (declared beside ``body_media``).
    body_media_also: tuple[str, ...] = ()
    body_required: bool = True
    status: int = 200
    # None: the success answer has no body (204).
    response: Schema | None = field(default_factory=dict)
    response_media: str = JSON
    # Statuses with the error body this operation is known to answer (any other is still an error body).
    errors: tuple[int, ...] = ()
    description: str = ""
    # The roles that may call (checked before the request is validated); empty: any account, or as the service
    # decides (owners, proposers).
    roles: tuple[Role, ...] = ()


ERROR: Final[Schema] = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string", "pattern": "^[a-z0-9_]+$"},
                "message": {"type": "string"},
                # validation_failed: every problem found, e.g. {"field": "body.eid", "message": "eid is required"}.
                "fields": {"type": "array", "items": {
                    "type": "object", "required": ["field", "message"],
                    "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
                }},
            },
        }
    },
}


def obj(required: list[str] | None = None, **properties: Schema) -> Schema:
    """An object schema with these properties, the named ones required, others allowed."""
    schema: Schema = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    return schema


def array(items: Schema) -> Schema:
    return {"type": "array", "items": items}


def listing(key: str, items: Schema, **extra: Schema) -> Schema:
    """The contract's list answer: an object whose plural key holds the list."""
    return obj([key], **{key: array(items)}, **extra)


def nullable(schema: Schema) -> Schema:
    return {"anyOf": [schema, {"type": "null"}]}


def text(max_length: int, min_length: int = 0) -> Schema:
    """A string of bounded length."""
    schema: Schema = {"type": "string", "maxLength": max_length}
    if min_length:
        schema["minLength"] = min_length
    return schema


def one_of(values: list[str], default: str | None = None) -> Schema:
    schema: Schema = {"type": "string", "enum": values}
    if default is not None:
        schema["default"] = default
    return schema


def when(field_name: str, value: str, *required: str) -> Schema:
    """``if``/``then``: these fields are required when ``field_name`` is ``value``."""
    return {"if": {"properties": {field_name: {"const": value}}, "required": [field_name]},
            "then": {"required": list(required)}}


STRING: Final[Schema] = {"type": "string"}
INTEGER: Final[Schema] = {"type": "integer"}
BOOLEAN: Final[Schema] = {"type": "boolean"}
TIME: Final[Schema] = {"type": "string", "description": "UTC, ISO 8601"}
ID: Final[Schema] = {"type": "integer", "minimum": 1, "maximum": 2_147_483_647}
ANY_OBJECT: Final[Schema] = {"type": "object"}
BINARY: Final[Schema] = {"type": "string", "contentMediaType": "application/octet-stream"}

BILL: Final = obj(["id", "title", "work_uri", "expression_uri", "status"], id=INTEGER, title=STRING,
                  doctype=STRING, country=STRING, work_uri=STRING, expression_uri=STRING, status=STRING,
                  version=INTEGER, updated_at=TIME)
PROVISION_NODE: Final = obj(["eid", "text", "rev"], eid=STRING, num=nullable(STRING), heading=nullable(STRING),
                            label=STRING, citation=STRING, text=STRING, rev=INTEGER, children=array(ANY_OBJECT),
                            settled_by=array(INTEGER))
BILL_DETAIL: Final = obj(["id", "title", "work_uri", "versions", "provisions"], id=INTEGER, title=STRING,
                         work_uri=STRING, versions=array(ANY_OBJECT), provisions=array(PROVISION_NODE))
PROVISION: Final = obj(["eid", "text", "rev"], eid=STRING, wid=nullable(STRING), num=nullable(STRING),
                       heading=nullable(STRING), text=STRING, rev=INTEGER)
EVENT: Final = obj(["id", "type", "at", "data"], id=INTEGER, type=STRING, bill=nullable(INTEGER), at=TIME,
                   data=ANY_OBJECT)
AMENDMENT: Final = obj(["id", "number", "state", "eid", "instruction"], id=INTEGER, bill_id=INTEGER,
                       number=nullable(INTEGER), state=STRING, action=STRING, eid=STRING, instruction=STRING,
                       justification=STRING, proposer_id=INTEGER, cosponsor_ids=array(INTEGER),
                       conflicts_with=array(INTEGER), live_conflicts=array(INTEGER), akn_uri=STRING,
                       citation=STRING, outdated=nullable(STRING))
AMENDMENT_PROPOSAL: Final = {
    **obj(
        ["eid"], eid=text(400, 1), text=nullable(text(100_000)), justification=nullable(text(100_000)),
        action=nullable(one_of([a.value for a in AmendmentAction], AmendmentAction.TEXT.value)),
        style=nullable(one_of([s.value for s in StyleName], StyleName.WESTMINSTER.value)),
        name=nullable(text(40)), num=nullable(text(100)), heading=nullable(text(1000)),
    ),
    # Every action but a deletion says what the provision (or the new one) should read.
    "if": {"not": {"properties": {"action": {"const": AmendmentAction.DELETE.value}}, "required": ["action"]}},
    "then": {"required": ["text"], "properties": {"text": {"type": "string"}}},
}
AMENDMENT_PREVIEW: Final = obj(
    ["bill_id", "action", "eid", "citation", "instruction", "base_version", "conflicts_with"], bill_id=INTEGER,
    action=STRING, eid=STRING, citation=STRING, instruction=STRING, base_version=INTEGER,
    base_expression_uri=STRING, conflicts_with=array(INTEGER), defeated_by=nullable(INTEGER),
)
CONSULTATION: Final = obj(["id"], id=INTEGER, bill_id=INTEGER, opens_at=TIME, closes_at=TIME)
COMMENT: Final = obj(["id", "eid", "body", "created_at"], id=INTEGER, eid=STRING, body=STRING, created_at=TIME)
WEBHOOK: Final = obj(["id", "url", "event_types", "bill_id", "created_at"], id=INTEGER, url=STRING,
                     event_types=array(STRING), bill_id=nullable(INTEGER), created_at=TIME)
DELIVERY: Final = obj(
    ["id", "event_id", "event_type", "state", "attempts"], id=INTEGER, event_id=INTEGER, event_type=STRING,
    state={"enum": ["pending", "delivered", "failed"]}, attempts=INTEGER, last_status=nullable(INTEGER),
    last_error=nullable(STRING), next_attempt_at=TIME, delivered_at=nullable(TIME),
)
SUBSCRIPTION: Final = obj(
    ["id", "target", "frequency", "active", "created_at"], id=INTEGER, target={"enum": ["bill", "provision", "mp"]},
    bill_id=nullable(INTEGER), eid=nullable(STRING), member_id=nullable(INTEGER),
    frequency={"enum": ["immediate", "daily"]}, active=BOOLEAN, created_at=TIME,
)
SEARCH_RESULT: Final = obj(["kind", "bill_id", "title", "excerpt", "score"],
                           kind={"enum": ["bill", "provision", "amendment", "comment"]}, bill_id=INTEGER,
                           eid=nullable(STRING), title=STRING, excerpt=STRING, score={"type": "number"})
ANSWER: Final = obj(["id"], id=INTEGER)

TEXT: Final = "text/plain"

# --- request pieces
EID: Final = text(400, 1)
WORDS: Final = text(100_000)  # provision texts and justifications (services hold them to tighter limits)
REASON: Final = text(MAX_REASON_CHARS)
# What the handlers parse: ISO 8601; "Z" or an offset; a time without one is UTC.
REQUEST_TIME: Final[Schema] = {"type": "string", "format": "date-time", "maxLength": 64,
                               "description": "ISO 8601, e.g. 2026-12-01T09:00:00Z"}
ANSWER_BODY: Final = obj(["body", "fate"], body=text(MAX_BODY_CHARS, 1), fate=one_of([f.value for f in Fate]),
                         version=nullable(ID), amendment_id=nullable(ID))
COMMENT_STATES: Final = [state.value for state in CommentState]

# --- pages
CURSOR: Final[Schema] = {"type": "string", "minLength": 1, "maxLength": MAX_CURSOR_LENGTH, "pattern": CURSOR_PATTERN}


def paging(default: int = DEFAULT_LIMIT, maximum: int = MAX_LIMIT) -> tuple[Param, Param]:
    """``limit`` and ``cursor``: every list is read a page at a time."""
    return (
        Param("limit", {"type": "integer", "minimum": 1, "maximum": maximum, "default": default},
              f"How many items a page holds at most (default {default})."),
        Param("cursor", CURSOR, "Where to continue: the \"next\" of the previous page (leave out for the first)."),
    )


def paged(key: str, items: Schema, **extra: Schema) -> Schema:
    """A page of a list: the plural key, and ``next``, the cursor of the following page (null on the last)."""
    schema = listing(key, items, next=nullable(STRING), **extra)
    schema["required"] = [key, "next"]
    return schema


LIMIT: Final = Param("limit", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": 200},
                     "How many items a page holds at most (default 200).")


CLERKS: Final = (Role.CLERK, Role.ADMIN)
ANSWERERS: Final = (Role.DRAFTER, Role.CLERK, Role.ADMIN)


def _comment_action(summary: str, status: int, response: Schema, errors: tuple[int, ...], body: Schema | None = None,
                    *, body_required: bool = True, roles: tuple[Role, ...] = ()) -> Operation:
    return Operation(summary, "consultation", Auth.REQUIRED, body=body, body_required=body_required, status=status,
                     response=response, errors=errors, roles=roles)


OPERATIONS: Final[dict[tuple[str, str], Operation]] = {
    # --- identity
    ("POST", "/api/tokens"): Operation(
        "Sign in: exchange a username and password for a bearer token", "identity",
        body=obj(["username", "password"], username=text(200, 1), password=text(1024, 1)), status=201,
        response=obj(["token"], token=STRING, user=obj(["id", "role"], id=INTEGER, role=STRING)),
        errors=(400, 401, 422, 429),
    ),
    ("POST", "/api/account/password"): Operation(
        "Change your own password", "identity", Auth.REQUIRED,
        body=obj(["current_password", "new_password"], current_password=text(1024, 1), new_password=text(1024, 1)),
        response=obj(["id", "changed"], id=INTEGER, changed=BOOLEAN), errors=(400, 401, 403, 422, 429),
        description="A wrong current_password is 403 wrong_password, and counts as a failed sign-in on the "
                    "account. On success every other bearer token of the account is revoked and its other browser "
                    "sessions end; the token (or session) asking stays valid.",
    ),
    ("GET", "/api/session"): Operation(
        "Who this request is signed in as (bearer token or browser session), or nobody", "identity", Auth.OPTIONAL,
        response=obj(["user"], user=nullable(obj(["id", "role"], id=INTEGER, role=STRING))),
        description="Never an error: an unknown or revoked token and an ended session answer {\"user\": null}. "
                    "Pages ask it before reconnecting a live connection closed with signed_out.",
    ),
    ("POST", "/api/password-resets"): Operation(
        "Forgotten password: mail a single-use reset link to an account's verified address", "identity",
        body=obj(["email"], email=text(320, 1)), status=202,
        response=obj(["accepted"], accepted=BOOLEAN), errors=(400, 422, 429),
        description="The answer is the same whether or not an account has this address; only a verified address "
                    "(a citizen's confirmed one, or the one an operator set) gets a mail. The link opens the "
                    "/password/reset page, valid PASSWORD_RESET_TTL_MINUTES (60) and once.",
    ),
    ("POST", "/api/citizens"): Operation(
        "Sign up as a citizen; a verification link is mailed", "identity",
        body=obj(["username", "email", "password"], username=text(200, 1), email=text(320, 1),
                 password=text(1024, 1), display_name=nullable(text(200))),
        status=201, response=obj(["id", "username", "verification_sent"], id=INTEGER, username=STRING,
                                 verification_sent=BOOLEAN),
        errors=(400, 409, 422, 429),
    ),
    ("POST", "/api/citizens/verification"): Operation(
        "Confirm a citizen's email address with the mailed token", "identity",
        body=obj(["token"], token=text(500, 1)),
        response=obj(["id", "username", "verified"], id=INTEGER, username=STRING, verified=BOOLEAN),
        errors=(400, 409, 422, 429),
    ),
    ("POST", "/api/citizens/verification/resend"): Operation(
        "Mail another verification link to the address your citizen account signed up with", "identity",
        Auth.REQUIRED,
        response=obj(["verification_sent"], verification_sent=BOOLEAN), errors=(401, 403, 409, 429),
        roles=(Role.CITIZEN,),
        description="For a mail that never came or a link that expired; earlier links stay valid until they "
                    "expire. An address already confirmed: 409 already_verified; a sign-up its address's owner "
                    "disowned: 409 sign_up_disowned. At most VERIFICATION_RESEND_LIMIT_PER_ACCOUNT (3/hour).",
    ),
    ("POST", "/api/citizens/verification/disowned"): Operation(
        "\"This wasn't me\": with the mailed token, cancel a sign-up made with your address", "identity",
        body=obj(["token"], token=text(500, 1)),
        response=obj(["id", "disowned"], id=INTEGER, disowned=BOOLEAN),
        errors=(400, 409, 422, 429),
        description="The token is spent and the account keeps no address, so it can never be verified; the "
                    "address is free to sign up with. A token that already confirmed the address: 409 "
                    "already_verified; an unknown or expired one: 400 verification_failed.",
    ),
    # --- bills
    ("GET", "/api/bills"): Operation(
        "List bills, in id order, a page at a time", "bills",
        params=(*paging(),
                Param("status", one_of([s.value for s in BillStatus]), "Only bills at this stage."),
                Param("title", text(200, 1), "Only bills whose title holds every one of these words (any case)."),
                Param("updated_since", REQUEST_TIME, "Only bills changed at or after this time."),
                Param("updated_before", REQUEST_TIME, "Only bills last changed before this time.")),
        response=paged("bills", BILL), errors=(422,)),
    ("POST", "/api/bills"): Operation(
        "Import an AKN bill or act", "bills", Auth.REQUIRED, body={"type": "string"}, body_media=AKN,
        body_media_also=XML_ALSO_AKN, status=201,
        response=obj(["id", "work_uri", "expression_uri", "version"], id=INTEGER, work_uri=STRING,
                     expression_uri=STRING, version=INTEGER, warnings=array(ANY_OBJECT)),
        errors=(400, 401, 403, 409, 413, 415, 422), roles=(Role.DRAFTER, Role.CLERK, Role.ADMIN),
        description="Any document valid against the AKN 3.0 schema; naming deviations come back as warnings.",
    ),
    ("GET", "/api/bills/<int:bill_id>"): Operation(
        "A bill: metadata, versions and the working text's provision tree", "bills", response=BILL_DETAIL,
        errors=(404,)),
    ("GET", "/api/bills/<int:bill_id>/provisions/<eid>"): Operation(
        "One provision of the working text, with its revision", "bills", response=PROVISION, errors=(404,)),
    ("GET", "/api/bills/<int:bill_id>/events"): Operation(
        "A bill's events after an event id, in id order", "bills",
        params=(Param("after", {"type": "integer", "minimum": 0, "default": 0}, "Events after this id."),
                Param("limit", {"type": "integer", "minimum": 1, "maximum": 5000, "default": 1000})),
        response=obj(["events", "last_event_id"], events=array(EVENT), last_event_id=INTEGER),
        errors=(404, 422),
        description="Read the next page with after=<last_event_id>; a page shorter than limit is the last.",
    ),
    ("POST", "/api/bills/<int:bill_id>/versions"): Operation(
        "Publish a new version: consolidate adopted amendments, or the working text (clerk)", "bills",
        Auth.REQUIRED, body_required=False,
        body=obj(source=nullable(one_of(["amendments", "working"], "amendments")),
                 expression_date=nullable({"type": "string", "format": "date", "maxLength": 10})),
        status=201, response=obj(["expression_uri", "version"], expression_uri=STRING, version=INTEGER,
                                 sha256=STRING, event_id=INTEGER),
        errors=(400, 401, 403, 404, 409, 422), roles=(Role.DRAFTER, Role.CLERK, Role.ADMIN),
    ),
    ("GET", "/api/bills/<int:bill_id>/compare"): Operation(
        "The redline between two published versions", "bills",
        params=(Param("from", {"type": "integer", "minimum": 1, "maximum": 2_147_483_647}, "The older version.",
                      True),
                Param("to", {"type": "integer", "minimum": 1, "maximum": 2_147_483_647}, "The newer version.", True)),
        response=ANY_OBJECT, errors=(400, 404, 422),
    ),
    ("GET", "/api/bills/<int:bill_id>/feed.atom"): Operation(
        "The bill's public events as an Atom feed", "open data",
        params=(Param("cursor", CURSOR, "Where to continue: the feed's rel=\"next\" link gives it (leave out for "
                      "the newest entries)."),),
        response=STRING, response_media="application/atom+xml", errors=(404, 422),
    ),
    # --- amendments
    ("POST", "/api/bills/<int:bill_id>/amendments"): Operation(
        "Propose an amendment to a provision (MP)", "amendments", Auth.REQUIRED, body=AMENDMENT_PROPOSAL,
        status=201, response=AMENDMENT, errors=(400, 401, 403, 404, 409, 422), roles=(Role.MP,),
    ),
    ("POST", "/api/bills/<int:bill_id>/amendments/preview"): Operation(
        "The formal wording and conflicts an amendment would have, storing nothing (MP)", "amendments",
        Auth.REQUIRED, body=AMENDMENT_PROPOSAL, response=AMENDMENT_PREVIEW, errors=(400, 401, 403, 404, 409, 422),
        roles=(Role.MP,),
    ),
    ("GET", "/api/bills/<int:bill_id>/amendments"): Operation(
        "A bill's amendments, in id order, a page at a time", "amendments",
        params=(*paging(),
                Param("state", one_of([s.value for s in AmendmentState]), "Only amendments in this state."),
                Param("proposer", ID, "Only amendments proposed by this member (a user id)."),
                Param("eid", EID, "Only amendments to this provision (or inserting after it).")),
        response=paged("amendments", AMENDMENT), errors=(404, 422),
    ),
    ("GET", "/api/bills/<int:bill_id>/amendments/marshalled"): Operation(
        "The marshalled list: amendments in the order of the bill, grouped by provision", "amendments",
        # Each group: the amendments to one provision, conflicting ones together, in the order they are voted.
        response=obj(["groups"], groups=array(array(AMENDMENT))), errors=(404,),
    ),
    ("GET", "/api/bills/<int:bill_id>/amendments/marshalled.pdf"): Operation(
        "The marshalled list as a print-ready PDF", "amendments", response=STRING, response_media="application/pdf",
        errors=(404,),
    ),
    ("GET", "/api/bills/<int:bill_id>/amendments.akn"): Operation(
        "The amendment list as an AKN document", "amendments", response=STRING, response_media=AKN,
        errors=(404,),
    ),
    ("POST", "/api/bills/<int:bill_id>/amendment-window"): Operation(
        "Open or close the bill to amendments (clerk)", "amendments", Auth.REQUIRED,
        body=obj(["open"], open=BOOLEAN), response=obj(["bill_id", "open"], bill_id=INTEGER, open=BOOLEAN),
        errors=(400, 401, 403, 404, 409, 422), roles=CLERKS,
    ),
    ("GET", "/api/amendments/<int:amendment_id>"): Operation(
        "One amendment", "amendments", response=AMENDMENT, errors=(404,)),
    ("GET", "/api/amendments/<int:amendment_id>/akn"): Operation(
        "One amendment as an AKN amendment document", "amendments", response=STRING, response_media=AKN,
        errors=(404,)),
    ("POST", "/api/amendments/<int:amendment_id>/transitions"): Operation(
        "Move an amendment through its procedure (table, withdraw, rule, vote)", "amendments", Auth.REQUIRED,
        body=obj(["to"], to=one_of([s.value for s in AmendmentState if s is not AmendmentState.DRAFT]),
                 reason=nullable(REASON),
                 votes=nullable(obj(None, **{name: {"type": "integer", "minimum": 0, "maximum": 1_000_000}
                                             for name in ("for", "against", "abstentions")}))),
        response=AMENDMENT, errors=(400, 401, 403, 404, 409, 422),
    ),
    ("POST", "/api/amendments/<int:amendment_id>/cosponsors"): Operation(
        "Co-sponsor an amendment (MP)", "amendments", Auth.REQUIRED, body=None, response=AMENDMENT,
        errors=(401, 403, 404, 409), roles=(Role.MP,),
    ),
    ("GET", "/api/mps/<int:user_id>"): Operation(
        "A member's record: amendments proposed and co-sponsored, and their outcomes", "amendments",
        response=obj(["id", "amendments", "cosponsorships"], id=INTEGER, username=STRING, display_name=STRING,
                     amendments=array(AMENDMENT), cosponsorships=array(AMENDMENT), outcomes=ANY_OBJECT),
        errors=(404,),
    ),
    # --- consultation
    ("POST", "/api/bills/<int:bill_id>/consultations"): Operation(
        "Open a public consultation on the bill (clerk)", "consultation", Auth.REQUIRED,
        body=obj(["opens_at", "closes_at"], opens_at=REQUEST_TIME, closes_at=REQUEST_TIME,
                 questions=nullable({**array(text(MAX_QUESTION_CHARS, 1)), "maxItems": MAX_QUESTIONS})),
        status=201, response=CONSULTATION, errors=(400, 401, 403, 404, 409, 422), roles=CLERKS,
    ),
    ("GET", "/api/bills/<int:bill_id>/consultations"): Operation(
        "A bill's consultations, in id order, a page at a time", "consultation", params=paging(),
        response=paged("consultations", CONSULTATION), errors=(404, 422)),
    ("POST", "/api/bills/<int:bill_id>/comments"): Operation(
        "Comment on a provision during an open consultation (citizen)", "consultation", Auth.REQUIRED,
        body={
            # body's upper bound is the service's (413 past it), so it is not declared here.
            **obj(["body"], eid=nullable(EID), body={"type": "string", "minLength": 1},
                  quote=nullable(text(MAX_QUOTE_CHARS)), reply_to=nullable(ID)),
            # A reply is about its comment's provision; anything else names one.
            "if": {"not": {"properties": {"reply_to": {"type": "integer"}}, "required": ["reply_to"]}},
            "then": {"required": ["eid"], "properties": {"eid": {"type": "string"}}},
        },
        status=201, response=COMMENT, errors=(400, 401, 403, 404, 409, 413, 422, 429), roles=(Role.CITIZEN,),
    ),
    ("GET", "/api/bills/<int:bill_id>/comments"): Operation(
        "A bill's comments, oldest first, a page at a time, and the notices of hidden ones among them",
        "consultation", Auth.OPTIONAL,
        params=(*paging(),
                Param("eid", EID, "Only comments that stand at this provision of the current version."),
                Param("state", one_of(COMMENT_STATES, CommentState.VISIBLE.value),
                      "Comments in this state; other than visible, only for clerks, or for an author with author="
                      "<their id>."),
                Param("author", ID, "Only comments by this account."),
                Param("cluster", ID, "Only comments of this cluster (a campaign's signatures)."),
                Param("campaigns", one_of(["grouped"]),
                      "grouped: each campaign's top-level signatures among the comments chosen appear as one, the "
                      "first of them, whose cluster.grouped says how many it stands for (read them with cluster=)."),
                ),
        response=paged("comments", COMMENT, hidden=array(ANY_OBJECT), held=array(ANY_OBJECT)),
        errors=(401, 403, 404, 422),
        description="hidden holds the notices of hidden comments whose ids fall within this page; held, the "
                    "signed-in reader's own comments among them that wait for a clerk (empty for anyone else).",
    ),
    ("GET", "/api/bills/<int:bill_id>/comments/counts"): Operation(
        "Visible comments per provision", "consultation", response=ANY_OBJECT, errors=(404,)),
    ("GET", "/api/bills/<int:bill_id>/clusters"): Operation(
        "Campaigns: comments grouped by similarity, in cluster id order, a page at a time", "consultation",
        params=paging(), response=paged("clusters", ANY_OBJECT), errors=(404, 422)),
    ("PATCH", "/api/comments/<int:comment_id>"): Operation(
        "Edit one's own comment shortly after posting it", "consultation", Auth.REQUIRED,
        body=obj(["body"], body={"type": "string", "minLength": 1}), response=COMMENT,
        errors=(400, 401, 403, 404, 409, 413, 422, 429),
    ),
    ("DELETE", "/api/comments/<int:comment_id>"): Operation(
        "Withdraw one's own comment", "consultation", Auth.REQUIRED, status=204, response=None,
        errors=(401, 403, 404, 409),
    ),
    ("POST", "/api/comments/<int:comment_id>/answers"): _comment_action(
        "Answer a comment (drafter, clerk)", 201, ANSWER, (400, 401, 403, 404, 409, 422), ANSWER_BODY,
        roles=ANSWERERS),
    ("POST", "/api/clusters/<int:cluster_id>/answers"): _comment_action(
        "Answer every comment of a cluster (drafter, clerk)", 201, ANSWER, (400, 401, 403, 404, 409, 422),
        ANSWER_BODY, roles=ANSWERERS),
    ("POST", "/api/comments/<int:comment_id>/endorsements"): _comment_action(
        "Endorse a comment (citizen)", 201, obj(["comment_id", "endorsements"], comment_id=INTEGER,
                                               endorsements=INTEGER), (401, 403, 404, 409, 429),
        roles=(Role.CITIZEN,)),
    ("POST", "/api/comments/<int:comment_id>/flags"): _comment_action(
        "Flag a comment for moderation", 201, obj(["comment_id", "reason"], comment_id=INTEGER, reason=STRING),
        (400, 401, 403, 404, 409, 422, 429),
        obj(["reason"], reason=one_of([r.value for r in FlagReason]), note=nullable(REASON))),
    ("POST", "/api/comments/<int:comment_id>/not-mine"): _comment_action(
        "Report a comment under one's name as not written by oneself; it is held", 200,
        obj(["comment_id", "state"], comment_id=INTEGER, state=STRING), (400, 401, 403, 404, 409, 422),
        obj(note=nullable(REASON)), body_required=False),
    ("POST", "/api/comments/<int:comment_id>/moderation"): _comment_action(
        "Hide or restore a comment (clerk)", 200, COMMENT, (400, 401, 403, 404, 409, 422),
        {**obj(["action"], action=one_of(["hide", "restore"]), reason=nullable(REASON)),
         # The reason of a hide is shown to the public where the comment was.
         **when("action", "hide", "reason")},
        roles=CLERKS),
    ("GET", "/api/moderation/queue"): Operation(
        "Comments waiting for moderation, oldest first, a page at a time (clerk)", "consultation", Auth.REQUIRED,
        params=paging(200), response=paged("comments", ANY_OBJECT), errors=(401, 403, 422), roles=CLERKS),
    ("GET", "/api/moderation/history"): Operation(
        "Moderation acts, newest first, a page at a time (clerk)", "consultation", Auth.REQUIRED,
        params=paging(200), response=paged("acts", ANY_OBJECT), errors=(401, 403, 422), roles=CLERKS),
    ("POST", "/api/users/<int:user_id>/suspension"): Operation(
        "Suspend an account (clerk)", "consultation", Auth.REQUIRED, body=obj(["reason"], reason=text(
            MAX_REASON_CHARS, 1)),
        response=obj(["id", "suspended"], id=INTEGER, suspended=BOOLEAN), errors=(400, 401, 403, 404, 409, 422),
        roles=CLERKS),
    ("DELETE", "/api/users/<int:user_id>/suspension"): Operation(
        "Reinstate a suspended account (clerk)", "consultation", Auth.REQUIRED, body=obj(reason=nullable(REASON)),
        body_required=False, response=obj(["id", "suspended"], id=INTEGER, suspended=BOOLEAN),
        errors=(400, 401, 403, 404, 409, 422), roles=CLERKS),
    ("GET", "/api/consultations/<int:consultation_id>/export.json"): Operation(
        "A consultation's visible comments as JSON, without authors", "open data",
        response=listing("comments", ANY_OBJECT), errors=(404,)),
    ("GET", "/api/consultations/<int:consultation_id>/export.csv"): Operation(
        "A consultation's visible comments as CSV, without authors", "open data", response=STRING,
        response_media="text/csv", errors=(404,)),
    # --- open data
    ("GET", "/api/search"): Operation(
        "Ranked full-text search over bills, provisions, amendments and visible comments", "open data",
        params=(Param("q", text(1000, 1), "Words that must all match.", True),
                Param("type", one_of(["bill", "provision", "amendment", "comment"])),
                Param("bill", {"type": "integer", "minimum": 0, "maximum": 2_147_483_647},
                      "Only results of this bill."),
                Param("limit", {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}),
                Param("offset", {"type": "integer", "minimum": 0, "maximum": 10000, "default": 0})),
        response=obj(["results", "limit", "offset"], results=array(SEARCH_RESULT), limit=INTEGER, offset=INTEGER),
        errors=(400, 422),
        description="A query without any word is refused with 400; a missing q, a q of more than 32 different "
                    "words or an unknown type with 422. "
                    "Read the next page with offset=offset+limit; a page shorter than limit is the last.",
    ),
    ("GET", "/api/export.zip"): Operation(
        "Everything public as one zip archive", "open data", response=BINARY, response_media="application/zip"),
    ("POST", "/api/webhooks"): Operation(
        "Register a URL for signed POSTs of public events; the signing secret is shown only here", "open data",
        Auth.REQUIRED,
        body=obj(["url"], url={"type": "string", "format": "uri", "maxLength": 2000},
                 event_types=nullable({**array({"enum": sorted(PUBLIC_EVENT_TYPES)}), "uniqueItems": True}),
                 bill_id=nullable(ID)),
        status=201, response={**WEBHOOK, "required": [*WEBHOOK["required"], "secret"]},
        errors=(400, 401, 422),
    ),
    ("GET", "/api/webhooks"): Operation(
        "Your webhooks, in id order, a page at a time", "open data", Auth.REQUIRED, params=paging(),
        response=paged("webhooks", WEBHOOK), errors=(401, 422)),
    ("DELETE", "/api/webhooks/<int:webhook_id>"): Operation(
        "Remove a webhook (its owner or an admin)", "open data", Auth.REQUIRED, status=204, response=None,
        errors=(401, 403, 404)),
    ("GET", "/api/webhooks/<int:webhook_id>/deliveries"): Operation(
        "A webhook's deliveries, newest first, a page at a time", "open data", Auth.REQUIRED,
        params=(*paging(100), Param("state", one_of(["pending", "delivered", "failed"]),
                                    "Only deliveries in this state.")),
        response=paged("deliveries", DELIVERY), errors=(401, 403, 404, 422)),
    ("POST", "/api/subscriptions"): Operation(
        "Follow a bill, a provision or a member by mail", "notifications", Auth.REQUIRED,
        body={
            **obj(["target"], target=one_of([t.value for t in SubscriptionTarget]), bill_id=nullable(ID),
                  eid=nullable(EID), member_id=nullable(ID),
                  frequency=nullable(one_of([f.value for f in Frequency], Frequency.IMMEDIATE.value))),
            "allOf": [
                when("target", SubscriptionTarget.BILL.value, "bill_id"),
                when("target", SubscriptionTarget.PROVISION.value, "bill_id", "eid"),
                when("target", SubscriptionTarget.MEMBER.value, "member_id"),
            ],
        },
        status=201, response=SUBSCRIPTION, errors=(400, 401, 404, 409, 422),
        description="The account needs an email address (a citizen's must be verified): else 409 no_email_address.",
    ),
    ("GET", "/api/subscriptions"): Operation(
        "Your subscriptions, in id order, a page at a time", "notifications", Auth.REQUIRED,
        params=(*paging(), Param("target", one_of([t.value for t in SubscriptionTarget]), "Only of this kind."),
                Param("bill_id", ID, "Only those about this bill.")),
        response=paged("subscriptions", SUBSCRIPTION), errors=(401, 422)),
    ("DELETE", "/api/subscriptions/<int:subscription_id>"): Operation(
        "Cancel a subscription (its subscriber or an admin)", "notifications", Auth.REQUIRED, status=204,
        response=None, errors=(401, 403, 404)),
    ("GET", "/api/unsubscribe"): Operation(
        "The page a mail's unsubscribe link opens: it asks to confirm and changes nothing", "notifications",
        params=(Param("token", text(1000, 1), "The signed token from the mail.", True),),
        response=STRING, response_media="text/html", errors=(400, 422)),
    ("POST", "/api/unsubscribe"): Operation(
        "Cancel the subscription a signed token names, without signing in", "notifications",
        params=(Param("token", text(1000, 1), "The signed token (or send it as a form field or JSON \"token\")."),),
        body=obj(token=nullable(text(1000))), body_required=False,
        response=obj(["subscription"], subscription=SUBSCRIPTION), errors=(400, 422)),
    # --- this description
    ("GET", "/api/openapi.json"): Operation(
        "This OpenAPI 3.1 description", "meta", response=obj(["openapi", "paths"], openapi=STRING, paths=ANY_OBJECT)),
    ("GET", "/api/docs"): Operation(
        "A browsable page of this description", "meta", response=STRING, response_media="text/html"),
}
