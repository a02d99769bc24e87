"""Campaign clusters through the service, public counts of unique comments vs signatures, and answers."""

from __future__ import annotations

import email
import email.policy
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, select

from server.domain import consultation_clustering as clustering
from server.domain.wording import wording
from server.services.translation import translated
from server.store.consultation_models import CommentKey
from server.store.db import Database
from tests.server.conftest import Accounts
from tests.server.consultation.conftest import DURATION, DUTY, Api
from tests.server.consultation.labelled import labelled_comments


def _post_labelled(api: Api, users: Accounts, bill: int, per_campaign: int) -> list[tuple[int, str]]:
    """Post the labelled set, each comment by a citizen of its own; returns (comment id, label)."""
    posted = []
    for n, (text, label) in enumerate(labelled_comments(per_campaign=per_campaign, seed=11)):
        name = f"signer{n}"
        users.add(name, "citizen")
        response = api.comment(name, bill, DURATION, text)
        assert response.status_code == 201, response.get_json()
        assert response.get_json()["state"] == "visible"
        posted.append((response.get_json()["id"], label))
    return posted


def test_campaign_comments_are_grouped_and_counted_apart(api: Api, users: Accounts, consulted: int) -> None:
    posted = _post_labelled(api, users, consulted, per_campaign=6)
    listed = {c["id"]: c for c in api.comments(consulted)}
    predicted = [listed[comment_id]["cluster"]["id"] for comment_id, _label in posted]
    precision, recall = clustering.pair_scores(predicted, [label for _id, label in posted])
    print(f"service clustering of {len(posted)} comments: precision {precision:.3f}, recall {recall:.3f}")
    assert precision >= 0.98 and recall >= 0.9

    totals = api.get(f"/api/bills/{consulted}/comments/counts").get_json()["totals"]
    signatures = sum(1 for c in listed.values() if c["cluster"]["campaign"])
    assert totals["campaigns"] == 4
    assert totals["campaign_signatures"] == signatures >= 4 * 5
    assert totals["unique_comments"] == len(posted) - signatures

    clusters = api.get(f"/api/bills/{consulted}/clusters").get_json()["clusters"]
    assert len(clusters) == 4
    for cluster in clusters:
        assert cluster["size"] == len(cluster["additions"]) + 1
        template = listed[cluster["id"]]
        assert template["cluster"]["template"] is True and template["cluster"]["adds"] is None
    member = next(c for c in listed.values() if c["cluster"]["campaign"] and not c["cluster"]["template"])
    assert member["cluster"]["adds"] == clustering.additions(listed[member["cluster"]["id"]]["body"], member["body"])


