"""The clerks' moderation page reaches every comment waiting for them and every hidden one, a page at a time, and
says how many there are."""

from __future__ import annotations

from lxml import html

from tests.server.consultation.conftest import DURATION, REGISTER, Api
from tests.server.web.conftest import parse

ABUSIVE = ("You are all idiots.", "What morons wrote this?", "Idiots, every one of you.", "A bill for morons.",
           "Only idiots would vote for it.")


def _page(api: Api, path: str) -> html.HtmlElement:
    response = api.client.get(path, headers=api.users.headers("clerk"))
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return parse(response.data)


def _ids(page: html.HtmlElement, item: str) -> list[int]:
    return [int(number) for number in page.xpath(f'//li[@class="{item}"]/@data-comment')]


def _text(page: html.HtmlElement, path: str) -> str:
    return " ".join(str(page.xpath(f"string({path})")).split())


def _walk(api: Api, first: str, item: str, pager: str) -> tuple[list[int], list[str], list[str]]:
    """Follows a list's "next" links from ``first`` to its last page: the ids on each page, what each page said of
    its list, and the labels of the links followed."""
    ids: list[int] = []
    tallies: list[str] = []
    labels: list[str] = []
    path: str | None = first
    while path is not None:
        page = _page(api, path)
        ids += _ids(page, item)
        tallies.append(_text(page, f'//nav[@aria-label="{pager}"]/preceding::p[@class="meta list-tally"][1]'))
        following = page.xpath(f'//nav[@aria-label="{pager}"]/a[@rel="next"]')
        path = str(following[0].get("href")) if following else None
        if following:
            labels.append(following[0].text_content())
    return ids, tallies, labels


def test_every_waiting_comment_is_reached_from_the_page_and_the_page_says_how_many_wait(
    api: Api, consulted: int
) -> None:
    waiting = [api.comment("citizen", consulted, DURATION, body).get_json()["id"] for body in ABUSIVE]
    ids, tallies, labels = _walk(api, "/moderation?limit=2", "queued-comment", "Pages of the moderation queue")
    assert ids == waiting
    assert tallies == ["Waiting for a clerk: 5. Shown here: 1 to 2.", "Waiting for a clerk: 5. Shown here: 3 to 4.",
                       "Waiting for a clerk: 5. Shown here: 5 to 5."]
    assert labels == ["Next 2 waiting", "Next 1 waiting"]

    # A page after the first leads back to the oldest; the first needs no such link.
    first = _page(api, "/moderation?limit=2")
    assert first.xpath('//a[@class="pager-first"]') == []
    second = _page(api, str(first.xpath('//a[@rel="next"]')[0].get("href")))
    assert [a.text_content() for a in second.xpath('//a[@class="pager-first"]')] == ["Back to the oldest waiting"]
    # All on one page: the count, and nothing about other pages.
    whole = _page(api, "/moderation")
    assert _ids(whole, "queued-comment") == waiting
    assert _text(whole, '//p[@class="meta list-tally"]') == "Waiting for a clerk: 5."
    assert whole.xpath("//nav[@class='pager']") == []


def test_every_hidden_comment_is_reached_from_the_page_latest_first(api: Api, consulted: int) -> None:
    hidden = []
    for number in range(3):
        comment = api.comment("citizen2", consulted, REGISTER, f"Point {number} on the register.").get_json()
        assert api.post("clerk", f"/api/comments/{comment['id']}/moderation",
                        {"action": "hide", "reason": "off topic"}).status_code == 200
        hidden.append(comment["id"])
    ids, tallies, labels = _walk(api, "/moderation?hidden_limit=2", "hidden-comment",
                                 "Pages of the comments hidden lately")
    assert ids == hidden[::-1]
    assert tallies == ["Hidden comments: 3. Shown here: 1 to 2.", "Hidden comments: 3. Shown here: 3 to 3."]
    assert labels == ["Next 1, hidden earlier"]


def test_the_pages_of_one_list_keep_the_other_lists_page_and_the_language(api: Api, consulted: int) -> None:
    for body in ABUSIVE[:3]:
        api.comment("citizen", consulted, DURATION, body)
    page = _page(api, "/moderation?lang=fr&limit=2&hidden_limit=7")
    assert _text(page, '//p[@class="meta list-tally"]') == "En attente d\u2019un greffier : 3. Affichés ici : 1 à 2."
    following = str(page.xpath('//a[@rel="next"]')[0].get("href"))
    assert "lang=fr" in following and "hidden_limit=7" in following and "limit=2" in following
    assert page.xpath('string(//a[@rel="next"])') == "Suite de la file (1)"


def test_a_cursor_not_given_out_by_the_page_is_refused(api: Api, consulted: int) -> None:
    response = api.client.get("/moderation?hidden_cursor=nonsense", headers=api.users.headers("clerk"))
    assert response.status_code == 422
