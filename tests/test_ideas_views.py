import re

import pytest

from cite_vote.ideas.models import Comment, Idea
from cite_vote.votes.services import set_dots
from tests.helpers import count


def test_challenge_page_shows_question_and_propose_form(client, phone_scene):
    forum, challenge, _ = phone_scene
    page = client.get(f"/f/{forum.slug}/c/{challenge.id}")
    assert page.status_code == 200
    assert challenge.question in page.text and 'id="propose"' in page.text


def test_propose_without_javascript_redirects_to_the_page(client, phone_scene, db):
    forum, challenge, _ = phone_scene
    response = client.post(
        f"/f/{forum.slug}/c/{challenge.id}/ideas", data={"title": "Un fablab", "description": ""}
    )
    assert response.status_code == 303
    page = client.get(response.location).text
    assert "Un fablab" in page and "Merci ! Votre idée a été ajoutée." in page


def test_propose_with_htmx_returns_the_body_fragment(htmx_client, phone_scene, db):
    forum, challenge, _ = phone_scene
    response = htmx_client.post(
        f"/f/{forum.slug}/c/{challenge.id}/ideas", data={"title": "Un fablab"}
    )
    assert response.status_code == 200
    assert "<html" not in response.text and 'id="challenge-body"' in response.text
    assert "Un fablab" in response.text
    assert response.headers["Vary"].count("HX-Request") == 1


@pytest.mark.parametrize(
    "data",
    [
        {"title": ""},
        {"title": "   "},
        {"title": "x" * 121},
        {"title": "ok", "description": "y" * 1001},
        {},
    ],
)
def test_bad_idea_is_422_and_nothing_is_stored(client, htmx_client, phone_scene, db, data):
    forum, challenge, _ = phone_scene
    for c in (client, htmx_client):
        response = c.post(f"/f/{forum.slug}/c/{challenge.id}/ideas", data=data)
        assert response.status_code == 422
        assert 'class="field-error"' in response.text or 'role="alert"' in response.text
    assert count(db, Idea) == 0


def test_propose_after_proposing_closed_is_409_with_a_message(client, htmx_client, phone_scene, db):
    forum, challenge, _ = phone_scene
    challenge.phase = "voting"
    db.session.commit()
    for c in (client, htmx_client):
        response = c.post(f"/f/{forum.slug}/c/{challenge.id}/ideas", data={"title": "Tard"})
        assert response.status_code == 409
        assert "Il n’est plus possible de proposer" in response.text
    assert count(db, Idea) == 0


def test_draft_challenge_is_not_shown_to_participants(client, phone_scene, db):
    forum, challenge, _ = phone_scene
    challenge.phase = "draft"
    db.session.commit()
    assert client.get(f"/f/{forum.slug}/c/{challenge.id}").status_code == 404


def test_challenge_of_another_forum_is_404(client, phone_scene, make_forum):
    forum, _, _ = phone_scene
    other = make_forum()
    assert client.get(f"/f/{forum.slug}/c/{other.challenges[0].id}").status_code == 404
    response = client.post(f"/f/{forum.slug}/c/{other.challenges[0].id}/ideas", data={"title": "x"})
    assert response.status_code == 404


def test_comment_both_ways(client, htmx_client, phone_scene, make_idea, db):
    forum, challenge, _ = phone_scene
    idea = make_idea(challenge, title="Un fablab")
    url = f"/f/{forum.slug}/i/{idea.id}/comments"
    plain = client.post(url, data={"body": "Oui !"})
    assert plain.status_code == 303 and plain.location.endswith("#comments")
    fragment = htmx_client.post(url, data={"body": "Et le soir ?"})
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert 'id="comments"' in fragment.text and "Oui !" in fragment.text
    page = client.get(f"/f/{forum.slug}/i/{idea.id}")
    assert "<html" in page.text and "Et le soir ?" in page.text and "2 commentaires" in page.text


@pytest.mark.parametrize("body", ["", "  ", "z" * 1001])
def test_bad_comment_is_422_and_nothing_is_stored(htmx_client, phone_scene, make_idea, db, body):
    forum, challenge, _ = phone_scene
    idea = make_idea(challenge)
    response = htmx_client.post(f"/f/{forum.slug}/i/{idea.id}/comments", data={"body": body})
    assert response.status_code == 422
    assert count(db, Comment) == 0


