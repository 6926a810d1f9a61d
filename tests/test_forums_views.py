from sqlalchemy import func, select

from cite_vote.accounts.models import Participant
from cite_vote.tokens import hash_token


def test_home_asks_for_the_code_in_french(client):
    page = client.get("/")
    assert page.status_code == 200
    assert "<html" in page.text and "Rejoindre le forum" in page.text


def test_english_on_request_and_remembered(client):
    assert "Join the forum" in client.get("/?lang=en").text
    assert "Join the forum" in client.get("/").text
    assert "Rejoindre le forum" in client.get("/?lang=fr").text


def test_code_leads_to_the_join_page(client, make_forum):
    forum = make_forum(join_code="XYZ234")
    response = client.post("/", data={"code": " xyz-234 "})
    assert response.status_code == 303
    assert response.location.endswith(f"/j/{forum.join_code}")


def test_unknown_code_says_so(client, htmx_client, make_forum):
    make_forum()
    page = client.post("/", data={"code": "NOPE99"})
    assert page.status_code == 422 and "Aucun forum n’a ce code" in page.text
    assert "<html" in page.text
    fragment = htmx_client.post("/", data={"code": ""})
    assert fragment.status_code == 422 and "<html" not in fragment.text
    assert 'id="join-form"' in fragment.text


def test_join_sets_a_long_lived_httponly_cookie_and_stores_only_its_hash(
    app, client, make_forum, db
):
    forum = make_forum()
    response = client.post(
        f"/j/{forum.join_code}", data={"display_name": "Ana", "category": "citoyen·ne"}
    )
    assert response.status_code == 303
    assert response.location.endswith(f"/f/{forum.slug}")
    cookie = client.get_cookie(app.config["PARTICIPANT_COOKIE_NAME"], domain="cite.test")
    assert cookie.http_only and cookie.expires is not None
    participant = db.session.scalar(select(Participant))
    assert participant.token_hash == hash_token(cookie.value)
    assert participant.category == "citoyen·ne" and participant.display_name == "Ana"


def test_coming_back_finds_the_same_participant(client, make_forum, db):
    forum = make_forum()
    client.post(f"/j/{forum.join_code}", data={})
    again = client.get(f"/j/{forum.join_code}")
    assert again.status_code == 303 and again.location.endswith(f"/f/{forum.slug}")
    client.post(f"/j/{forum.join_code}", data={"display_name": "Bob"})
    assert db.session.scalar(select(func.count()).select_from(Participant)) == 1


def test_join_with_unknown_category_is_422_and_stores_nothing(client, make_forum, db):
    forum = make_forum()
    page = client.post(f"/j/{forum.join_code}", data={"category": "pirate"})
    assert page.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(Participant)) == 0


def test_join_with_too_long_name_is_422(client, make_forum, db):
    forum = make_forum()
    page = client.post(f"/j/{forum.join_code}", data={"display_name": "x" * 81})
    assert page.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(Participant)) == 0


def test_unknown_join_code_is_404(client, make_forum):
    assert client.get("/j/ZZZZZZ").status_code == 404


def test_ticket_forum_refuses_the_open_join(client, make_forum, db):
    forum = make_forum(tickets_required=True)
    assert client.get(f"/j/{forum.join_code}").status_code == 403
    assert client.post(f"/j/{forum.join_code}", data={}).status_code == 403
    assert db.session.scalar(select(func.count()).select_from(Participant)) == 0


def test_forum_page_sends_strangers_to_the_door_never_to_the_code(client, make_forum):
    forum = make_forum()
    response = client.get(f"/f/{forum.slug}")
    assert response.status_code == 303
    assert response.location == f"/f/{forum.slug}/join"
    assert forum.join_code not in response.location + response.text


