"""The reader: rendered text with contents and anchors, share metadata, versions and redlines, lazy chunks."""

from __future__ import annotations

from diff_match_patch import diff_match_patch
from flask.testing import FlaskClient

from bench.synthetic import make_bill
from server.services import accounts, bills, drafting, structure, versions
from server.store.db import Database
from tests.server.conftest import Accounts
from tests.server.web.conftest import meta, parse


def test_reader_renders_the_bill_with_contents_and_provision_anchors(client: FlaskClient, bill_id: int) -> None:
    answer = client.get(f"/bills/{bill_id}")
    assert answer.status_code == 200
    page = parse(answer.data)
    assert page.xpath('//section[@id="part_2__sec_3"]//h3')
    assert page.xpath('//nav[contains(@class,"toc")]//a[@href="#part_2__sec_3"]')
    assert page.xpath('//nav[contains(@class,"toc")]//li[@data-eid="part_2"]/a[@href="#part_2"]')
    assert meta(page, "og:title") == "Test Bill, 2026"
    assert meta(page, "twitter:card") == "summary"


def test_a_provision_link_previews_its_number_heading_and_text(client: FlaskClient, bill_id: int) -> None:
    for path in (f"/bills/{bill_id}?eid=part_2__sec_3", f"/bills/{bill_id}/provisions/part_2__sec_3"):
        answer = client.get(path)
        assert answer.status_code == 200, path
        page = parse(answer.data)
        assert meta(page, "og:title") == "3. Duty to consult — Test Bill, 2026"
        description = meta(page, "og:description")
        assert "shall open a consultation within thirty days" in description
        assert "remain open for not less than thirty days" in description
        assert meta(page, "twitter:title") == meta(page, "og:title")
        assert meta(page, "og:url").endswith(("?eid=part_2__sec_3", "/provisions/part_2__sec_3"))


def test_a_link_preview_keeps_numbers_apart_from_the_words(client: FlaskClient, bill_id: int) -> None:
    section = meta(parse(client.get(f"/bills/{bill_id}?eid=part_2__sec_3").data), "og:description")
    assert section.startswith("(1) The clerk shall open"), section
    assert "thirty days. (2) A consultation" in section
    interpretation = parse(client.get(f"/bills/{bill_id}?eid=part_1__sec_2").data)
    assert 'In this Act— (a) "clerk" means' in meta(interpretation, "og:description")
    # The bill's own preview begins with its first Part, whose sections carry a number and a heading each.
    whole = meta(parse(client.get(f"/bills/{bill_id}").data), "description")
    assert "1. Short title This Act may be cited" in whole, whole


def test_a_provision_inside_another_is_named_by_its_citation(client: FlaskClient, bill_id: int) -> None:
    # Its own num, "(2)", says not which subsection: the title and heading say "Section 3(2)", as amendments do.
    page = parse(client.get(f"/bills/{bill_id}/provisions/part_2__sec_3__subsec_2").data)
    assert meta(page, "og:title") == "Section 3(2) — Test Bill, 2026"
    assert page.xpath("string(//h1)") == "Section 3(2)"


def test_unknown_provisions_and_versions_answer_a_page_with_the_error(client: FlaskClient, bill_id: int) -> None:
    for path, status in ((f"/bills/{bill_id}?eid=part_9__sec_99", 404), (f"/bills/{bill_id}?version=7", 404),
                         (f"/bills/{bill_id}?compare=one..two", 400), ("/bills/999", 404)):
        answer = client.get(path)
        assert answer.status_code == status, path
        assert answer.mimetype == "text/html"
        assert parse(answer.data).xpath('//p[@role="alert"]'), path


def test_an_error_page_says_its_sentence_with_a_capital(client: FlaskClient) -> None:
    assert parse(client.get("/bills/999").data).xpath('string(//p[@role="alert"])').startswith("There is no bill 999")


def test_a_version_compared_with_itself_is_said_on_the_page_not_an_error(client: FlaskClient, db: Database,
                                                                         users: Accounts, bill_id: int) -> None:
    _edit_and_publish(db, users, bill_id)
    answer = client.get(f"/bills/{bill_id}?compare=2..2")
    assert answer.status_code == 200
    page = parse(answer.data)
    assert "choose two different versions" in page.xpath('string(//p[@role="status"])')
    assert "sixty days" in page.xpath('string(//section[@id="part_2__sec_3__subsec_1"])')
    # Two versions holding the same text: the redline says so rather than showing nothing.
    with db.write() as session:
        versions.publish_working_text(session, accounts.principal_for_user_id(session, users.ids["drafter"]),
                                      bill_id)
    same = parse(client.get(f"/bills/{bill_id}?compare=2..3").data)
    assert "No changes" in same.xpath('string(//section[contains(@class,"redline")])')


def _edit_and_publish(db: Database, users: Accounts, bill_id: int) -> None:
    with db.write() as session:
        drafter = accounts.principal_for_user_id(session, users.ids["drafter"])
        state = bills.provision_states(session, bill_id)["part_2__sec_3__subsec_1"]
        engine = diff_match_patch()
        patch = engine.patch_toText(engine.patch_make(state[1], state[1].replace("thirty days", "sixty days")))
        drafting.edit_provision(session, drafter, bill_id=bill_id, eid="part_2__sec_3__subsec_1", rev=state[0],
                                patch=patch, op_id="web-test-1", max_chars=100_000)
        versions.publish_working_text(session, drafter, bill_id)