def test_hidden_or_foreign_idea_is_404(client, phone_scene, make_idea, make_forum):
    forum, challenge, _ = phone_scene
    hidden = make_idea(challenge, status="hidden")
    foreign = make_idea(make_forum().challenges[0])
    for idea in (hidden, foreign):
        assert client.get(f"/f/{forum.slug}/i/{idea.id}").status_code == 404
        url = f"/f/{forum.slug}/i/{idea.id}/comments"
        assert client.post(url, data={"body": "x"}).status_code == 404
    assert client.get(f"/f/{forum.slug}/i/999999").status_code == 404


def test_pending_ideas_are_shown_to_their_author_only(
    client, make_forum, make_participant, as_participant, app
):
    forum = make_forum(premoderation=True)
    challenge = forum.challenges[0]
    author, other = make_participant(forum), make_participant(forum)
    as_participant(client, author)
    client.post(f"/f/{forum.slug}/c/{challenge.id}/ideas", data={"title": "À relire"})
    assert "À relire" in client.get(f"/f/{forum.slug}/c/{challenge.id}").text
    stranger = app.test_client()
    as_participant(stranger, other)
    assert "À relire" not in stranger.get(f"/f/{forum.slug}/c/{challenge.id}").text


def ids_on_page(html: str) -> list[str]:
    return re.findall(r'<li id="idea-(\d+)"', html)


def test_voting_order_is_personal_and_stable(
    client, make_forum, make_participant, make_idea, as_participant, app
):
    forum = make_forum(phase="voting")
    challenge = forum.challenges[0]
    for n in range(10):
        make_idea(challenge, title=f"Idée {n}")
    ana, bob = make_participant(forum), make_participant(forum)
    as_participant(client, ana)
    other = as_participant(app.test_client(), bob)
    url = f"/f/{forum.slug}/c/{challenge.id}"
    first = ids_on_page(client.get(url).text)
    assert first == ids_on_page(client.get(url).text)
    assert first != ids_on_page(other.get(url).text)


def test_totals_hidden_during_voting_unless_the_forum_shows_them(
    client, phone_scene, make_idea, make_participant, db
):
    from cite_vote.votes.services import set_dots

    forum, challenge, _ = phone_scene
    challenge.phase = "voting"
    idea = make_idea(challenge)
    set_dots(make_participant(forum), idea, 2)
    db.session.commit()
    url = f"/f/{forum.slug}/c/{challenge.id}"
    assert "2 points" not in client.get(url).text
    forum.show_totals_during_voting = True
    db.session.commit()
    assert "2 points" in client.get(url).text
    forum.show_totals_during_voting = False
    challenge.phase = "closed"
    db.session.commit()
    closed = client.get(url).text
    assert "2 points" in closed and "N° 1" in closed


def test_challenge_page_runs_a_fixed_number_of_statements(
    client, phone_scene, make_idea, make_comment, count_queries, db
):
    forum, challenge, _ = phone_scene
    challenge.phase = "voting"
    db.session.commit()
    url = f"/f/{forum.slug}/c/{challenge.id}"
    make_idea(challenge)
    with count_queries() as few:
        client.get(url)
    for n in range(15):
        make_comment(make_idea(challenge, title=f"Idée {n}"))
    with count_queries() as many:
        assert client.get(url).status_code == 200
    assert many.count == few.count
    # Forum, person, waiting notices and challenge in one; the ideas with their authors'
    # names and comment counts; the person's pending ideas; the person's dots and dots spent.
    assert many.count <= 5, "\n".join(many.statements)


