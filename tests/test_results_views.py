"""Who sees results, the results pages, the tokens page, and bad input."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from cite_vote.results.models import ReadToken
from cite_vote.results.services import create_read_token
from cite_vote.votes.models import LedgerEntry, Vote

HTMX = {"HX-Request": "true"}


@pytest.fixture
def forum(make_forum, make_participant, make_idea, cast_dots, db):
    """Challenge 1 closed with votes, challenge 2 still voting, challenge 3 a draft."""
    forum = make_forum(slug="cite-test", challenges=3, phase="voting")
    first, second, third = forum.challenges
    third.phase = "draft"
    db.session.commit()
    voter = make_participant(forum, "association")
    closed_idea = make_idea(first, title="Idée du défi fermé")
    open_idea = make_idea(second, title="Idée du défi ouvert")
    cast_dots(voter, closed_idea, 2)
    cast_dots(voter, open_idea, 1)
    first.phase = "closed"
    db.session.commit()
    return forum


@pytest.fixture
def participant(forum, make_participant):
    return make_participant(forum, "citoyen·ne")


def ranked_titles(html: str) -> list[str]:
    return re.findall(r'<h[23] class="idea-title">([^<]+)</h[23]>', html)


def test_anonymous_visitors_are_refused_with_a_message(client, forum):
    for url in ("/f/cite-test/results", "/f/cite-test/results.json"):
        response = client.get(url)
        assert response.status_code == 403
    assert "rejoignez" in client.get("/f/cite-test/results").text.lower()


def test_participants_see_closed_challenges_only(client, forum, participant, as_participant):
    as_participant(client, participant)
    response = client.get("/f/cite-test/results")
    assert response.status_code == 200
    assert "Idée du défi fermé" in response.text
    assert "Idée du défi ouvert" not in response.text
    first, second, third = forum.challenges
    assert client.get(f"/f/cite-test/results/c/{first.id}").status_code == 200
    refused = client.get(f"/f/cite-test/results/c/{second.id}")
    assert refused.status_code == 403
    assert "vote" in refused.text
    assert client.get(f"/f/cite-test/results/c/{third.id}").status_code == 404
    data = client.get("/f/cite-test/results.json").get_json()
    assert [c["id"] for c in data["challenges"]] == [first.id]
    assert "unranked_ideas" not in data["challenges"][0]


def test_participants_are_refused_before_any_challenge_is_closed(
    client, forum, participant, as_participant, db
):
    forum.challenges[0].phase = "voting"
    db.session.commit()
    as_participant(client, participant)
    response = client.get("/f/cite-test/results")
    assert response.status_code == 403
    assert "fin du vote" in response.text or "clos" in response.text
    assert client.get("/f/cite-test/results.json").status_code == 403


def test_results_public_early_shows_open_challenges_to_participants(
    client, forum, participant, as_participant, db
):
    forum.results_public_early = True
    db.session.commit()
    as_participant(client, participant)
    response = client.get("/f/cite-test/results")
    assert "Idée du défi ouvert" in response.text
    assert client.get(f"/f/cite-test/results/c/{forum.challenges[1].id}").status_code == 200
    assert client.get(f"/f/cite-test/results/c/{forum.challenges[2].id}").status_code == 404


def test_staff_of_the_forum_see_every_challenge_at_any_time(client, forum, make_staff, staff_login):
    staff_login(client, make_staff("facilitator", forums=[forum]))
    response = client.get("/f/cite-test/results")
    assert response.status_code == 200
    assert "Idée du défi ouvert" in response.text and "Idée du défi fermé" in response.text
    assert client.get(f"/f/cite-test/results/c/{forum.challenges[1].id}").status_code == 200
    data = client.get("/f/cite-test/results.json").get_json()
    assert len(data["challenges"]) == 3
    # A facilitator sees the results but does not get the organisers' downloads.
    assert "results.csv" not in response.text
    assert client.get("/f/cite-test/results.csv").status_code == 403


def test_staff_of_another_forum_are_refused(client, forum, make_forum, make_staff, staff_login):
    other = make_forum()
    staff_login(client, make_staff("organiser", owns=[other]))
    assert client.get("/f/cite-test/results").status_code == 403
    assert client.get("/f/cite-test/results.csv").status_code == 403
    assert client.get("/f/cite-test/cahier.pdf").status_code == 403


def test_logged_out_organiser_is_sent_to_login_for_a_download(client, forum):
    response = client.get("/f/cite-test/results.csv")
    assert response.status_code == 303
    assert "/staff/login" in response.headers["Location"]


def test_organiser_sees_the_download_links(client, forum, make_staff, staff_login):
    staff_login(client, make_staff("organiser", owns=[forum]))
    html = client.get("/f/cite-test/results").text
    for target in ("results.csv", "results.xlsx", "results.json", "cahier.pdf", "/tokens"):
        assert target in html


def token_for(forum, make_staff, db) -> tuple[ReadToken, str]:
    token, clear = create_read_token(forum, "script", make_staff("organiser", owns=[forum]))
    db.session.commit()
    return token, clear


def test_a_read_token_fetches_json_and_csv_without_cookie(client, forum, make_staff, db):
    token, clear = token_for(forum, make_staff, db)
    headers = {"Authorization": f"Bearer {clear}"}
    response = client.get("/f/cite-test/results.json", headers=headers)
    assert response.status_code == 200
    assert len(response.get_json()["challenges"]) == 3
    assert "Authorization" in response.headers["Vary"]
    assert response.headers["Cache-Control"] == "private, no-store"
    assert "Set-Cookie" not in response.headers
    csv = client.get("/f/cite-test/results.csv", headers=headers)
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    assert client.get("/f/cite-test/results.xlsx", headers=headers).status_code == 200
    db.session.refresh(token)
    assert token.last_used_at is not None


def test_a_revoked_token_is_refused(client, forum, make_staff, db):
    token, clear = token_for(forum, make_staff, db)
    token.revoked_at = token.created_at
    db.session.commit()
    headers = {"Authorization": f"Bearer {clear}"}
    for url in ("/f/cite-test/results.json", "/f/cite-test/results.csv"):
        assert client.get(url, headers=headers).status_code == 401


def test_a_token_of_another_forum_is_refused(client, forum, make_forum, make_staff, db):
    _token, clear = token_for(make_forum(), make_staff, db)
    headers = {"Authorization": f"Bearer {clear}"}
    assert client.get("/f/cite-test/results.json", headers=headers).status_code == 401
    assert client.get("/f/cite-test/results.csv", headers=headers).status_code == 401
    junk = {"Authorization": "Bearer not-a-token"}
    assert client.get("/f/cite-test/results.json", headers=junk).status_code == 401


def test_a_token_does_not_open_the_results_page(client, forum, make_staff, db):
    _token, clear = token_for(forum, make_staff, db)
    response = client.get("/f/cite-test/results", headers={"Authorization": f"Bearer {clear}"})
    assert response.status_code == 403


@pytest.mark.parametrize(
    "url",
    [
        "/f/cite-test/results?order=loudest",
        "/f/cite-test/results?scope=top",
        "/f/cite-test/results.csv?sep=tab",
        "/f/cite-test/results.json?order=",
        "/f/cite-test/results.xlsx?scope=everything",
        "/f/cite-test/cahier?scope=x",
    ],
)
def test_bad_query_parameters_are_400(client, forum, make_staff, staff_login, url):
    staff_login(client, make_staff("organiser", owns=[forum]))
    assert client.get(url).status_code == 400


def test_unknown_or_foreign_challenges_are_404(client, forum, make_forum, make_staff, staff_login):
    other = make_forum()
    staff_login(client, make_staff("organiser", owns=[forum]))
    assert client.get("/f/cite-test/results/c/999999").status_code == 404
    assert client.get(f"/f/cite-test/results/c/{other.challenges[0].id}").status_code == 404
    assert client.get("/f/cite-test/results/c/abc").status_code == 404
    assert client.get("/f/no-such-forum/results").status_code == 404
    assert client.get("/f/no-such-forum/results.json").status_code == 404


def test_toggles_are_plain_links_that_change_order_and_scope(
    client, forum, make_staff, staff_login
):
    staff_login(client, make_staff("organiser", owns=[forum]))
    html = client.get(f"/f/cite-test/results/c/{forum.challenges[0].id}?scope=shortlist").text
    assert re.search(r'href="[^"]*order=cross[^"]*scope=shortlist"', html)
    assert re.search(r'href="[^"]*scope=all"', html)
    assert 'aria-current="true">Liste restreinte' in html


def test_challenge_page_shows_the_timeline_from_the_ledger(client, forum, make_staff, staff_login):
    staff_login(client, make_staff("organiser", owns=[forum]))
    html = client.get(f"/f/cite-test/results/c/{forum.challenges[0].id}").text
    assert 'id="timeline-' in html and "<polyline" in html
    assert ranked_titles(html) == ["Idée du défi fermé"]


def test_viewing_results_changes_no_vote_and_no_ledger_entry(
    client, forum, make_staff, staff_login, db
):
    def state():
        return (
            db.session.scalar(select(func.sum(Vote.dots))),
            db.session.scalar(select(func.count()).select_from(LedgerEntry)),
        )

    before = state()
    staff_login(client, make_staff("organiser", owns=[forum]))
    for url in ("results", "results.json", "results.csv", "results.xlsx", "cahier"):
        assert client.get(f"/f/cite-test/{url}").status_code == 200
    assert state() == before


# --- links ------------------------------------------------------------------------------------


def test_forum_page_links_to_the_results_once_a_challenge_is_closed(
    client, forum, participant, as_participant, db
):
    as_participant(client, participant)
    assert "/f/cite-test/results" in client.get("/f/cite-test").text
    forum.challenges[0].phase = "voting"
    db.session.commit()
    assert "/f/cite-test/results" not in client.get("/f/cite-test").text


def test_staff_home_links_to_each_forums_results(client, forum, make_staff, staff_login):
    staff_login(client, make_staff("organiser", owns=[forum]))
    assert "/f/cite-test/results" in client.get("/staff/").text


# --- tokens page ------------------------------------------------------------------------------


def test_tokens_page_is_for_organisers_of_the_forum_only(
    client, forum, make_forum, make_staff, staff_login
):
    assert client.get("/staff/f/cite-test/tokens").status_code == 303
    staff_login(client, make_staff("facilitator", forums=[forum]))
    assert client.get("/staff/f/cite-test/tokens").status_code == 403
    assert client.post("/staff/f/cite-test/tokens", data={"label": "x"}).status_code == 403


def test_an_organiser_of_another_forum_cannot_see_or_make_tokens(
    client, forum, make_forum, make_staff, staff_login
):
    staff_login(client, make_staff("organiser", owns=[make_forum()]))
    assert client.get("/staff/f/cite-test/tokens").status_code == 403
    assert client.post("/staff/f/cite-test/tokens", data={"label": "x"}).status_code == 403


def test_a_new_token_is_shown_once_and_only_its_hash_is_kept(
    client, forum, make_staff, staff_login, db
):
    staff_login(client, make_staff("organiser", owns=[forum]))
    response = client.post("/staff/f/cite-test/tokens", data={"label": "Tableau de bord"})
    assert response.status_code == 200
    clear = re.search(r'value="(cvr_[^"]+)"', response.text).group(1)
    stored = db.session.scalars(select(ReadToken)).one()
    assert stored.token_hash != clear and clear not in stored.token_hash
    assert clear not in client.get("/staff/f/cite-test/tokens").text
    assert "Tableau de bord" in client.get("/staff/f/cite-test/tokens").text
    fetched = client.get("/f/cite-test/results.json", headers={"Authorization": f"Bearer {clear}"})
    assert fetched.status_code == 200


def test_tokens_page_answers_htmx_with_the_fragment(client, forum, make_staff, staff_login):
    staff_login(client, make_staff("organiser", owns=[forum]))
    assert "<html" in client.get("/staff/f/cite-test/tokens").text
    fragment = client.post("/staff/f/cite-test/tokens", data={"label": "x"}, headers=HTMX)
    assert fragment.status_code == 200
    assert (
        "<html" not in fragment.text and 'id="tokens"' in fragment.text and "cvr_" in fragment.text
    )


def test_a_too_long_label_is_422_and_nothing_is_stored(client, forum, make_staff, staff_login, db):
    staff_login(client, make_staff("organiser", owns=[forum]))
    response = client.post("/staff/f/cite-test/tokens", data={"label": "x" * 121})
    assert response.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(ReadToken)) == 0


def test_revoking_a_token_stops_it_and_foreign_ids_are_404(
    client, forum, make_forum, make_staff, staff_login, db
):
    user = make_staff("organiser", owns=[forum])
    token, clear = create_read_token(forum, "a", user)
    foreign, _ = create_read_token(make_forum(), "b", make_staff("organiser"))
    db.session.commit()
    staff_login(client, user)
    assert client.post(f"/staff/f/cite-test/tokens/{foreign.id}/revoke").status_code == 404
    assert client.post("/staff/f/cite-test/tokens/999999/revoke").status_code == 404
    response = client.post(f"/staff/f/cite-test/tokens/{token.id}/revoke")
    assert response.status_code == 303
    headers = {"Authorization": f"Bearer {clear}"}
    assert client.get("/f/cite-test/results.json", headers=headers).status_code == 401
    db.session.expire_all()
    assert db.session.get(ReadToken, foreign.id).revoked_at is None
    again = client.post(f"/staff/f/cite-test/tokens/{token.id}/revoke", headers=HTMX)
    assert again.status_code == 200 and "<html" not in again.text


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])
def test_token_creation_needs_the_csrf_token_but_bearer_gets_do_not(
    client, forum, make_staff, staff_login, db
):
    from tests.helpers import csrf_token_from

    user = make_staff("organiser", owns=[forum])
    page = client.get("/staff/login")
    client.post(
        "/staff/login",
        data={
            "email": user.email,
            "password": "correct horse battery",
            "csrf_token": csrf_token_from(page.text),
        },
    )
    assert client.post("/staff/f/cite-test/tokens", data={"label": "x"}).status_code == 400
    _token, clear = create_read_token(forum, "a", user)
    db.session.commit()
    assert (
        client.get(
            "/f/cite-test/results.csv", headers={"Authorization": f"Bearer {clear}"}
        ).status_code
        == 200
    )


@pytest.mark.parametrize("page", ["results", "cahier"])
def test_results_and_cahier_pages_run_as_many_statements_for_many_ideas_as_for_one(
    page,
    client,
    forum,
    make_idea,
    make_participant,
    make_comment,
    cast_dots,
    make_staff,
    staff_login,
    count_queries,
    db,
):
    staff_login(client, make_staff("organiser", owns=[forum]))
    second = forum.challenges[1]

    def statements() -> int:
        with count_queries() as counter:
            assert client.get(f"/f/cite-test/{page}").status_code == 200
        return counter.count

    before = statements()
    people = [make_participant(forum, c) for c in ("association", "citoyen·ne", None)]
    for n in range(8):
        idea = make_idea(second, title=f"Encore {n}")
        make_comment(idea)
        cast_dots(people[n % 3], idea, 1)
    assert statements() == before


def test_dots_without_a_category_do_not_say_zero_categories(
    client, make_forum, make_participant, make_idea, cast_dots, as_participant, db
):
    """A "no category" bar beside "0 categories" reads as a contradiction (issue 20)."""
    forum = make_forum(slug="sans-college", challenges=1, phase="voting")
    idea = make_idea(forum.challenges[0], title="Une idée sans collège")
    voter = make_participant(forum)  # no category
    cast_dots(voter, idea, 2)
    forum.challenges[0].phase = "closed"
    db.session.commit()
    as_participant(client, voter)
    page = client.get("/f/sans-college/results").text
    assert "sans collège" in page
    assert "0 collège" not in page and "0 catégorie" not in page