def test_versions_switch_and_compare_as_a_redline(client: FlaskClient, db: Database, users: Accounts,
                                                  bill_id: int) -> None:
    _edit_and_publish(db, users, bill_id)
    latest = parse(client.get(f"/bills/{bill_id}").data)
    assert latest.xpath('//select[@name="version"]/option[@selected]/@value') == ["2"]
    assert "sixty days" in latest.xpath('string(//section[@id="part_2__sec_3__subsec_1"])')
    first = parse(client.get(f"/bills/{bill_id}?version=1").data)
    assert "thirty days" in first.xpath('string(//section[@id="part_2__sec_3__subsec_1"])')
    for path in (f"/bills/{bill_id}?compare=1..2", f"/bills/{bill_id}?from=1&to=2"):
        redline = parse(client.get(path).data)
        assert redline.xpath('//section[contains(@class,"redline")]//section//ins/text()') == ["sixty"]
        assert redline.xpath('//section[contains(@class,"redline")]//section//del/text()') == ["thirty"]


def test_a_long_bill_is_served_in_chunks_the_reader_loads_on_demand(client: FlaskClient, db: Database,
                                                                     users: Accounts) -> None:
    with db.write() as session:
        drafter = accounts.principal_for_user_id(session, users.ids["drafter"])
        bill = bills.import_bill(session, drafter, make_bill(450, number="450")).bill.id
    page = parse(client.get(f"/bills/{bill}").data)
    chunks = page.xpath('//div[contains(@class,"chunk")]')
    count = int(page.xpath("string(//body/@data-chunks)"))
    assert count == len(chunks) > 1
    assert len(page.xpath('//div[contains(@class,"chunk-pending")]')) == count - 1
    # Only the first chunk is in the page; the contents list every part, with the chunk that holds it.
    assert page.xpath('//section[@id="part_1__sec_1"]') and not page.xpath('//section[@id="part_5__sec_450"]')
    last_part = page.xpath('//nav[contains(@class,"toc")]//li[@data-eid="part_5"]/@data-chunk')
    assert last_part and int(last_part[0]) == count - 1
    fragment = client.get(f"/bills/{bill}/chunks/{count - 1}?version=1")
    assert fragment.status_code == 200 and "immutable" in fragment.headers["Cache-Control"]
    assert parse(fragment.data).xpath('//section[@id="part_5__sec_450"]')
    # Without a version the chunk is the current version's: kept only until the next publication, never as is.
    current = client.get(f"/bills/{bill}/chunks/{count - 1}")
    assert current.data == fragment.data and current.headers["Cache-Control"] == "no-cache"
    assert client.get(f"/bills/{bill}/chunks/{count}").status_code == 404
    # A link to a provision far down renders its chunk first.
    deep = parse(client.get(f"/bills/{bill}?eid=part_5__sec_450").data)
    assert deep.xpath('//section[@id="part_5__sec_450"]')


def test_an_earlier_versions_provision_page_says_so_and_leads_back_to_that_version(
        client: FlaskClient, db: Database, users: Accounts, bill_id: int) -> None:
    _edit_and_publish(db, users, bill_id)
    eid = "part_2__sec_3__subsec_1"
    old = parse(client.get(f"/bills/{bill_id}/provisions/{eid}?version=1").data)
    assert "thirty days" in old.xpath("string(//main)")
    assert "(not the latest version)" in old.xpath("string(//main)")
    # Its way back into the whole bill shows version 1 (the words just read), not the current version 2.
    assert old.xpath("//main//p/a[contains(@href, '?')]/@href") == [f"/bills/{bill_id}?eid={eid}&version=1#{eid}"]
    current = parse(client.get(f"/bills/{bill_id}/provisions/{eid}").data)
    assert "(not the latest version)" not in current.xpath("string(//main)")
    assert current.xpath("//main//p/a[contains(@href, '?')]/@href") == [f"/bills/{bill_id}?eid={eid}#{eid}"]


def test_a_comparison_lists_the_provisions_it_moved_by_citation(client: FlaskClient, db: Database, users: Accounts,
                                                                bill_id: int) -> None:
    with db.write() as session:
        drafter = accounts.principal_for_user_id(session, users.ids["drafter"])
        structure.move_provision(session, drafter, bill_id, eid="part_2__sec_4", ref_eid="part_2__sec_3",
                                 position="before")
        versions.publish_working_text(session, drafter, bill_id)
    page = parse(client.get(f"/bills/{bill_id}?compare=1..2").data)
    # The redline marks words; a provision that only moved has none, so the list says where to find it.
    listed = page.xpath('//section[contains(@class,"redline")]//ul[@class="rearranged"]/li/a')
    assert [(a.get("href"), a.text_content()) for a in listed] == [("#part_2__sec_4", "Section 4 moved")]
    assert page.xpath('//*[@id="part_2__sec_4"]'), "the link leads to the provision"