def test_forum_page_lists_open_challenges_with_phase_and_counts(
    client, make_forum, make_participant, make_idea, as_participant, db
):
    forum = make_forum(challenges=3)
    forum.challenges[2].phase = "draft"
    db.session.commit()
    make_idea(forum.challenges[0])
    make_idea(forum.challenges[0])
    as_participant(client, make_participant(forum))
    page = client.get(f"/f/{forum.slug}").text
    assert "Défi 1" in page and "Défi 2" in page and "Défi 3" not in page
    assert "2 idées" in page and "0 idée" in page
    assert "Propositions d’idées" in page


def test_forum_page_runs_four_statements(
    client, make_forum, make_participant, as_participant, count_queries
):
    """Forum, person and waiting notices in one; the challenges; their ideas; dots spent."""
    forum = make_forum(challenges=6, phase="voting")
    as_participant(client, make_participant(forum))
    client.get(f"/f/{forum.slug}")
    with count_queries() as queries:
        assert client.get(f"/f/{forum.slug}").status_code == 200
    assert queries.count <= 4, "\n".join(queries.statements)


def test_a_notice_waiting_is_shown_once_on_the_forum_page(
    client, make_forum, make_participant, make_idea, as_participant, db
):
    from cite_vote.votes.notices import notify

    forum = make_forum(challenges=1, phase="voting")
    person = make_participant(forum)
    idea = make_idea(forum.challenges[0], title="Une idée retirée")
    notify(person.id, "hide", refunded=2, idea=idea.id)
    db.session.commit()
    as_participant(client, person)
    assert "l’idée « Une idée retirée »" in client.get(f"/f/{forum.slug}").text
    assert "l’idée « Une idée retirée »" not in client.get(f"/f/{forum.slug}").text


def test_unknown_forum_is_404(client):
    assert client.get("/f/nope").status_code == 404


def test_health_check_reaches_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json == {"status": "ok"}


def test_join_code_with_htmx_navigates_instead_of_swapping_a_page(htmx_client, make_forum):
    forum = make_forum()
    response = htmx_client.post("/", data={"code": forum.join_code})
    assert response.status_code == 200 and response.text == ""
    assert response.headers["HX-Redirect"].endswith(f"/j/{forum.join_code}")


def test_language_switch_offers_the_forum_languages(
    client, make_forum, make_participant, as_participant, db
):
    forum = make_forum(languages="fr")
    as_participant(client, make_participant(forum))
    page = client.get(f"/f/{forum.slug}").text
    assert "English" not in page
    forum.languages = "fr,en"
    db.session.commit()
    assert "English" in client.get(f"/f/{forum.slug}").text
    assert "English" in client.get("/").text


CATEGORY_NOTE = "Votre catégorie s’affiche à côté de ce que vous écrivez"


def test_join_page_says_the_category_is_shown_next_to_what_one_writes(client, make_forum):
    forum = make_forum()
    page = client.get(f"/j/{forum.join_code}").text
    assert CATEGORY_NOTE in page
    assert 'aria-describedby="category-note"' in page and 'id="category-note"' in page


def test_ticket_page_says_the_category_is_shown_next_to_what_one_writes(client, make_forum, db):
    from cite_vote.accounts.tickets import generate_tickets

    forum = make_forum(tickets_required=True)
    ticket = generate_tickets(forum, 1)[0]
    db.session.commit()
    assert CATEGORY_NOTE in client.get(f"/t/{ticket.code}").text


def test_a_forum_without_categories_has_no_category_note(client, make_forum):
    forum = make_forum(categories=[])
    assert CATEGORY_NOTE not in client.get(f"/j/{forum.join_code}").text


def test_a_ticket_code_typed_on_the_home_page_leads_to_the_ticket(client, make_forum, db):
    from cite_vote.accounts.tickets import generate_tickets

    forum = make_forum(tickets_required=True)
    ticket = generate_tickets(forum, 1)[0]
    db.session.commit()
    typed = f"{ticket.code[:5].lower()} {ticket.code[5:].lower()}"  # as printed, in two groups
    response = client.post("/", data={"code": typed})
    assert response.status_code == 303
    assert response.location.endswith(f"/t/{ticket.code}")
    assert client.post("/", data={"code": "ZZZZZ ZZZZZ"}).status_code == 422
