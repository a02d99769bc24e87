"""Every HTTP route x every role: who gets past authorization and who is refused.

The matrix must name every route of the URL map; a route added without an entry here fails
``test_every_route_is_in_the_matrix``, so whoever adds a route decides who may call it.
A role "passes" when the answer is not a refusal (401, 403, or a page redirecting to sign-in); what it gets
then (200, 404 for nothing there, 409 for the wrong state, 422 for a body that does not fit) is other tests'
business. Owners-only routes answer 404 to other accounts rather than revealing the comment exists.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.security.conftest import ROLES, World
from tests.security.routes import concrete_path, every_route
from tests.server.conftest import Accounts, small_bill_xml

PUBLIC = frozenset(ROLES)
SIGNED_IN = frozenset(ROLES) - {"anonymous"}
CLERKS = frozenset({"clerk", "admin"})


@dataclass(frozen=True)
class Access:
    """Who passes; the JSON body (or raw payload) that gets past validation for them."""

    allowed: frozenset[str]
    body: Callable[[World], Any] | None = None
    content_type: str | None = None
    hidden_from_others: bool = False  # refusals are 404 (ownership), not 403
    query: str = ""
    form: dict[str, str] | None = None
    # Routes about one citizen's own comment use ``world.own_comment``; the rest use someone else's.
    own_comment: bool = False


def _amendment(world: World) -> dict[str, Any]:
    return {"eid": world.eid, "text": "The clerk shall open a consultation within sixty days.", "justification": "J"}


def _window(world: World) -> dict[str, Any]:
    return {"opens_at": "2030-01-01T00:00:00Z", "closes_at": "2030-02-01T00:00:00Z"}


MATRIX: dict[tuple[str, str], Access] = {
    # pages
    ("pages.home", "GET"): Access(PUBLIC),
    ("pages.login", "GET"): Access(PUBLIC),
    # A bearer header bypasses the CSRF check (no ambient credential to borrow): anonymous meets CSRF (400).
    ("pages.login", "POST"): Access(PUBLIC, form={"username": "citizen", "password": "correct-horse"}),
    ("pages.logout", "POST"): Access(PUBLIC, body=lambda w: None),
    ("pages.register", "GET"): Access(PUBLIC),
    ("pages.register", "POST"): Access(PUBLIC, body=lambda w: None),
    ("pages.verify", "GET"): Access(PUBLIC),
    ("pages.confirm_address", "POST"): Access(PUBLIC, form={"token": "unknown"}),
    ("pages.not_me", "GET"): Access(PUBLIC),
    ("pages.disown_sign_up", "POST"): Access(PUBLIC, form={"token": "unknown"}),
    ("pages.verify_again", "GET"): Access(frozenset({"citizen"})),
    # Anonymous meets CSRF (400) first, as on the password page; with a token, only a citizen asks.
    ("pages.verify_again", "POST"): Access(frozenset({"citizen", "anonymous"}), form={}),
    ("pages.change_password", "GET"): Access(SIGNED_IN),
    # Anonymous meets CSRF (400) first; with a token it is refused (tests/server/web/test_passwords.py).
    ("pages.change_password", "POST"): Access(PUBLIC, form={
        "current_password": "correct-horse", "new_password": "correct-horse", "new_password_again": "correct-horse"}),
    ("pages.forgotten_password", "GET"): Access(PUBLIC),
    ("pages.forgotten_password", "POST"): Access(PUBLIC, form={"email": "someone@example.org"}),
    ("pages.reset_form", "GET"): Access(PUBLIC),
    ("pages.reset_password", "POST"): Access(PUBLIC, form={"token": "unknown"}),
    ("reader_pages.reader", "GET"): Access(PUBLIC),
    ("reader_pages.chunk", "GET"): Access(PUBLIC),
    ("reader_pages.provision", "GET"): Access(PUBLIC),
    ("drafting_pages.editor", "GET"): Access(frozenset({"drafter"})),
    ("amendment_pages.amendment_board", "GET"): Access(PUBLIC),
    ("amendment_pages.amendment_base", "GET"): Access(PUBLIC),
    ("amendment_pages.amendment_page", "GET"): Access(PUBLIC),
    ("consultation_pages.moderation_queue", "GET"): Access(CLERKS),
    # What the moderation page's script draws of the comments the moderators' room names: their words, held ones too.
    ("moderation_rows.moderation_rows", "GET"): Access(CLERKS, query="?comments=1,2,3"),
    ("consultation_pages.member", "GET"): Access(PUBLIC),
    ("static", "GET"): Access(PUBLIC),
    ("health.healthz", "GET"): Access(PUBLIC),
    ("resolver.resolve_uri", "GET"): Access(PUBLIC),
    ("feeds.site_feed", "GET"): Access(PUBLIC),
    ("feeds.bill_feed", "GET"): Access(PUBLIC),
    ("feeds.export_archive", "GET"): Access(PUBLIC),
    ("search_api.search", "GET"): Access(PUBLIC, query="?q=clerk"),
    # identity
    ("api.create_token", "POST"): Access(PUBLIC, body=lambda w: {"username": "mp", "password": "correct-horse"}),
    ("api.change_password", "POST"): Access(SIGNED_IN, body=lambda w: {"current_password": "correct-horse",
                                                                       "new_password": "correct-horse"}),
    ("api.signed_in_as", "GET"): Access(PUBLIC),
    ("api.request_password_reset", "POST"): Access(PUBLIC, body=lambda w: {"email": "someone@example.org"}),
    ("consultation.sign_up", "POST"): Access(PUBLIC),
    ("consultation.verify", "POST"): Access(PUBLIC),
    ("consultation.disown_sign_up", "POST"): Access(PUBLIC),
    ("consultation.resend_verification", "POST"): Access(frozenset({"citizen"}), body=lambda w: None),
    ("webhooks_api.list_webhooks", "GET"): Access(SIGNED_IN),
    ("webhooks_api.register_webhook", "POST"): Access(SIGNED_IN, body=lambda w: {"url": "https://example.org/h"}),
    ("webhooks_api.remove_webhook", "DELETE"): Access(SIGNED_IN),
    ("webhooks_api.webhook_deliveries", "GET"): Access(SIGNED_IN),
    ("api_description.api_docs", "GET"): Access(PUBLIC),
    ("api_description.openapi_document", "GET"): Access(PUBLIC),
    # e-mail notifications: subscribing needs an account; the unsubscribe link in a mail works for anyone
    ("notifications_api.subscribe", "POST"): Access(SIGNED_IN, body=lambda w: {"bill_id": w.bill}),
    ("notifications_api.list_subscriptions", "GET"): Access(SIGNED_IN),
    ("notifications_api.cancel_subscription", "DELETE"): Access(SIGNED_IN),
    ("notifications_api.confirm_unsubscribe", "GET"): Access(PUBLIC),
    ("notifications_api.unsubscribe", "POST"): Access(PUBLIC),
    # bills and drafting
    ("api.list_bills", "GET"): Access(PUBLIC),
    ("api.get_bill", "GET"): Access(PUBLIC),
    ("api.get_provision", "GET"): Access(PUBLIC),
    ("api.bill_events", "GET"): Access(PUBLIC),
    ("api.compare_versions", "GET"): Access(PUBLIC, query="?from=1&to=1"),
    ("api.import_bill", "POST"): Access(frozenset({"drafter", "clerk", "admin"}), body=lambda w: small_bill_xml("99"),
                                        content_type="application/akn+xml"),
    # Drafters publish their working text; consolidating amendments is the clerk's (tests/server/amendments).
    ("api.publish_version", "POST"): Access(CLERKS | {"drafter"}, body=lambda w: {"source": "working"}),
    # amendments
    ("amendments_api.list_amendments", "GET"): Access(PUBLIC),
    ("amendments_api.get_amendment", "GET"): Access(PUBLIC),
    ("amendments_api.amendment_xml", "GET"): Access(PUBLIC),
    ("amendments_api.amendment_list_xml", "GET"): Access(PUBLIC),
    ("amendments_api.marshalled", "GET"): Access(PUBLIC),
    ("amendments_api.marshalled_list_pdf", "GET"): Access(PUBLIC),
    ("amendments_api.member_record", "GET"): Access(PUBLIC),
    ("amendments_api.resolve_amendment", "GET"): Access(PUBLIC),
    ("amendments_api.propose", "POST"): Access(frozenset({"mp"}), body=_amendment),
    ("amendments_api.preview", "POST"): Access(frozenset({"mp"}), body=_amendment),
    ("amendments_api.transition", "POST"): Access(frozenset({"mp"}), body=lambda w: {"to": "tabled"}),
    ("amendments_api.cosponsor", "POST"): Access(frozenset({"mp"})),
    ("amendments_api.amendment_window", "POST"): Access(CLERKS, body=lambda w: {"open": False}),
    # consultation
    ("consultation.open_consultation", "POST"): Access(CLERKS, body=_window),
    ("consultation.list_consultations", "GET"): Access(PUBLIC),
    ("consultation.post_comment", "POST"): Access(frozenset({"citizen"}), body=lambda w: {"eid": w.eid, "body": "x"}),
    ("consultation.list_comments", "GET"): Access(PUBLIC),
    ("consultation.comment_counts", "GET"): Access(PUBLIC),
    ("consultation.edit_comment", "PATCH"): Access(frozenset({"citizen"}), body=lambda w: {"body": "edited"},
                                                  hidden_from_others=True, own_comment=True),
    ("consultation.delete_comment", "DELETE"): Access(frozenset({"citizen"}), hidden_from_others=True,
                                                      own_comment=True),
    ("consultation.disown", "POST"): Access(frozenset({"citizen"}), hidden_from_others=True, own_comment=True),
    ("consultation.endorse", "POST"): Access(frozenset({"citizen"})),
    ("consultation.flag", "POST"): Access(SIGNED_IN, body=lambda w: {"reason": "spam"}),
    ("consultation.moderate", "POST"): Access(CLERKS, body=lambda w: {"action": "hide", "reason": "spam"}),
    ("consultation.moderation_queue", "GET"): Access(CLERKS),
    ("consultation.moderation_history", "GET"): Access(CLERKS),
    ("consultation.answer_comment", "POST"): Access(frozenset({"drafter", "clerk", "admin"})),
    ("consultation.answer_cluster", "POST"): Access(frozenset({"drafter", "clerk", "admin"})),
    ("consultation.list_clusters", "GET"): Access(PUBLIC),
    ("consultation.export_csv", "GET"): Access(PUBLIC),
    ("consultation.export_json", "GET"): Access(PUBLIC),
    ("consultation.suspend", "POST"): Access(CLERKS, body=lambda w: {"reason": "abuse"}),
    ("consultation.reinstate", "DELETE"): Access(CLERKS),
}


def _refused(status: int, location: str, access: Access) -> bool:
    if status in {401, 403} or (status == 302 and "/login" in location):
        return True
    return access.hidden_from_others and status == 404


def test_every_route_is_in_the_matrix(app: Flask) -> None:
    routes = {(endpoint, method) for endpoint, method, _ in every_route(app)}
    missing = sorted(routes - MATRIX.keys())
    assert not missing, f"add these routes to the authorization matrix: {missing}"
    stale = sorted(MATRIX.keys() - routes)
    assert not stale, f"these matrix entries name routes that no longer exist: {stale}"


def test_the_api_description_names_the_roles_of_every_role_restricted_route(app: Flask) -> None:
    """``x-roles`` where only some roles may call (docs/api-opendata.md): the matrix says which routes those are."""
    from server.domain.api_schema import OPERATIONS

    # Who may take an amendment a step depends on the step asked for (members table, clerks rule): not one set.
    by_body = {("POST", "/api/amendments/<int:amendment_id>/transitions")}
    undeclared = []
    for endpoint, method, rule in every_route(app):
        access = MATRIX[(endpoint, method)]
        operation = OPERATIONS.get((method, rule.rule))
        if operation is None or access.hidden_from_others or access.allowed >= SIGNED_IN or (
            (method, rule.rule) in by_body
        ):
            continue
        declared = {role.value for role in operation.roles}
        if declared != access.allowed:
            undeclared.append((method, rule.rule, sorted(access.allowed), sorted(declared)))
    assert undeclared == []


def _routes() -> list[tuple[str, str]]:
    return sorted(MATRIX)


@pytest.mark.parametrize(("endpoint", "method"), _routes(), ids=[f"{m} {e}" for e, m in _routes()])
def test_route_admits_exactly_its_roles(
    app: Flask, client: FlaskClient, users: Accounts, world: World, endpoint: str, method: str
) -> None:
    rules = [rule for e, m, rule in every_route(app) if (e, m) == (endpoint, method)]
    if not rules:
        pytest.fail(f"{method} {endpoint} is in the matrix but not in the application")
    access = MATRIX[(endpoint, method)]
    path = concrete_path(rules[0], world, own_comment=access.own_comment) + access.query
    # Refused roles first, then the allowed ones: an allowed call may change state (delete, suspend).
    order = sorted(ROLES, key=lambda role: role in access.allowed)
    wrong: list[str] = []
    for role in order:
        headers = users.headers(role) if role != "anonymous" else {}
        payload = access.body(world) if access.body else ({} if method != "GET" else None)
        kwargs: dict[str, Any] = {"headers": headers}
        if access.form is not None:
            kwargs["data"] = access.form
        elif isinstance(payload, bytes):
            kwargs.update(data=payload, content_type=access.content_type)
        elif payload is not None:
            kwargs["json"] = payload
        response = client.open(path, method=method, **kwargs)
        refused = _refused(response.status_code, response.headers.get("Location", ""), access)
        if refused == (role in access.allowed):
            verdict = "refused" if refused else "let in"
            wrong.append(f"{role}: {verdict} with {response.status_code}")
    assert not wrong, f"{method} {path}: " + "; ".join(wrong)
