"""Webhooks API: register a URL for public events, list, remove, and read the delivery log."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify

from server.domain.wording import wording
from server.errors import ValidationFailed
from server.http.context import current_principal, database, json_body, page_reply, page_request, str_arg
from server.services import webhooks

webhooks_api = Blueprint("webhooks_api", __name__)


@webhooks_api.post("/api/webhooks")
def register_webhook() -> tuple[Response, int]:
    body = json_body()
    url = body.get("url")
    if not isinstance(url, str):
        raise ValidationFailed(wording("send the receiver's address as \"url\""), field="url")
    bill_id = body.get("bill_id")
    if bill_id is not None and (not isinstance(bill_id, int) or isinstance(bill_id, bool)):
        raise ValidationFailed(wording("bill_id must be an integer"), field="bill_id")
    principal = current_principal()
    with database().write() as session:
        webhook, secret = webhooks.register(
            session, principal, url, body.get("event_types"), bill_id,
            allow_private=bool(current_app.config.get("WEBHOOKS_ALLOW_PRIVATE")),
        )
        reply = {**webhooks.to_dict(webhook), "secret": secret}
    return jsonify(reply), 201


@webhooks_api.get("/api/webhooks")
def list_webhooks() -> Response:
    principal = current_principal()
    page = page_request()
    with database().read() as session:
        found = webhooks.page_own(session, principal, page)
        return jsonify(page_reply("webhooks", [webhooks.to_dict(w) for w in found.items], found))


@webhooks_api.delete("/api/webhooks/<int:webhook_id>")
def remove_webhook(webhook_id: int) -> tuple[str, int]:
    principal = current_principal()
    with database().write() as session:
        webhooks.remove(session, principal, webhook_id)
    return "", 204


@webhooks_api.get("/api/webhooks/<int:webhook_id>/deliveries")
def webhook_deliveries(webhook_id: int) -> Response:
    principal = current_principal()
    page = page_request(default=100)
    with database().read() as session:
        webhook = webhooks.get_own(session, principal, webhook_id)
        found = webhooks.page_of_deliveries(session, webhook, page, state=str_arg("state"))
        return jsonify(page_reply("deliveries", [webhooks.delivery_dict(d) for d in found.items], found))