def test_a_phone_s_page_at_the_opening_reads_twice(
    client, phone_scene, make_idea, make_comment, count_queries, db
):
    """When voting opens every phone reloads the page, holding no dots and no pending idea:
    the person's dots spent and whether they have ideas waiting come with the first read, and
    the dots per idea are read only when some are spent (a ballot is the sum of its votes)."""
    forum, challenge, person = phone_scene
    challenge.phase = "voting"
    db.session.commit()
    ideas = [make_idea(challenge, title=f"Idée {n}") for n in range(3)]
    make_comment(ideas[0])
    url = f"/f/{forum.slug}/c/{challenge.id}"
    with count_queries() as opening:
        page = client.get(url)
    assert page.status_code == 200 and 'data-left="5"' in page.text
    # The forum, the person (with their dots spent and pending ideas) and the challenge; the
    # ideas with their authors and comment counts.
    assert opening.count == 2, "\n".join(opening.statements)
    set_dots(person, ideas[1], 2)
    make_idea(challenge, author=person, title="Mon idée en attente", status="pending")
    db.session.commit()
    with count_queries() as later:
        page = client.get(url)
    assert 'data-left="3"' in page.text and "Mon idée en attente" in page.text
    assert re.search(rf'id="idea-{ideas[1].id}".*?data-dots="2"', page.text, re.S)
    assert later.count == 4, "\n".join(later.statements)


@pytest.mark.parametrize("phase", ["proposing", "voting"])
def test_the_phone_s_challenge_page_loads_no_orm_object(client, phone_scene, make_idea, db, phase):
    """The page every phone reloads when voting opens. Thirty cards' ideas and authors loaded
    as ORM objects cost more than the page's rendering (bench/profile.py): the cards read plain
    values (ideas.services.card_ideas), and the forum, the person and the challenge are read
    as plain values too (votes.target.challenge_target), as a vote reads them."""
    from sqlalchemy import event
    from sqlalchemy.orm import Mapper

    forum, challenge, person = phone_scene
    challenge.phase = phase
    person.display_name = "Alice"
    db.session.commit()
    for n in range(5):
        make_idea(challenge, title=f"Idée {n}", author=person, show_author_name=True)
    url = f"/f/{forum.slug}/c/{challenge.id}"
    db.session.expunge_all()  # the request must load what it uses, not find the test's objects
    loaded = []

    def on_load(target, _context):
        loaded.append(type(target).__name__)

    event.listen(Mapper, "load", on_load)
    try:
        page = client.get(url)
    finally:
        event.remove(Mapper, "load", on_load)
    assert page.status_code == 200 and page.text.count('class="idea') >= 5
    assert "Idée 4" in page.text and "Alice" in page.text
    assert loaded == []


@pytest.mark.parametrize("app_config", [{"RATELIMIT_ENABLED": True}])
def test_a_script_cannot_flood_a_challenge_with_ideas(
    client, phone_scene, db, app_config, make_participant, as_participant, app
):
    forum, challenge, _ = phone_scene
    url = f"/f/{forum.slug}/c/{challenge.id}/ideas"
    statuses = [client.post(url, data={"title": f"Idée {n}"}).status_code for n in range(12)]
    assert statuses[:10] == [303] * 10 and statuses[10:] == [429, 429]
    assert count(db, Idea) == 10
    refused = client.post(url, data={"title": "Encore"}, headers={"HX-Request": "true"})
    assert refused.status_code == 429 and "Trop de tentatives" in refused.text
    # Someone else in the same room (same address) is not held back.
    neighbour = as_participant(app.test_client(), make_participant(forum))
    assert neighbour.post(url, data={"title": "La mienne"}).status_code == 303


@pytest.mark.parametrize("app_config", [{"RATELIMIT_ENABLED": True}])
def test_a_script_cannot_flood_an_idea_with_comments(
    client, phone_scene, make_idea, db, app_config
):
    forum, challenge, _ = phone_scene
    url = f"/f/{forum.slug}/i/{make_idea(challenge).id}/comments"
    statuses = [client.post(url, data={"body": f"n° {n}"}).status_code for n in range(21)]
    assert statuses[:20] == [303] * 20 and statuses[20] == 429
    assert count(db, Comment) == 20


# --- participant side: similar ideas, phase watch ------------------------------------------------


@pytest.fixture
def phone(client, scene, as_participant, db):
    scene["challenge"].phase = "proposing"
    db.session.commit()
    return as_participant(client, scene["voter"])


