"""A bill's schedules appear in the reader's table of contents and are rendered with the bill."""

from __future__ import annotations

import re

from flask.testing import FlaskClient
from lxml import etree

from akn.vocabulary import AKN_NS
from server.services import accounts, bills
from server.store.db import Database
from tests.server.conftest import Accounts, small_bill_xml

A = f"{{{AKN_NS}}}"
SCHEDULE = (
    f'<attachments xmlns="{AKN_NS}"><attachment eId="att_1"><heading>First Schedule</heading>'
    '<doc name="schedule"><meta/><mainBody>'
    '<paragraph eId="att_1__para_1"><num>1.</num><content><p>The registration fee is ten shillings.</p>'
    "</content></paragraph></mainBody></doc></attachment></attachments>"
)


def scheduled_bill() -> bytes:
    root = etree.fromstring(small_bill_xml("9", "Scheduled Bill, 2026"))
    schedule = etree.fromstring(SCHEDULE)
    for meta in schedule.iter(A + "meta"):
        meta.append(etree.fromstring(etree.tostring(root[0].find(f"{A}meta/{A}identification"))))
    root[0].append(schedule)
    return etree.tostring(root)


def test_the_reader_lists_and_shows_a_schedule(db: Database, users: Accounts, client: FlaskClient) -> None:
    with db.write() as session:
        drafter = accounts.principal_for_user_id(session, users.ids["drafter"])
        bill = bills.import_bill(session, drafter, scheduled_bill()).bill.id
    page = client.get(f"/bills/{bill}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    contents = html[html.index('id="toc-details"'):]
    assert re.search(r'href="#att_1"[^>]*>[^<]*First Schedule', contents), contents[:2000]
    assert 'href="#att_1__para_1"' in contents
    assert "The registration fee is ten shillings." in html
