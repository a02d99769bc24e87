"""Mail notifications API: subscribe, list, cancel, and the signed unsubscribe link that needs no sign-in."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, request
from flask_wtf.csrf import generate_csrf
from markupsafe import escape

from server.http.context import current_principal, database, int_arg, json_body, page_reply, page_request, str_arg
from server.services import notifications

notifications_api = Blueprint("notifications_api", __name__)

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · Parley</title></head>
<body><main><h1>{title}</h1><p>{text}</p>{form}</main></body></html>
"""


def _page(title: str, text: str, form: str = "", status: int = 200) -> Response:
    html = _PAGE.format(title=escape(title), text=escape(text), form=form)
    return Response(html, status=status, mimetype="text/html")


def _secret_key() -> str:
    return str(current_app.config["SECRET_KEY"])


@notifications_api.post("/api/subscriptions")
def subscribe() -> tuple[Response, int]:
    body = json_body()
    principal = current_principal()
    with database().write() as session:
        reply = notifications.to_dict(notifications.subscribe(session, principal, body))
    return jsonify(reply), 201


@notifications_api.get("/api/subscriptions")
def list_subscriptions() -> Response:
    principal = current_principal()
    page = page_request()
    bill_id = int_arg("bill_id", 0, minimum=1) or None
    with database().read() as session:
        found = notifications.page_own(session, principal, page, target=str_arg("target"), bill_id=bill_id)
        return jsonify(page_reply("subscriptions", [notifications.to_dict(s) for s in found.items], found))


@notifications_api.delete("/api/subscriptions/<int:subscription_id>")
def cancel_subscription(subscription_id: int) -> tuple[str, int]:
    principal = current_principal()
    with database().write() as session:
        notifications.cancel(session, principal, subscription_id)
    return "", 204


@notifications_api.get("/api/unsubscribe")
def confirm_unsubscribe() -> Response:
    """The page a mail's link opens. It changes nothing: mail scanners open links too, so a click confirms."""
    token = request.args.get("token", "")
    with database().read() as session:
        subscription = notifications.subscription_of_token(session, _secret_key(), token)
        about = notifications.describe(session, subscription)
    if not subscription.active:
        return _page("Unsubscribed", f"You no longer receive mails about {about}.")
    form = (
        f'<form method="post" action="/api/unsubscribe?token={escape(token)}">'
        f'<input type="hidden" name="csrf_token" value="{escape(generate_csrf())}">'
        '<button type="submit">Unsubscribe</button></form>'
    )
    return _page("Unsubscribe", f"Stop the mails about {about}?", form)


@notifications_api.post("/api/unsubscribe")
def unsubscribe() -> Response:
    """Cancel by signed token (query string, form field or JSON ``token``); answers HTML to a form, else JSON."""
    payload = request.get_json(silent=True)
    token = request.args.get("token") or request.form.get("token")
    if token is None and isinstance(payload, dict):
        token = payload.get("token")
    with database().write() as session:
        subscription = notifications.unsubscribe(session, _secret_key(), token)
        about = notifications.describe(session, subscription)
        reply = notifications.to_dict(subscription)
    if request.mimetype == "application/x-www-form-urlencoded":
        return _page("Unsubscribed", f"You no longer receive mails about {about}.")
    return jsonify({"subscription": reply})