def test_similar_ideas_fragment_and_full_page(phone, scene, htmx_client, as_participant):
    url = f"/f/salle/c/{scene['challenge'].id}/similar"
    query = {"title": "un tiers lieu pour jeunes"}
    page = phone.get(url, query_string=query)
    assert page.status_code == 200 and "<html" in page.text
    assert "Des idées proches existent déjà" in page.text
    assert 'value="un tiers lieu pour jeunes"' in page.text
    as_participant(htmx_client, scene["voter"])
    fragment = htmx_client.get(url, query_string=query)
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert 'id="similar-ideas"' in fragment.text and "tiers lieux jeunes" in fragment.text
    nothing = htmx_client.get(url, query_string={"title": "bus gratuit"})
    assert "Des idées proches" not in nothing.text


def test_challenge_page_asks_for_similar_ideas_while_typing(phone, scene):
    page = phone.get(f"/f/salle/c/{scene['challenge'].id}")
    assert 'hx-trigger="input changed delay:400ms"' in page.text
    assert f"/f/salle/c/{scene['challenge'].id}/similar" in page.text


def test_phase_watch_204_until_the_phase_changes(phone, scene, htmx_client, as_participant, db):
    as_participant(htmx_client, scene["voter"])
    url = f"/f/salle/c/{scene['challenge'].id}/phase"
    same = htmx_client.get(url, query_string={"seen": "proposing"})
    assert same.status_code == 204
    changed = htmx_client.get(url, query_string={"seen": "draft"})
    assert changed.status_code == 200 and changed.headers["HX-Refresh"] == "true"
    assert phone.get(url).status_code == 303


@pytest.mark.parametrize("seen", ["draft", "proposing"])
@pytest.mark.parametrize("who", ["nobody", "other forum"])
def test_phase_watch_tells_outsiders_nothing(
    scene, htmx_client, as_participant, make_participant, db, who, seen
):
    scene["challenge"].phase = "draft"
    db.session.commit()
    if who == "other forum":
        as_participant(htmx_client, make_participant(scene["other_forum"]))
    response = htmx_client.get(
        f"/f/salle/c/{scene['challenge'].id}/phase", query_string={"seen": seen}
    )
    assert response.status_code == 200 and "HX-Refresh" not in response.headers
    assert response.headers["HX-Redirect"] == "/f/salle/join"
    assert response.text == ""


def test_phase_watch_of_a_draft_challenge_is_404_for_a_participant(
    scene, htmx_client, as_participant, db
):
    scene["challenge"].phase = "draft"
    db.session.commit()
    as_participant(htmx_client, scene["voter"])
    url = f"/f/salle/c/{scene['challenge'].id}/phase"
    assert htmx_client.get(url, query_string={"seen": "proposing"}).status_code == 404
    assert htmx_client.get(url, query_string={"seen": "draft"}).status_code == 404


def test_phase_watch_of_another_forums_challenge_is_404(scene, htmx_client, as_participant):
    as_participant(htmx_client, scene["voter"])
    other = scene["other_forum"].challenges[0]
    assert htmx_client.get(f"/f/salle/c/{other.id}/phase").status_code == 404


@pytest.mark.parametrize("seen", ["voting", "proposing"])
def test_phase_watch_of_a_participant_runs_one_statement_and_loads_no_object(
    scene, htmx_client, as_participant, count_queries, seen, db
):
    """Every open phone polls every 5 s: the answer must cost one small statement, no ORM."""
    from sqlalchemy import event
    from sqlalchemy.orm import Mapper

    as_participant(htmx_client, scene["voter"])
    url = f"/f/salle/c/{scene['challenge'].id}/phase"
    db.session.expunge_all()  # what the answer loads is loaded anew, not found in the session
    loaded = []

    def on_load(target, _context):
        loaded.append(target)

    event.listen(Mapper, "load", on_load)
    try:
        with count_queries() as queries:
            response = htmx_client.get(url, query_string={"seen": seen})
    finally:
        event.remove(Mapper, "load", on_load)
    assert response.status_code == (204 if seen == "voting" else 200)
    assert queries.count == 1 and loaded == []
