"""The live editor of a bill in drafting: provisions edited together, structure edits, publishing."""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from flask.typing import ResponseReturnValue

from server.errors import ParleyError
from server.http.context import current_principal, database
from server.http.pages_common import page, page_error, require_page_role
from server.http.pages_document import with_labels
from server.services import bills, drafting

drafting_pages = Blueprint("drafting_pages", __name__)
drafting_pages.register_error_handler(ParleyError, page_error)


def outline(tree: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The provision tree without texts: the editor receives the texts (and revisions) when it joins. A settled
    provision keeps its ``settled_by``, so that it is read-only, with its note, from the first paint."""
    return [
        {"eid": node["eid"], "wid": node["wid"], "name": node["name"], "num": node["num"], "heading": node["heading"],
         "label": node["label"], "citation": node["citation"], "children": outline(node["children"]),
         **({"settled_by": node["settled_by"]} if "settled_by" in node else {})}
        for node in tree
    ]


@drafting_pages.get("/bills/<int:bill_id>/edit")
def editor(bill_id: int) -> ResponseReturnValue:
    principal = require_page_role(current_principal(), "drafter")
    with database().read() as session:
        bill = bills.get_bill(session, bill_id)
        drafting.check_may_edit(principal, bill)
        tree = outline(with_labels(bills.provision_tree(session, bill_id)))
        versions = bills.versions(session, bill_id)
    return page("editor.html", bill=bill, outline=tree, versions=versions)