def test_answers_give_comments_and_whole_clusters_their_fate(
    api: Api, users: Accounts, consulted: int, tmp_path: Path
) -> None:
    single = api.comment("citizen", consulted, DURATION, "Count weekends or not?").get_json()
    letter = "Extend the consultation period to ninety days so that people in rural counties can take part."
    members = [api.comment(who, consulted, DURATION, prefix + letter).get_json()
               for who, prefix in (("citizen2", ""), ("citizen3", "Dear Members, "), ("citizen4", "Please! "))]
    assert len({m["cluster_id"] for m in members}) == 1

    assert api.post("citizen", f"/api/comments/{single['id']}/answers",
                    {"body": "x", "fate": "noted"}).status_code == 403
    bad = api.post("drafter", f"/api/comments/{single['id']}/answers", {"body": "x", "fate": "maybe"})
    assert bad.status_code == 422
    assert api.post("drafter", f"/api/comments/{single['id']}/answers",
                    {"body": "x", "fate": "noted", "version": 7}).status_code == 404
    # A linked amendment must be one of this bill's: the fate page would otherwise point at nothing.
    assert api.post("drafter", f"/api/comments/{single['id']}/answers",
                    {"body": "x", "fate": "taken_up", "amendment_id": 4242}).status_code == 404
    proposed = api.post("mp", f"/api/bills/{consulted}/amendments",
                        {"eid": DURATION, "text": "A consultation shall remain open for not less than sixty days."})
    assert proposed.status_code == 201, proposed.get_json()
    other = api.comment("citizen", consulted, DURATION, "Sixty days, please.").get_json()
    # An answer is public: a draft is its member's own until tabled. A drafter may not know of it; a clerk may,
    # and is told why it cannot be linked yet.
    draft = proposed.get_json()["id"]
    linking = {"body": "Amendment proposed.", "fate": "noted", "amendment_id": draft}
    assert api.post("drafter", f"/api/comments/{other['id']}/answers", linking).status_code == 404
    early = api.post("clerk", f"/api/comments/{other['id']}/answers", linking)
    assert early.status_code == 409 and "has not tabled" in early.get_json()["error"]["message"], early.get_json()
    assert api.post("mp", f"/api/amendments/{draft}/transitions", {"to": "tabled"}).status_code == 200
    linked = api.post("drafter", f"/api/comments/{other['id']}/answers", linking)
    assert linked.status_code == 201 and linked.get_json()["amendment_id"] == draft
    answered = api.post("drafter", f"/api/comments/{single['id']}/answers",
                        {"body": "Section 3(2) now says calendar days.", "fate": "taken_up", "version": 1})
    assert answered.status_code == 201 and answered.get_json()["version"] == 1
    cluster = api.post("clerk", f"/api/clusters/{members[0]['cluster_id']}/answers",
                       {"body": "The committee kept thirty days but added hearings.", "fate": "not_taken_up"})
    assert cluster.status_code == 201
    # An answer to a whole cluster names no single comment; the bill's history shows it as it stands.
    history = api.get(f"/api/bills/{consulted}/events")
    assert history.status_code == 200
    assert "The committee kept thirty days but added hearings." in str(history.get_json()["events"])

    listed = {c["id"]: c for c in api.comments(consulted)}
    assert listed[single["id"]]["fate"] == "taken_up"
    assert [a["body"] for a in listed[single["id"]]["answers"]] == ["Section 3(2) now says calendar days."]
    for member in members:
        assert listed[member["id"]]["fate"] == "not_taken_up"
        assert listed[member["id"]]["answers"][0]["cluster_id"] == members[0]["cluster_id"]

    # A signatory who joins the campaign after its answer shares its fate, in the list and in the export, as the
    # answer shown under their comment says.
    users.add("late", "citizen")
    late = api.comment("late", consulted, DURATION, "Friends, " + letter).get_json()
    assert late["cluster_id"] == members[0]["cluster_id"]
    listed = {c["id"]: c for c in api.comments(consulted)}
    assert listed[late["id"]]["fate"] == "not_taken_up"
    assert [a["body"] for a in listed[late["id"]]["answers"]] == ["The committee kept thirty days but added hearings."]
    consultation = api.get(f"/api/bills/{consulted}/consultations").get_json()["consultations"][0]["id"]
    exported = {row["id"]: row for row in api.get(f"/api/consultations/{consultation}/export.json").get_json()[
        "comments"]}
    assert exported[late["id"]]["fate"] == "not_taken_up"


