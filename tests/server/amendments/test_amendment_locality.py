"""An amendment to a sub-national act is named in its jurisdiction: `/akn/gb-sct/amendment/...` for a Scottish act."""

from __future__ import annotations

from flask.testing import FlaskClient
from lxml import etree

from akn import AknDocument
from tests.server.amendments.conftest import Amending, import_corpus_bill
from tests.server.conftest import Accounts

SCOTTISH_SSI = "legaldocml__uk_ssi-2017-126-enacted.xml"
NS = {"a": "http://docs.oasis-open.org/legaldocml/ns/akn/3.0"}


def test_an_amendment_to_a_scottish_act_is_scotlands(client: FlaskClient, users: Accounts) -> None:
    bill = import_corpus_bill(client, users, SCOTTISH_SSI)
    assert bill["expression_uri"].startswith("/akn/gb-sct/")
    amending = Amending(client, users, int(bill["id"]))
    amendment = amending.replace("article-1-2", "2015", "2016")
    assert amendment["akn_uri"].startswith("/akn/gb-sct/amendment/"), amendment["akn_uri"]

    served = client.get(amendment["akn_uri"], headers={"Accept": "application/akn+xml", **users.headers("mp")})
    assert served.status_code == 200
    document = AknDocument.from_bytes(served.data)
    assert document.validate() == []
    assert document.root.xpath("string(//a:FRBRWork/a:FRBRcountry/@value)", namespaces=NS) == "gb-sct"
    assert document.root.xpath("string(//a:FRBRExpression/a:FRBRthis/@value)", namespaces=NS).startswith(
        amendment["akn_uri"])
    parliament = document.root.xpath("//a:TLCOrganization[@eId='parliament']/@href", namespaces=NS)
    assert parliament == ["/ontology/organization/gb-sct/parliament"]
    # Its country without the locality names no amendment.
    elsewhere = amendment["akn_uri"].replace("/akn/gb-sct/", "/akn/gb/")
    assert client.get(elsewhere, headers={"Accept": "application/akn+xml"}).status_code == 404
    assert etree.QName(document.root[0]).localname == "amendment"
