"""``/moderation/rows``: what the moderation page's script draws of the comments that reach a list while it is
open, drawn exactly as the page draws them, for clerks and admins alone."""

from __future__ import annotations

from lxml import html

from server.http.pages_consultation import MAX_ROWS
from tests.server.consultation.conftest import DURATION, REGISTER, Api
from tests.server.web.conftest import parse

HELD = "You are all idiots."


def _rows(api: Api, query: str, who: str = "clerk") -> html.HtmlElement:
    response = api.client.get(f"/moderation/rows?{query}", headers=api.users.headers(who))
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "text/html"
    assert response.headers["Cache-Control"] == "no-store"
    # A piece of a page, without the page's <meta charset>: its encoding is the answer's (UTF-8).
    return html.fromstring(response.get_data(as_text=True))


def _items(document: html.HtmlElement, item: str) -> dict[int, str]:
    return {int(li.get("data-comment")): html.tostring(li, encoding="unicode", with_tail=False)
            for li in document.xpath(f'//li[@class="{item}"]')}


def _plant(api: Api, bill: int) -> tuple[int, int, int, int]:
    """A held comment, a reported one, a hidden one and one that waits for nobody."""
    held = api.comment("citizen", bill, DURATION, HELD).get_json()["id"]
    reported = api.comment("citizen2", bill, REGISTER, "The register is a good idea.").get_json()["id"]
    assert api.post("citizen3", f"/api/comments/{reported}/flags", {"reason": "spam", "note": "an advert"}
                    ).status_code == 201
    hidden = api.comment("citizen2", bill, REGISTER, "Buy cheap watches.").get_json()["id"]
    assert api.post("clerk", f"/api/comments/{hidden}/moderation", {"action": "hide", "reason": "advert"}
                    ).status_code == 200
    quiet = api.comment("citizen3", bill, REGISTER, "Thirty days is enough.").get_json()["id"]
    return held, reported, hidden, quiet


def test_the_rows_asked_for_are_drawn_as_the_page_draws_them(api: Api, consulted: int) -> None:
    held, reported, hidden, quiet = _plant(api, consulted)
    page = parse(api.client.get("/moderation", headers=api.users.headers("clerk")).data)
    for who in ("clerk", "admin"):
        rows = _rows(api, f"comments={quiet},{hidden},{reported},{held},{held}", who)
        # Each list in the page's order (the queue oldest first), the comment that waits for nobody left out.
        assert list(_items(rows, "queued-comment")) == [held, reported]
        assert list(_items(rows, "hidden-comment")) == [hidden]
        assert _items(rows, "queued-comment") == {key: value for key, value in _items(page, "queued-comment").items()
                                                  if key in {held, reported}}
        assert _items(rows, "hidden-comment") == _items(page, "hidden-comment")
        # The lists as the page has them, to stand where a list emptied meanwhile said so.
        assert rows.xpath('//ol[@class="moderation-queue"]/@data-empty') == ["Nothing waits for moderation."]
        assert rows.xpath('//ol[@class="hidden-comments"]/@aria-labelledby') == ["hidden-heading"]
    assert _rows(api, f"comments={quiet}").xpath("//li") == []


def test_the_rows_read_in_the_clerks_language(api: Api, consulted: int) -> None:
    held, *_ = _plant(api, consulted)
    rows = _rows(api, f"comments={held}&lang=fr")
    assert rows.xpath(f'string(//li[@data-comment="{held}"]//button[@value="hide"])') == "Masquer"


def test_only_clerks_and_admins_get_the_rows(api: Api, consulted: int) -> None:
    held, *_ = _plant(api, consulted)
    for who in ("citizen", "mp", "drafter"):
        refused = api.client.get(f"/moderation/rows?comments={held}", headers=api.users.headers(who))
        assert refused.status_code == 403
        assert refused.get_json()["error"]["code"] == "forbidden"
        assert HELD not in refused.get_data(as_text=True)
    # A script asked, not a person following a link: a JSON refusal, not a redirection to the sign-in page.
    anonymous = api.client.get(f"/moderation/rows?comments={held}", headers={"Accept": "text/html"})
    assert anonymous.status_code == 401
    assert anonymous.get_json()["error"]["code"] == "unauthenticated"


def test_comment_ids_that_are_not_a_list_of_ids_are_refused(api: Api, consulted: int) -> None:
    for query in ("", "comments=", "comments=3,,4", "comments=three", "comments=-1", "comments=1.5",
                  "comments=" + "9" * 19, "comments=" + ",".join(str(n) for n in range(1, MAX_ROWS + 2))):
        refused = api.client.get(f"/moderation/rows?{query}", headers=api.users.headers("clerk"))
        assert refused.status_code == 422, query
        error = refused.get_json()["error"]
        assert error["code"] == "validation_failed", query
        assert [field["field"] for field in error["fields"]] == ["query.comments"], query
    # As many as may be asked at once is fine.
    assert _rows(api, "comments=" + ",".join(str(n) for n in range(1, MAX_ROWS + 1))).xpath("//ol")
