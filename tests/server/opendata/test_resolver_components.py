"""Portion URIs (`~<eId>`) into the documents of a collection: each provision of a collection's document is a portion
of the expression; a component itself (a document of its own) is not one, and the refusal says so."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from akn import AknDocument
from tests.server.amendments.conftest import import_corpus_bill
from tests.server.conftest import Accounts


@pytest.mark.parametrize(("name", "component", "provision"), [
    ("legaldocml__eu_COM2013-0619_EN-8.xml", "cmp_2", "art_1__para_1"),
    ("legaldocml__uy_bill_2010-09-27.xml", "cmpnts__cmp_1", "cmpnts__cmp_1__art_1"),
])
def test_a_collections_provisions_are_portions_and_its_components_are_named_as_such(
    client: FlaskClient, users: Accounts, name: str, component: str, provision: str
) -> None:
    bill = import_corpus_bill(client, users, name)
    uri = bill["expression_uri"]
    # The provision API serves the component as a node of the provision tree...
    assert client.get(f"/api/bills/{bill['id']}/provisions/{component}").status_code == 200

    # ...and each of its provisions is a portion of the expression, a valid <portion> document.
    served = client.get(f"{uri}/~{provision}.xml")
    assert served.status_code == 200, served.get_json()
    assert AknDocument.from_bytes(served.data).validate() == []
    assert client.get(f"{uri}/~{provision}.html").status_code == 200

    # A component is a document of its own, which a <portion> cannot hold: refused, and said so.
    for asked in (f"{uri}/~{component}", f"{uri}/~{component}.xml"):
        refused = client.get(asked, headers={"Accept": "application/json"})
        assert refused.status_code == 404
        message = refused.get_json()["error"]["message"]
        assert message.startswith(f"{component} is a component of the expression {uri}"), message