def test_only_a_visible_comment_is_answered_and_endorsers_stay_unnamed_in_the_history(
    api: Api, users: Accounts, consulted: int
) -> None:
    comment = api.comment("citizen", consulted, DURATION, "Thirty days is too short for rural counties.").get_json()
    assert api.post("citizen2", f"/api/comments/{comment['id']}/endorsements").status_code in (200, 201)
    history = api.get(f"/api/bills/{consulted}/events").get_json()["events"]
    endorsed = [e for e in history if e["type"] == "comment.endorsed"]
    posted = [e for e in history if e["type"] == "comment.posted"]
    # The count is public, who endorsed is not; the author is named on the comment itself.
    assert len(endorsed) == 1 and endorsed[0]["actor"] is None
    assert endorsed[0]["data"]["comment_id"] == comment["id"]
    assert posted[-1]["actor"] == users.ids["citizen"]
    assert api.comments(consulted)[0]["endorsements"] == 1

    hidden = api.post("clerk", f"/api/comments/{comment['id']}/moderation", {"action": "hide", "reason": "spam"})
    assert hidden.status_code == 200
    before = api.get(f"/api/bills/{consulted}/events").get_json()["last_event_id"]
    # An answer is public: to a hidden (or held, or withdrawn) comment it would tell the history about it.
    refused = api.post("drafter", f"/api/comments/{comment['id']}/answers", {"body": "Noted.", "fate": "noted"})
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "conflict"
    assert "not public" in refused.get_json()["error"]["message"]
    assert api.get(f"/api/bills/{consulted}/events").get_json()["last_event_id"] == before
    assert api.post("clerk", f"/api/comments/{comment['id']}/moderation",
                    {"action": "restore", "reason": "not spam"}).status_code == 200
    assert api.post("drafter", f"/api/comments/{comment['id']}/answers",
                    {"body": "Noted.", "fate": "noted"}).status_code == 201


