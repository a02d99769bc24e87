"""What each ``/api`` operation takes and answers, as data: one :class:`Operation` per (method, Flask rule).

``server.http.openapi`` turns these into the OpenAPI 3.1 document; path parameters come from the Flask rule
itself, so only query parameters, bodies and answers are declared here. A route without a declaration is a bug
(a test walks the URL map). Schemas are JSON Schema 2020-12, as OpenAPI 3.1 uses it: they state the fields
clients rely on and let objects carry more.

Pure: no Flask, no SQLAlchemy, no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Final

from server.domain.opendata import PUBLIC_EVENT_TYPES

Schema = dict[str, Any]

JSON: Final = "application/json"
AKN: Final = "application/akn+xml"


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
    body_required: bool = True
    status: int = 200
    # None: the success answer has no body (204).
    response: Schema | None = field(default_factory=dict)
    response_media: str = JSON
    # Statuses with the error body this operation is known to answer (any other is still an error body).
    errors: tuple[int, ...] = ()
    description: str = ""


ERROR: Final[Schema] = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {"code": {"type": "string", "pattern": "^[a-z0-9_]+$"}, "message": {"type": "string"}},
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
                            text=STRING, rev=INTEGER, children=array(ANY_OBJECT))
BILL_DETAIL: Final = obj(["id", "title", "work_uri", "versions", "provisions"], id=INTEGER, title=STRING,
                         work_uri=STRING, versions=array(ANY_OBJECT), provisions=array(PROVISION_NODE))
PROVISION: Final = obj(["eid", "text", "rev"], eid=STRING, wid=nullable(STRING), num=nullable(STRING),
                       heading=nullable(STRING), text=STRING, rev=INTEGER)
EVENT: Final = obj(["id", "type", "at", "data"], id=INTEGER, type=STRING, bill=nullable(INTEGER), at=TIME,
                   data=ANY_OBJECT)
AMENDMENT: Final = obj(["id", "number", "state", "eid", "instruction"], id=INTEGER, bill_id=INTEGER,
                       number=nullable(INTEGER), state=STRING, action=STRING, eid=STRING, instruction=STRING,
                       justification=STRING, proposer_id=INTEGER, cosponsor_ids=array(INTEGER),
                       conflicts_with=array(INTEGER))
AMENDMENT_PROPOSAL: Final = obj(
    ["eid"], eid=STRING, text=STRING, justification=STRING,
    action={"enum": ["text", "insert_after", "delete"], "default": "text"},
    style={"enum": ["westminster", "eu"], "default": "westminster"},
    name=STRING, num=STRING, heading=STRING,
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

LIMIT: Final = Param("limit", {"type": "integer", "minimum": 1, "maximum": 1000, "default": 200},
                     "How many to return, newest first.")
TEXT: Final = "text/plain"


def _comment_action(summary: str, status: int, response: Schema, errors: tuple[int, ...], body: Schema | None = None,
                    ) -> Operation:
    return Operation(summary, "consultation", Auth.REQUIRED, body=body, status=status, response=response,
                     errors=errors)


OPERATIONS: Final[dict[tuple[str, str], Operation]] = {
    # --- identity
    ("POST", "/api/tokens"): Operation(
        "Sign in: exchange a username and password for a bearer token", "identity",
        body=obj(["username", "password"], username=STRING, password=STRING), status=201,
        response=obj(["token"], token=STRING, user=obj(["id", "role"], id=INTEGER, role=STRING)),
        errors=(400, 401),
    ),
    ("POST", "/api/citizens"): Operation(
        "Sign up as a citizen; a verification link is mailed", "identity",
        body=obj(["username", "email", "password"], username=STRING, email=STRING, password=STRING,
                 display_name=STRING),
        status=201, response=obj(["id", "username", "verification_sent"], id=INTEGER, username=STRING,
                                 verification_sent=BOOLEAN),
        errors=(400, 409, 422, 429),
    ),
    ("POST", "/api/citizens/verification"): Operation(
        "Confirm a citizen's email address with the mailed token", "identity",
        body=obj(["token"], token=STRING),
        response=obj(["id", "username", "verified"], id=INTEGER, username=STRING, verified=BOOLEAN),
        errors=(400, 409),
    ),
    # --- bills
    ("GET", "/api/bills"): Operation("List bills", "bills", response=listing("bills", BILL)),
    ("POST", "/api/bills"): Operation(
        "Import an AKN bill or act", "bills", Auth.REQUIRED, body={"type": "string"}, body_media=AKN, status=201,
        response=obj(["id", "work_uri", "expression_uri", "version"], id=INTEGER, work_uri=STRING,
                     expression_uri=STRING, version=INTEGER, warnings=array(ANY_OBJECT)),
        errors=(400, 401, 403, 409, 413, 415, 422),
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
        response=obj(["events", "last_event_id"], events=array(EVENT), last_event_id=INTEGER), errors=(400, 404),
    ),
    ("POST", "/api/bills/<int:bill_id>/versions"): Operation(
        "Publish a new version: consolidate adopted amendments, or the working text (clerk)", "bills",
        Auth.REQUIRED, body_required=False,
        body=obj(source={"enum": ["amendments", "working"], "default": "amendments"},
                 expression_date={"type": "string", "format": "date"}),
        status=201, response=obj(["expression_uri", "version"], expression_uri=STRING, version=INTEGER,
                                 sha256=STRING, event_id=INTEGER),
        errors=(400, 401, 403, 404, 409, 422),
    ),
    ("GET", "/api/bills/<int:bill_id>/compare"): Operation(
        "The redline between two published versions", "bills",
        params=(Param("from", {"type": "integer", "minimum": 1}, "The older version.", True),
                Param("to", {"type": "integer", "minimum": 1}, "The newer version.", True)),
        response=ANY_OBJECT, errors=(400, 404),
    ),
    ("GET", "/api/bills/<int:bill_id>/feed.atom"): Operation(
        "The bill's public events as an Atom feed", "open data", response=STRING,
        response_media="application/atom+xml", errors=(404,),
    ),
    # --- amendments
    ("POST", "/api/bills/<int:bill_id>/amendments"): Operation(
        "Propose an amendment to a provision (MP)", "amendments", Auth.REQUIRED, body=AMENDMENT_PROPOSAL,
        status=201, response=AMENDMENT, errors=(400, 401, 403, 404, 409, 422),
    ),
    ("GET", "/api/bills/<int:bill_id>/amendments"): Operation(
        "A bill's amendments", "amendments",
        params=(Param("state", STRING, "Only amendments in this state."),),
        response=listing("amendments", AMENDMENT), errors=(404,),
    ),
    ("GET", "/api/bills/<int:bill_id>/amendments/marshalled"): Operation(
        "The marshalled list: amendments in the order of the bill, grouped by provision", "amendments",
        response=obj(["groups"], groups=array(ANY_OBJECT)), errors=(404,),
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
        errors=(400, 401, 403, 404, 409),
    ),
    ("GET", "/api/amendments/<int:amendment_id>"): Operation(
        "One amendment", "amendments", response=AMENDMENT, errors=(404,)),
    ("GET", "/api/amendments/<int:amendment_id>/akn"): Operation(
        "One amendment as an AKN amendment document", "amendments", response=STRING, response_media=AKN,
        errors=(404,)),
    ("POST", "/api/amendments/<int:amendment_id>/transitions"): Operation(
        "Move an amendment through its procedure (table, withdraw, rule, vote)", "amendments", Auth.REQUIRED,
        body=obj(["to"], to={"enum": ["tabled", "withdrawn", "admissible", "inadmissible", "adopted", "rejected",
                                      "fallen"]},
                 reason=STRING, votes=obj(None, **{"for": INTEGER, "against": INTEGER, "abstentions": INTEGER})),
        response=AMENDMENT, errors=(400, 401, 403, 404, 409),
    ),
    ("POST", "/api/amendments/<int:amendment_id>/cosponsors"): Operation(
        "Co-sponsor an amendment (MP)", "amendments", Auth.REQUIRED, body=None, response=AMENDMENT,
        errors=(401, 403, 404, 409),
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
        body=obj(["opens_at", "closes_at"], opens_at=TIME, closes_at=TIME, questions=array(ANY_OBJECT)),
        status=201, response=CONSULTATION, errors=(400, 401, 403, 404, 409, 422),
    ),
    ("GET", "/api/bills/<int:bill_id>/consultations"): Operation(
        "A bill's consultations", "consultation", response=listing("consultations", CONSULTATION), errors=(404,)),
    ("POST", "/api/bills/<int:bill_id>/comments"): Operation(
        "Comment on a provision during an open consultation (citizen)", "consultation", Auth.REQUIRED,
        body=obj(["eid", "body"], eid=STRING, body=STRING, quote=STRING, reply_to=INTEGER), status=201,
        response=COMMENT, errors=(400, 401, 403, 404, 409, 422, 429),
    ),
    ("GET", "/api/bills/<int:bill_id>/comments"): Operation(
        "A bill's visible comments, and notices of hidden ones", "consultation",
        params=(Param("eid", STRING, "Only comments on this provision."),),
        response=listing("comments", COMMENT, hidden=array(ANY_OBJECT)), errors=(404,),
    ),
    ("GET", "/api/bills/<int:bill_id>/comments/counts"): Operation(
        "Visible comments per provision", "consultation", response=ANY_OBJECT, errors=(404,)),
    ("GET", "/api/bills/<int:bill_id>/clusters"): Operation(
        "Comments grouped by similarity", "consultation", response=listing("clusters", ANY_OBJECT), errors=(404,)),
    ("PATCH", "/api/comments/<int:comment_id>"): Operation(
        "Edit one's own comment shortly after posting it", "consultation", Auth.REQUIRED,
        body=obj(["body"], body=STRING), response=COMMENT, errors=(400, 401, 403, 404, 409, 422),
    ),
    ("DELETE", "/api/comments/<int:comment_id>"): Operation(
        "Withdraw one's own comment", "consultation", Auth.REQUIRED, status=204, response=None,
        errors=(401, 403, 404, 409),
    ),
    ("POST", "/api/comments/<int:comment_id>/answers"): _comment_action(
        "Answer a comment (clerk)", 201, ANSWER, (400, 401, 403, 404, 409, 422),
        obj(["body"], body=STRING, fate=STRING, version=INTEGER, amendment_id=INTEGER)),
    ("POST", "/api/clusters/<int:cluster_id>/answers"): _comment_action(
        "Answer every comment of a cluster (clerk)", 201, ANSWER, (400, 401, 403, 404, 409, 422),
        obj(["body"], body=STRING, fate=STRING, version=INTEGER, amendment_id=INTEGER)),
    ("POST", "/api/comments/<int:comment_id>/endorsements"): _comment_action(
        "Endorse a comment (citizen)", 201, obj(["comment_id", "endorsements"], comment_id=INTEGER,
                                               endorsements=INTEGER), (401, 403, 404, 409)),
    ("POST", "/api/comments/<int:comment_id>/flags"): _comment_action(
        "Flag a comment for moderation", 201, obj(["comment_id", "reason"], comment_id=INTEGER, reason=STRING),
        (400, 401, 403, 404, 409, 422), obj(["reason"], reason=STRING, note=STRING)),
    ("POST", "/api/comments/<int:comment_id>/not-mine"): _comment_action(
        "Report a comment under one's name as not written by oneself; it is held", 200,
        obj(["comment_id", "state"], comment_id=INTEGER, state=STRING), (401, 403, 404, 409)),
    ("POST", "/api/comments/<int:comment_id>/moderation"): _comment_action(
        "Hide or restore a comment (clerk)", 200, COMMENT, (400, 401, 403, 404, 409, 422),
        obj(["action"], action={"enum": ["hide", "restore"]}, reason=STRING)),
    ("GET", "/api/moderation/queue"): Operation(
        "Comments waiting for moderation (clerk)", "consultation", Auth.REQUIRED, params=(LIMIT,),
        response=listing("comments", ANY_OBJECT), errors=(400, 401, 403)),
    ("GET", "/api/moderation/history"): Operation(
        "Moderation acts, newest first (clerk)", "consultation", Auth.REQUIRED, params=(LIMIT,),
        response=listing("acts", ANY_OBJECT), errors=(400, 401, 403)),
    ("POST", "/api/users/<int:user_id>/suspension"): Operation(
        "Suspend an account (clerk)", "consultation", Auth.REQUIRED, body=obj(["reason"], reason=STRING),
        response=obj(["id", "suspended"], id=INTEGER, suspended=BOOLEAN), errors=(400, 401, 403, 404, 409, 422)),
    ("DELETE", "/api/users/<int:user_id>/suspension"): Operation(
        "Reinstate a suspended account (clerk)", "consultation", Auth.REQUIRED, body=obj(reason=STRING),
        body_required=False, response=obj(["id", "suspended"], id=INTEGER, suspended=BOOLEAN),
        errors=(400, 401, 403, 404, 409, 422)),
    ("GET", "/api/consultations/<int:consultation_id>/export.json"): Operation(
        "A consultation's visible comments as JSON, without authors", "open data",
        response=listing("comments", ANY_OBJECT), errors=(404,)),
    ("GET", "/api/consultations/<int:consultation_id>/export.csv"): Operation(
        "A consultation's visible comments as CSV, without authors", "open data", response=STRING,
        response_media="text/csv", errors=(404,)),
    # --- open data
    ("GET", "/api/search"): Operation(
        "Ranked full-text search over bills, provisions, amendments and visible comments", "open data",
        params=(Param("q", {"type": "string", "minLength": 1}, "Words that must all match.", True),
                Param("type", {"enum": ["bill", "provision", "amendment", "comment"]}),
                Param("bill", {"type": "integer", "minimum": 0}, "Only results of this bill."),
                Param("limit", {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}),
                Param("offset", {"type": "integer", "minimum": 0, "maximum": 10000, "default": 0})),
        response=obj(["results", "limit", "offset"], results=array(SEARCH_RESULT), limit=INTEGER, offset=INTEGER),
        errors=(400,),
        description="An empty query, or one without any word, is refused with 400.",
    ),
    ("GET", "/api/export.zip"): Operation(
        "Everything public as one zip archive", "open data", response=BINARY, response_media="application/zip"),
    ("POST", "/api/webhooks"): Operation(
        "Register a URL for signed POSTs of public events; the signing secret is shown only here", "open data",
        Auth.REQUIRED,
        body=obj(["url"], url={"type": "string", "format": "uri"},
                 event_types=array({"enum": sorted(PUBLIC_EVENT_TYPES)}), bill_id=nullable(ID)),
        status=201, response={**WEBHOOK, "required": [*WEBHOOK["required"], "secret"]},
        errors=(400, 401, 422),
    ),
    ("GET", "/api/webhooks"): Operation(
        "Your webhooks", "open data", Auth.REQUIRED, response=listing("webhooks", WEBHOOK), errors=(401,)),
    ("DELETE", "/api/webhooks/<int:webhook_id>"): Operation(
        "Remove a webhook (its owner or an admin)", "open data", Auth.REQUIRED, status=204, response=None,
        errors=(401, 403, 404)),
    ("GET", "/api/webhooks/<int:webhook_id>/deliveries"): Operation(
        "A webhook's latest deliveries", "open data", Auth.REQUIRED, response=listing("deliveries", DELIVERY),
        errors=(401, 403, 404)),
    ("POST", "/api/subscriptions"): Operation(
        "Follow a bill, a provision or a member by mail", "notifications", Auth.REQUIRED,
        body=obj(["target"], target={"enum": ["bill", "provision", "mp"]}, bill_id=ID, eid=STRING, member_id=ID,
                 frequency={"enum": ["immediate", "daily"], "default": "immediate"}),
        status=201, response=SUBSCRIPTION, errors=(400, 401, 404, 409, 422),
        description="The account needs an email address (a citizen's must be verified): else 409 no_email_address.",
    ),
    ("GET", "/api/subscriptions"): Operation(
        "Your subscriptions", "notifications", Auth.REQUIRED, response=listing("subscriptions", SUBSCRIPTION),
        errors=(401,)),
    ("DELETE", "/api/subscriptions/<int:subscription_id>"): Operation(
        "Cancel a subscription (its subscriber or an admin)", "notifications", Auth.REQUIRED, status=204,
        response=None, errors=(401, 403, 404)),
    ("GET", "/api/unsubscribe"): Operation(
        "The page a mail's unsubscribe link opens: it asks to confirm and changes nothing", "notifications",
        params=(Param("token", STRING, "The signed token from the mail.", True),),
        response=STRING, response_media="text/html", errors=(400,)),
    ("POST", "/api/unsubscribe"): Operation(
        "Cancel the subscription a signed token names, without signing in", "notifications",
        params=(Param("token", STRING, "The signed token (or send it as a form field or JSON \"token\")."),),
        body=obj(token=STRING), body_required=False,
        response=obj(["subscription"], subscription=SUBSCRIPTION), errors=(400,)),
    # --- this description
    ("GET", "/api/openapi.json"): Operation(
        "This OpenAPI 3.1 description", "meta", response=obj(["openapi", "paths"], openapi=STRING, paths=ANY_OBJECT)),
    ("GET", "/api/docs"): Operation(
        "A browsable page of this description", "meta", response=STRING, response_media="text/html"),
}
