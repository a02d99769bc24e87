"""A num kept as markup (an Italian bill's points, ``<num><i>a)</i></num>``, are ``//a)//``) is read as its words
wherever a person reads a citation or a label: instructions cite "point (a)", the composer and the editor name the
point "a)", and an unnumbered list by its opening words, never by its eId. The API's ``num`` stays markup.

A new provision is quoted with its number in its siblings' style: after an enacted UK act's paragraph "f" (printed
and cited "(f)"), the new paragraph reads "(g)"."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask.testing import FlaskClient

from server.domain.citation import Level, levels_from_eid
from server.domain.instructions import inserted_number, insertion_instruction
from tests.server.amendments.conftest import import_corpus_bill
from tests.server.conftest import Accounts
from tests.server.web.conftest import parse

ITALIAN = "legaldocml__it_senato_ddl_2013.xml"
UK_ACT = "legaldocml__uk_pga-2014-27-enacted.xml"
LIST = "art_1__para_1__list_1"
POINT_A = "art_1__para_1__list_1__point_a"


@pytest.fixture
def italian(client: FlaskClient, users: Accounts) -> int:
    return int(import_corpus_bill(client, users, ITALIAN)["id"])


def _preview(client: FlaskClient, users: Accounts, bill: int, **body: Any) -> dict[str, Any]:
    response = client.post(f"/api/bills/{bill}/amendments/preview", json=body, headers=users.headers("mp"))
    assert response.status_code == 200, response.get_json()
    result: dict[str, Any] = response.get_json()
    return result


def _nodes(tree: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for node in tree:
        found[node["eid"]] = node
        found.update(_nodes(node["children"]))
    return found


def test_an_instruction_cites_a_point_numbered_in_italics_by_its_letter(
        client: FlaskClient, users: Accounts, italian: int) -> None:
    text = client.get(f"/api/bills/{italian}/provisions/{LIST}").get_json()["text"]
    preview = _preview(client, users, italian, eid=LIST, text=text.replace("unico ", "", 1))
    assert preview["instruction"] == (
        'In the first unnumbered list of article 1(1), in the words before point (a), leave out "unico".')
    point = client.get(f"/api/bills/{italian}/provisions/{POINT_A}").get_json()
    assert point["num"] == "//a)//", "the API's num stays markup, as the contract asks"
    preview = _preview(client, users, italian, eid=POINT_A, text=point["text"].replace("sostituito", "modificato"))
    assert preview["citation"] == "article 1(1)(a)"
    assert preview["instruction"].startswith("In article 1(1)(a), leave out")


def test_the_provision_tree_cites_a_point_as_its_instructions_do(
        client: FlaskClient, users: Accounts, italian: int) -> None:
    # The unnumbered list's eId counts it (list_1): no number of the citation.
    nodes = _nodes(client.get(f"/api/bills/{italian}").get_json()["provisions"])
    assert nodes[POINT_A]["citation"] == "article 1(1)(a)"
    assert nodes[f"{LIST}__point_d__list_1__point_1"]["citation"] == "article 1(1)(d)(1)"


def test_the_composer_and_the_editor_name_provisions_without_markup_or_eids(
        client: FlaskClient, users: Accounts, italian: int) -> None:
    page = parse(client.get(f"/bills/{italian}/amendments", headers=users.headers("mp")).data)
    options = {option.get("value"): " ".join(option.text_content().split()) for option in page.xpath("//option")}
    assert options[POINT_A].endswith(" — a)"), options[POINT_A]
    assert options["art_3"] == "Art. 3. (Delega al Governo per la determinazione dei collegi uninominali)"
    assert not [label for label in options.values() if "//" in label]

    editor = parse(client.get(f"/bills/{italian}/edit", headers=users.headers("drafter")).data)
    outline = _nodes(json.loads(editor.xpath("string(//script[@id='editor-outline'])")))
    detail = _nodes(client.get(f"/api/bills/{italian}").get_json()["provisions"])
    for nodes in (outline, detail):
        assert nodes[POINT_A]["label"] == "a)"
        assert nodes[POINT_A]["num"] == "//a)//"
        # An unnumbered list, without heading, is named by its opening words, as the composer names it.
        assert nodes[LIST]["label"].startswith("Al testo unico delle leggi")
        assert not [node["label"] for node in nodes.values() if "//" in node["label"] or node["label"] == node["eid"]]


@pytest.mark.parametrize("num", ["g", "(g)"])
def test_a_new_paragraph_of_an_enacted_act_is_quoted_with_its_number_in_brackets(
        client: FlaskClient, users: Accounts, num: str) -> None:
    act = int(import_corpus_bill(client, users, UK_ACT)["id"])
    assert client.get(f"/api/bills/{act}/provisions/sec_1__subsec_2__para_f").get_json()["num"] == "f"
    preview = _preview(client, users, act, eid="sec_1__subsec_2__para_f", action="insert_after", num=num,
                       text="new para")
    assert preview["instruction"] == (
        'In section 1(2), after paragraph (f), insert the following new paragraph\u2014\n"(g) new para"')


@pytest.mark.parametrize(("sibling", "name", "num", "shown"), [
    (Level("paragraph", "f"), "paragraph", "g", "(g)"),  # a bare num, printed and cited in brackets
    (Level("paragraph", "(f)"), "paragraph", "g", "(g)"),
    (Level("point", "//a)//"), "point", "a-bis", "a-bis)"),  # an Italian bill's points, in italics
    (Level("point", "a)"), "point", "(b)", "b)"),  # what the member typed gives way to the siblings' style
    (Level("subsection", "2"), "subsection", "3", "(3)"),
    (Level("section", "4"), "section", "4A.", "4A."),  # a section keeps its number as given
    (Level("part", "PART 2"), "part", "3", "3"),
    (Level("paragraph", "f"), "paragraph", None, None),
])
def test_an_inserted_number_takes_its_siblings_style(sibling: Level, name: str, num: str | None,
                                                      shown: str | None) -> None:
    assert inserted_number(sibling, name, num) == shown


def test_an_inserted_subsection_is_quoted_as_it_will_read() -> None:
    instruction = insertion_instruction(levels_from_eid("sec_4__subsec_2"), "subsection", "3", None, "Words.")
    assert instruction.text.endswith('"(3) Words."')