def test_a_large_campaign_indexes_only_its_first_members_and_keeps_growing(
    api: Api, users: Accounts, consulted: int, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """However many letters a campaign sends, the candidate lookup reads the keys of a bounded few of them."""
    monkeypatch.setattr(clustering, "MAX_INDEXED_PER_CLUSTER", 5)
    letter = ("I oppose section four because it gives the minister power to close the register without any "
              "debate in parliament and without telling the public why")
    ids = []
    for n in range(12):
        users.add(f"campaigner{n}", "citizen")
        # Each signer adds a word of their own, so no two letters are exact copies (those add no keys anyway).
        response = api.comment(f"campaigner{n}", consulted, DURATION, f"{letter} signed by voter number {n}")
        assert response.status_code == 201, response.get_json()
        ids.append(response.get_json()["id"])
    listed = {c["id"]: c for c in api.comments(consulted)}
    assert {listed[i]["cluster"]["id"] for i in ids} == {ids[0]}
    with db.read() as session:
        indexed = set(session.scalars(select(CommentKey.comment_id).where(CommentKey.cluster_id == ids[0])))
    assert indexed == set(ids[:5])


def test_the_candidate_lookup_reads_the_new_comments_keys_not_the_whole_consultation(
    api: Api, users: Accounts, consulted: int, db: Database
) -> None:
    """A post costs the same in the thousandth comment as in the first: its candidates come through the key index."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the plan checked is SQLite's fixed one; PostgreSQL plans from table statistics")
    for n in range(3):
        assert api.comment("citizen", consulted, DURATION, f"Thirty days is far too short for rural voters {n} "
                           "who read the notices late").status_code == 201
    seen: list[tuple[str, Any]] = []

    def remember(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        if "FROM comment_keys" in statement and "count(*)" in statement:
            seen.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", remember)
    try:
        response = api.comment("citizen2", consulted, DURATION, "Thirty days is far too short for voters in "
                               "rural counties who read the notices late")
    finally:
        event.remove(db.engine, "before_cursor_execute", remember)
    assert response.status_code == 201, response.get_json()
    assert len(seen) == 1
    statement, parameters = seen[0]
    with db.engine.connect() as connection:
        plan = " | ".join(row[-1] for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement,
                                                                         parameters))
    assert "USING INDEX ix_comment_keys_lookup (consultation_id=? AND key=?)" in plan, plan


def _listed(api: Api, bill: int, query: str, *, limit: int = 500) -> list[dict[str, Any]]:
    """Every page of ``GET /api/bills/<bill>/comments?<query>``, ``limit`` a page."""
    items: list[dict[str, Any]] = []
    cursor = ""
    while True:
        answer = api.get(f"/api/bills/{bill}/comments?{query}&limit={limit}{cursor}")
        assert answer.status_code == 200, answer.get_json()
        body = answer.get_json()
        items += body["comments"]
        if body["next"] is None:
            return items
        cursor = f"&cursor={body['next']}"


def test_a_campaign_reads_as_one_entry_that_says_how_many_and_its_signatures_on_demand(
    api: Api, users: Accounts, consulted: int
) -> None:
    letter = "Extend the consultation period to ninety days so that people in rural counties can take part."
    own = api.comment("citizen", consulted, DURATION, "Count weekends or not?").get_json()
    signatures = []
    for n, prefix in enumerate(["", "Dear Members, ", "Please! ", "As a farmer: ", "Kindly, "]):
        users.add(f"signer{n}", "citizen")
        signatures.append(api.comment(f"signer{n}", consulted, DURATION, prefix + letter).get_json())
    elsewhere = api.comment("citizen2", consulted, DUTY, letter).get_json()  # the campaign on another provision
    reply = api.comment("citizen2", consulted, DURATION, "Ninety is too many.",
                        reply_to=signatures[2]["id"]).get_json()
    cluster = signatures[0]["cluster_id"]
    assert {s["cluster_id"] for s in signatures} == {cluster} == {elsewhere["cluster_id"]}

    grouped = _listed(api, consulted, f"eid={DURATION}&campaigns=grouped")
    assert [c["id"] for c in grouped] == [own["id"], signatures[0]["id"], reply["id"]]
    first = grouped[1]["cluster"]
    # The whole campaign has 6 signatures; 5 of them stand at this provision.
    assert first["campaign"] is True and first["size"] == 6 and first["grouped"] == 5
    assert "grouped" not in grouped[0]["cluster"] and "grouped" not in grouped[2]["cluster"]
    assert _listed(api, consulted, f"eid={DURATION}&campaigns=grouped", limit=1) == grouped
    # Ungrouped, as before: every comment.
    assert len(_listed(api, consulted, f"eid={DURATION}")) == 7
    # The signatures themselves, a page at a time.
    members = _listed(api, consulted, f"eid={DURATION}&cluster={cluster}", limit=2)
    assert [c["id"] for c in members] == [s["id"] for s in signatures]
    assert [c["id"] for c in _listed(api, consulted, f"cluster={cluster}")] == [
        *(s["id"] for s in signatures), elsewhere["id"]]

    # The first signature hidden: the next one stands for the rest.
    hidden = api.post("clerk", f"/api/comments/{signatures[0]['id']}/moderation", {"action": "hide", "reason": "spam"})
    assert hidden.status_code == 200, hidden.get_json()
    regrouped = _listed(api, consulted, f"eid={DURATION}&campaigns=grouped")
    assert [c["id"] for c in regrouped] == [own["id"], signatures[1]["id"], reply["id"]]
    assert regrouped[1]["cluster"]["grouped"] == 4

    wrong = api.get(f"/api/bills/{consulted}/comments?campaigns=folded")
    assert wrong.status_code == 422 and "campaigns" in str(wrong.get_json()["error"])


def test_an_answer_cannot_claim_what_an_amendment_did_not_do(api: Api, consulted: int) -> None:
    def transition(amendment: int, to: str, who: str) -> None:
        moved = api.post(who, f"/api/amendments/{amendment}/transitions", {"to": to})
        assert moved.status_code == 200, moved.get_json()

    def proposed() -> int:
        made = api.post("mp", f"/api/bills/{consulted}/amendments",
                        {"eid": DURATION, "text": "A consultation shall remain open for not less than sixty days."})
        assert made.status_code == 201, made.get_json()
        return int(made.get_json()["id"])

    comment = api.comment("citizen", consulted, DURATION, "Sixty days, please.").get_json()
    path = f"/api/comments/{comment['id']}/answers"
    withdrawn = proposed()
    transition(withdrawn, "tabled", "mp")
    transition(withdrawn, "withdrawn", "mp")
    refused = api.post("drafter", path, {"body": "Done.", "fate": "taken_up", "amendment_id": withdrawn})
    assert refused.status_code == 409 and "withdrawn" in refused.get_json()["error"]["message"]
    # Named by its number and by the id the request gave: the number of one may be the id of another.
    assert f"(id {withdrawn}) is withdrawn" in refused.get_json()["error"]["message"]
    # Saying it was not taken up, and which amendment tried, is true.
    assert api.post("drafter", path, {"body": "The amendment was withdrawn.", "fate": "not_taken_up",
                                      "amendment_id": withdrawn}).status_code == 201

    tabled = proposed()
    transition(tabled, "tabled", "mp")
    in_version = api.post("drafter", path, {"body": "Done.", "fate": "taken_up", "amendment_id": tabled,
                                            "version": 1})
    assert in_version.status_code == 409, in_version.get_json()
    assert "in no version yet" in in_version.get_json()["error"]["message"]
    assert api.post("drafter", path, {"body": "An amendment was tabled.", "fate": "taken_up",
                                      "amendment_id": tabled}).status_code == 201


def test_an_answer_links_an_adopted_amendment_with_the_version_that_holds_its_words(
        api: Api, consulted: int, tmp_path: Path) -> None:
    # Proposed to version 1, adopted and consolidated into version 2: its words are in version 2, not version 1.
    made = api.post("mp", f"/api/bills/{consulted}/amendments",
                    {"eid": DURATION, "text": "A consultation shall remain open for not less than sixty days."})
    assert made.status_code == 201, made.get_json()
    amendment = made.get_json()
    for to, who, extra in (("tabled", "mp", {}), ("admissible", "clerk", {}),
                           ("adopted", "clerk", {"votes": {"for": 120, "against": 40, "abstentions": 3}})):
        moved = api.post(who, f"/api/amendments/{amendment['id']}/transitions", {"to": to, **extra})
        assert moved.status_code == 200, moved.get_json()
    number = moved.get_json()["number"]
    published = api.post("clerk", f"/api/bills/{consulted}/versions", {"source": "amendments"})
    assert published.status_code == 201 and published.get_json()["version"] == 2, published.get_json()

    api.commenter_with_mail("withmail", "w@example.org")
    comment = api.comment("withmail", consulted, DURATION, "Sixty days, please.").get_json()
    path = f"/api/comments/{comment['id']}/answers"
    refused = api.post("drafter", path, {"body": "Done.", "fate": "taken_up", "amendment_id": amendment["id"],
                                         "version": 1})
    assert refused.status_code == 409, refused.get_json()
    message = refused.get_json()["error"]["message"]
    # What was wrong, truly: it was proposed to version 1, and version 2 holds its words.
    assert message == (f"amendment {number} (id {amendment['id']}) was consolidated into version 2, not version 1 "
                       "(it was proposed to version 1): link version 2, the one that holds its words")
    answered = api.post("drafter", path, {"body": "We took it up.", "fate": "taken_up",
                                          "amendment_id": amendment["id"], "version": 2})
    assert answered.status_code == 201, answered.get_json()

    outbox = list((tmp_path / "instance" / "outbox").glob("*.eml"))
    text = email.message_from_bytes(outbox[0].read_bytes(), policy=email.policy.default).get_content()
    # Named as the order paper numbers it, in a sentence that reads naturally.
    assert f"The answer links to amendment {number}.\nThe answer links to version 2 of the bill." in text


def test_the_answer_mail_says_in_french_what_the_answer_links_to() -> None:
    assert translated(wording("The answer links to version %(version)s of the bill.", version=2), "fr") == (
        "La réponse renvoie à la version 2 du projet de loi.")
    assert translated(wording("The answer links to amendment %(amendment)s.", amendment="5"), "fr") == (
        "La réponse renvoie à l\u2019amendement 5.")
    refusal = wording("amendment %(amendment)s was consolidated into version %(into)s, not version %(version)d (it "
                      "was proposed to version %(base)s): link version %(into)s, the one that holds its words",
                      amendment="5 (id 6)", into=2, version=1, base=1)
    assert translated(refusal, "fr").startswith("l\u2019amendement 5 (id 6) a été intégré à la version 2")
