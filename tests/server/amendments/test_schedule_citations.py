"""A schedule held in an ``hcontainer`` (as imported documents hold it) is cited by its num: "Schedule 1", and what
it holds within it, "paragraph 1(2) of Schedule 1", in the provision tree and in the instructions alike; never as
"an unnumbered provision", which its eId (``hcontainer_1``) alone would give."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from lxml import etree

from akn import AknDocument, AknError
from server.demo import demo_bill_xml
from server.domain import textpatch
from server.domain.citation import Level, citation_of_eid, citation_of_provision, cite, cited_unit, is_top_unit
from server.domain.instructions import insertion_instruction, omission_instruction
from server.errors import ProvisionSettled
from server.services import accounts, drafting
from server.store import projections
from server.store.db import Database
from tests.server.amendments.conftest import Amending, import_corpus_bill
from tests.server.conftest import Accounts

A = "{http://docs.oasis-open.org/legaldocml/ns/akn/3.0}"
SCHEDULES = (
    f'<hcontainer xmlns="{A[1:-1]}" eId="hcontainer_1" name="schedules">'
    '<hcontainer eId="hcontainer_1__hcontainer_1" name="schedule"><num>SCHEDULE 1</num><heading>Fees</heading>'
    '<paragraph eId="hcontainer_1__hcontainer_1__para_1"><num>1</num>'
    '<subparagraph eId="hcontainer_1__hcontainer_1__para_1__subpara_2"><num>(2)</num><content>'
    '<p>The Clerk shall charge no fee for a copy of a bill.</p></content></subparagraph></paragraph></hcontainer>'
    # No unit in its name: the word its num starts with says it is a schedule.
    '<hcontainer eId="hcontainer_1__hcontainer_2" name="annexed"><num>SCHEDULE 2</num>'
    '<paragraph eId="hcontainer_1__hcontainer_2__para_3"><num>3.</num><content>'
    '<p>The Speaker may waive any fee.</p></content></paragraph></hcontainer>'
    '</hcontainer>'
)
PARAGRAPH = "hcontainer_1__hcontainer_1__para_1__subpara_2"
CORPUS = Path(__file__).resolve().parents[3].parent / "shared" / "akn-corpus"


def _with_schedules() -> bytes:
    document = AknDocument.from_bytes(demo_bill_xml())
    body = document.provision_element("part_5").getparent()
    assert body is not None
    body.append(etree.fromstring(SCHEDULES))
    return document.to_bytes()


def _levels(element: etree._Element) -> list[Level]:
    chain = [element, *(a for a in element.iterancestors() if a.get("eId") and a.tag != f"{A}body")]
    return [Level(cited_unit(node), node.findtext(f"{A}num")) for node in reversed(chain)]


def test_a_schedule_and_what_it_holds_are_cited_by_their_nums() -> None:
    document = AknDocument.from_bytes(_with_schedules())
    cited = {eid: cite(_levels(document.provision_element(eid))) for eid in document.eids()
             if eid.startswith("hcontainer_1__")}
    assert cited == {
        "hcontainer_1__hcontainer_1": "Schedule 1",
        "hcontainer_1__hcontainer_1__para_1": "paragraph 1 of Schedule 1",
        PARAGRAPH: "paragraph 1(2) of Schedule 1",
        "hcontainer_1__hcontainer_2": "Schedule 2",
        "hcontainer_1__hcontainer_2__para_3": "paragraph 3 of Schedule 2",
    }
    # The eId alone does not say it: the stored nums do.
    assert "unnumbered" in citation_of_eid(PARAGRAPH)
    stored = [Level("hcontainer", None), Level("hcontainer", "SCHEDULE 1"), Level("paragraph", "1"),
              Level("subparagraph", "(2)")]
    assert citation_of_provision(PARAGRAPH, stored) == "paragraph 1(2) of Schedule 1"
    assert is_top_unit(stored[:2])


@pytest.mark.parametrize(("levels", "cited"), [
    ([Level("hcontainer", "SCHEDULE")], "the Schedule"),
    ([Level("hcontainer", "Schedule 3"), Level("hcontainer", None), Level("paragraph", "4")],
     "paragraph 4 of Schedule 3"),
    ([Level("schedule", "SCHEDULE 1"), Level("part", "PART 2")], "Part 2 of Schedule 1"),
    ([Level("schedule", "SCHEDULE 1"), Level("part", "PART 2"), Level("paragraph", "5")],
     "paragraph 5 of Schedule 1"),
    ([Level("regulation", "2"), Level("paragraph", "1")], "regulation 2(1)"),
    # An hcontainer whose num names no unit is cited as before.
    ([Level("part", "1"), Level("hcontainer", None)], "Part 1"),
])
def test_a_schedule_is_named_as_a_reader_names_it(levels: list[Level], cited: str) -> None:
    assert cite(levels) == cited


def test_instructions_name_the_schedule() -> None:
    levels = [Level("hcontainer", None), Level("hcontainer", "SCHEDULE 1"), Level("paragraph", "1")]
    assert omission_instruction(levels).text.startswith("In Schedule 1, leave out paragraph")
    assert omission_instruction(levels[:2]).text == "Leave out Schedule 1."


def test_a_paragraph_of_a_schedule_is_left_out_by_its_number() -> None:
    # A schedule numbers its paragraphs 1, 2, 3 as the body numbers its sections; their sub-paragraphs are "(1)".
    schedule = [Level("hcontainer", None), Level("hcontainer", "SCHEDULE 1")]
    paragraph = [*schedule, Level("paragraph", "1")]
    assert omission_instruction(paragraph).text == "In Schedule 1, leave out paragraph 1."
    assert omission_instruction([*paragraph, Level("subparagraph", "(2)")]).text == (
        "In paragraph 1 of Schedule 1, leave out subparagraph (2).")
    in_part = [Level("schedule", "SCHEDULE 1"), Level("part", "PART 2"), Level("paragraph", "5")]
    assert omission_instruction(in_part).text == "In Part 2 of Schedule 1, leave out paragraph 5."
    assert insertion_instruction(paragraph, "paragraph", "2", None, "No fee.").text.startswith(
        "In Schedule 1, after paragraph 1, insert")
    # Paragraphs of a regulation or a section keep their brackets.
    assert omission_instruction([Level("regulation", "2"), Level("paragraph", "1")]).text == (
        "In regulation 2, leave out paragraph (1).")
    assert omission_instruction([Level("section", "2"), Level("subsection", "1")]).text == (
        "In section 2, leave out subsection (1).")


def test_an_hcontainer_named_for_a_unit_is_cited_as_that_unit() -> None:
    regulation = etree.fromstring(f'<hcontainer xmlns="{A[1:-1]}" name="regulation"><num>2</num></hcontainer>')
    crossheading = etree.fromstring(f'<hcontainer xmlns="{A[1:-1]}" name="crossheading"/>')
    assert (cited_unit(regulation), cited_unit(crossheading)) == ("regulation", "hcontainer")


def _tree(client: FlaskClient, bill_id: int) -> dict[str, dict[str, Any]]:
    flat: dict[str, dict[str, Any]] = {}

    def walk(provisions: list[dict[str, Any]]) -> None:
        for provision in provisions:
            flat[provision["eid"]] = provision
            walk(provision["children"])

    walk(client.get(f"/api/bills/{bill_id}").get_json()["provisions"])
    return flat


def test_an_amendment_inside_a_schedule_names_the_schedule(client: FlaskClient, users: Accounts) -> None:
    response = client.post("/api/bills", data=_with_schedules(), content_type="application/akn+xml",
                           headers=users.headers("drafter"))
    assert response.status_code == 201, response.get_json()
    amending = Amending(client, users, int(response.get_json()["id"]))
    amendment = amending.replace(PARAGRAPH, "no fee", "a fee")
    assert amendment["instruction"] == 'In paragraph 1(2) of Schedule 1, leave out "no" and insert "a".'
    tree = _tree(client, amending.bill_id)
    assert tree[PARAGRAPH]["citation"] == "paragraph 1(2) of Schedule 1"
    assert tree["hcontainer_1__hcontainer_2"]["citation"] == "Schedule 2"
    # Sections are cited as they were.
    assert tree["part_5__sec_19__subsec_1"]["citation"] == "section 19(1)"
    assert tree["part_5"]["citation"] == "Part 5"


def test_an_imported_act_cites_its_schedules(client: FlaskClient, users: Accounts) -> None:
    bill = import_corpus_bill(client, users, "legaldocml__uk_asp-2017-1-enacted.xml")
    tree = _tree(client, int(bill["id"]))
    assert [tree[f"schedule-{n}"]["citation"] for n in (1, 2, 3)] == ["Schedule 1", "Schedule 2", "Schedule 3"]
    # Its eIds are not the convention's ("section-1-1"): the nums say what they are.
    assert (tree["section-1"]["citation"], tree["section-1-1"]["citation"]) == ("section 1", "section 1(1)")
    assert tree["part-1"]["citation"] == "Part 1"


def test_an_imported_regulation_is_cited_as_its_instructions_cite_it(
    client: FlaskClient, users: Accounts, db: Database
) -> None:
    # Its regulations are hcontainers named "regulation": the provision tree, read from the stored rows, names
    # them as the amendment's instruction (read from the document) does, not by their Part.
    bill = import_corpus_bill(client, users, "legaldocml__uk_ssi-2017-113-enacted.xml")
    amending = Amending(client, users, int(bill["id"]))
    amendment = amending.replace("regulation-1-2", "Scotland only", "Scotland and England")
    assert amendment["instruction"].startswith("In regulation 1(2), leave out")
    cited = {"regulation-1-2": "regulation 1(2)", "regulation-2": "regulation 2", "regulation-2-1": "regulation 2(1)",
             "regulation-3-1-a": "regulation 3(1)(a)", "part-1": "Part 1"}
    tree = _tree(client, amending.bill_id)
    assert {eid: tree[eid]["citation"] for eid in cited} == cited
    # The rows are a projection: rebuilt from the log, they still say which unit each is.
    with db.write() as session:
        before = projections.snapshot(session)
        projections.rebuild(session)
        assert projections.snapshot(session) == before
    tree = _tree(client, amending.bill_id)
    assert {eid: tree[eid]["citation"] for eid in cited} == cited
    # A drafting edit refused for words the House adopted names the provision so too.
    amending.adopt(amendment["id"])
    text = amending.text_of("regulation-1-2")
    with db.write() as session, pytest.raises(ProvisionSettled) as refused:
        drafter = accounts.principal_for_user_id(session, users.ids["drafter"])
        drafting.edit_provision(session, drafter, bill_id=amending.bill_id, eid="regulation-1-2", rev=0,
                                patch=textpatch.make_patch(text, text + " Draft."), op_id="after-vote",
                                max_chars=100_000)
    assert refused.value.message.startswith("regulation 1(2) reads as the House voted on it"), refused.value.message


def test_no_schedule_of_the_corpus_is_cited_as_unnumbered() -> None:
    if not CORPUS.is_dir():
        pytest.skip(f"the shared AKN corpus is not beside the checkout ({CORPUS})")
    found = 0
    for path in sorted(CORPUS.glob("*.xml")):
        try:
            document = AknDocument.from_bytes(path.read_bytes())
        except AknError:
            continue
        for eid in document.eids():
            element = document.provision_element(eid)
            if element.get("name") == "schedule":
                found += 1
                assert not cite(_levels(element)).startswith(("an ", "the first")), (path.name, eid)
    assert found >= 20
