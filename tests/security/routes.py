"""How to call every route of the URL map with real ids: the paths the authorization matrix visits."""

from __future__ import annotations

from typing import Any

from flask import Flask
from werkzeug.routing import Rule

from tests.security.conftest import World

IGNORED_METHODS = {"HEAD", "OPTIONS"}


def concrete_path(rule: Rule, world: World, *, own_comment: bool = False) -> str:
    """The rule's path with each variable replaced by the id of something that exists.

    ``own_comment`` picks the comment the ``citizen`` account wrote; otherwise another citizen's.
    """
    values: dict[str, Any] = {
        "bill_id": world.bill, "amendment_id": world.amendment, "consultation_id": world.consultation,
        "comment_id": world.own_comment if own_comment else world.comment,
        "cluster_id": 1, "webhook_id": 1, "subscription_id": 1, "index": 0, "eid": world.eid,
        "filename": "robots.txt", "country": "ke", "rest": "2026-11-02/1/eng@2026-11-02",
        "uri": "ke/bill/2026-11-02/7",
    }
    if rule.endpoint.endswith("member_record") or rule.endpoint.endswith("member"):
        values["user_id"] = world.mp_id
    else:
        values["user_id"] = world.citizen_id
    path = rule.rule
    for name in rule.arguments:
        converter = rule._converters[name]
        token = f"<{name}>"
        kind = type(converter).__name__.removesuffix("Converter").lower()
        for candidate in (f"<{kind}:{name}>", f"<int:{name}>", f"<path:{name}>", token):
            path = path.replace(candidate, str(values[name]))
    return path


def every_route(app: Flask) -> list[tuple[str, str, Rule]]:
    """(endpoint, method, rule) for every route of the application, static files included."""
    found = []
    for rule in app.url_map.iter_rules():
        for method in sorted((rule.methods or set()) - IGNORED_METHODS):
            found.append((rule.endpoint, method, rule))
    return sorted(found, key=lambda item: (item[0], item[1]))
