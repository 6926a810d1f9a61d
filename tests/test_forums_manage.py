"""The organiser's pages over HTTP: who may use them, what they store, what they refuse."""

import re
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from cite_vote.accounts.models import ForumStaff, Participant, Ticket
from cite_vote.accounts.tickets import generate_tickets
from cite_vote.forums.models import Challenge, Forum
from tests.helpers import count

VALID_FORUM = {
    "title": "Forum des métiers",
    "slug": "",
    "description": "Une journée pour imaginer la suite.",
    "languages": ["fr", "en"],
    "categories": "chercheur·e\nassociation\n",
    "dot_budget": "5",
    "dot_cap": "3",
    "projection_mode": "blind",
    "shortlist_size": "5",
    "cross_group_min": "3",
}


@pytest.fixture(autouse=True)
def quick_passwords(monkeypatch):
    """Staff accounts with a cheap hash: these tests log in hundreds of times."""
    from werkzeug import security

    from cite_vote.accounts import services

    monkeypatch.setattr(
        services,
        "generate_password_hash",
        lambda password: security.generate_password_hash(password, method="pbkdf2:sha256:1"),
    )


@pytest.fixture
def world(make_forum, make_staff, make_participant, db):
    """A forum with its owner and facilitator, and another forum with its own staff."""
    forum = make_forum(slug="mon-forum", challenges=3)
    other = make_forum(slug="autre-forum")
    owner = make_staff("organiser", owns=[forum], email="owner@example.org")
    facilitator = make_staff("facilitator", forums=[forum], email="facil@example.org")
    other_organiser = make_staff("organiser", owns=[other], email="other-org@example.org")
    other_facilitator = make_staff("facilitator", forums=[other], email="other-fac@example.org")
    spare = make_staff("facilitator", email="spare@example.org")
    return SimpleNamespace(
        forum=forum,
        other=other,
        owner=owner,
        facilitator=facilitator,
        other_organiser=other_organiser,
        other_facilitator=other_facilitator,
        spare=spare,
        participant=make_participant(forum),
    )


@pytest.fixture
def owner_client(client, world, staff_login):
    return staff_login(client, world.owner)


@pytest.fixture
def owner_htmx(htmx_client, world, staff_login):
    htmx_client.environ_base.pop("HTTP_HX_REQUEST")
    staff_login(htmx_client, world.owner)
    htmx_client.environ_base["HTTP_HX_REQUEST"] = "true"
    return htmx_client


# --- who may do what ---------------------------------------------------------------------------


def actions(w):
    """Every organiser action: (method, path, form data)."""
    slug, first = w.forum.slug, w.forum.challenges[0].id
    base = f"/staff/f/{slug}"
    return [
        ("GET", f"{base}/settings", None),
        ("POST", f"{base}/settings", {**VALID_FORUM, "slug": slug}),
        ("POST", f"{base}/join-code", {}),
        ("GET", f"{base}/challenges", None),
        ("POST", f"{base}/challenges", {"title": "Nouveau défi"}),
        ("GET", f"{base}/challenges/{first}", None),
        ("POST", f"{base}/challenges/{first}", {"title": "Renommé"}),
        ("POST", f"{base}/challenges/{first}/move", {"direction": "down"}),
        ("POST", f"{base}/challenges/{first}/archive", {"archived": "1"}),
        ("POST", f"{base}/challenges/{first}/delete", {}),
        ("GET", f"{base}/team", None),
        ("POST", f"{base}/team", {"email": w.spare.email}),
        ("POST", f"{base}/team/{w.facilitator.id}/remove", {}),
        ("GET", f"{base}/tickets", None),
        ("POST", f"{base}/tickets", {"count": "3"}),
        ("GET", f"{base}/tickets/print", None),
        ("GET", "/staff/forums/new", None),
        ("POST", "/staff/forums/new", VALID_FORUM),
    ]


ACTION_IDS = [
    "settings",
    "save-settings",
    "new-join-code",
    "challenges",
    "add-challenge",
    "edit-challenge-page",
    "edit-challenge",
    "move-challenge",
    "archive-challenge",
    "delete-challenge",
    "team",
    "add-to-team",
    "remove-from-team",
    "tickets",
    "generate-tickets",
    "print-tickets",
    "new-forum-page",
    "create-forum",
]
ACTORS = [
    "anonymous",
    "participant",
    "other_facilitator",
    "facilitator",
    "other_organiser",
    "owner",
]


def request_as(client, actor, w, staff_login, as_participant, method, path, data):
    if actor == "participant":
        as_participant(client, w.participant)
    elif actor != "anonymous":
        staff_login(client, getattr(w, actor))
    return client.open(path, method=method, data=data)


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("index", range(len(ACTION_IDS)), ids=ACTION_IDS)
def test_only_organisers_of_the_forum_may_set_it_up(
    client, world, staff_login, as_participant, db, actor, index
):
    method, path, data = actions(world)[index]
    response = request_as(client, actor, world, staff_login, as_participant, method, path, data)
    forum_wide = path.startswith("/staff/forums/")  # creating a forum: any organiser
    allowed = actor == "owner" or (forum_wide and actor == "other_organiser")
    if allowed:
        # A page is shown, a change done leads on to another page.
        assert response.status_code == {"GET": 200, "POST": 303}[method], response.text
    elif actor in ("anonymous", "participant"):
        if method == "GET":
            assert response.status_code == 303 and "/staff/login" in response.location
        else:
            assert response.status_code == 403
    else:
        assert response.status_code == 403


def test_refused_posts_change_nothing(client, world, staff_login, db):
    staff_login(client, world.facilitator)
    before = (world.forum.join_code, count(db, Challenge), count(db, Ticket))
    for method, path, data in actions(world):
        if method == "POST":
            assert client.post(path, data=data).status_code == 403
    db.session.expire_all()
    assert (world.forum.join_code, count(db, Challenge), count(db, Ticket)) == before
    assert count(db, ForumStaff) == 2


def test_assigned_organiser_may_set_up_the_forum(client, world, make_staff, staff_login):
    co_organiser = make_staff("organiser", forums=[world.forum])
    staff_login(client, co_organiser)
    assert client.get(f"/staff/f/{world.forum.slug}/settings").status_code == 200


def test_unknown_forum_is_404_for_an_organiser(owner_client):
    assert owner_client.get("/staff/f/nope/settings").status_code == 404


# --- staff home and navigation -----------------------------------------------------------------


def test_staff_home_links_organisers_to_the_setup_pages(client, world, staff_login):
    staff_login(client, world.owner)
    page = client.get("/staff/").text
    assert "Nouveau forum" in page and "/staff/forums/new" in page
    for part in ("settings", "challenges", "team", "tickets"):
        assert f"/staff/f/{world.forum.slug}/{part}" in page
    assert world.other.slug not in page


def test_staff_home_shows_facilitators_no_setup_links(client, world, staff_login):
    staff_login(client, world.facilitator)
    page = client.get("/staff/").text
    assert "/staff/forums/new" not in page
    assert f"/staff/f/{world.forum.slug}/settings" not in page


# --- creating a forum --------------------------------------------------------------------------


def test_organiser_creates_a_forum_they_own(owner_client, world, db):
    response = owner_client.post("/staff/forums/new", data=VALID_FORUM)
    assert response.status_code == 303
    forum = db.session.scalar(select(Forum).where(Forum.title == VALID_FORUM["title"]))
    assert response.location.endswith(f"/staff/f/{forum.slug}/challenges")
    assert forum.slug == "forum-des-metiers" and forum.owner_id == world.owner.id
    assert forum.categories == ["chercheur·e", "association"]
    assert forum.languages == "fr,en" and (forum.dot_budget, forum.dot_cap) == (5, 3)
    assert "Forum des métiers" in owner_client.get("/staff/").text


def test_new_forum_page_offers_sensible_defaults(owner_client):
    page = owner_client.get("/staff/forums/new").text
    assert re.search(r'<input[^>]*id="dot_budget"[^>]*value="5"', page)
    assert re.search(r'<input[^>]*checked[^>]*id="languages-0"', page) or re.search(
        r'<input[^>]*id="languages-0"[^>]*checked', page
    )


BAD_FORUMS = {
    "empty title": ({"title": ""}, "Donnez un titre au forum"),
    "title too long": ({"title": "x" * 201}, "200 caractères au plus"),
    "budget not a number": ({"dot_budget": "cinq"}, "Tapez un nombre entier"),
    "budget missing": ({"dot_budget": ""}, "Tapez un nombre entier"),
    "negative budget": ({"dot_budget": "-2"}, "entre 1 et 100"),
    "budget too big": ({"dot_budget": "1000"}, "entre 1 et 100"),
    "cap above budget": ({"dot_budget": "3", "dot_cap": "4"}, "ne peut pas dépasser"),
    "zero cap": ({"dot_cap": "0"}, "entre 1 et 100"),
    "bad slug": ({"slug": "Mon Forum!"}, "minuscules"),
    "slug too long": ({"slug": "a" * 61}, "60 caractères au plus"),
    "duplicate slug": ({"slug": "autre-forum"}, "Un autre forum utilise déjà cette adresse"),
    "no language": ({"languages": []}, "Choisissez au moins une langue"),
    "unknown language": ({"languages": ["xx"]}, ""),
    "category too long": ({"categories": "x" * 81}, "Un collège fait au plus 80 caractères"),
    "unknown projection": ({"projection_mode": "loud"}, ""),
    "shortlist zero": ({"shortlist_size": "0"}, "entre 1 et 50"),
    "cross-group float": ({"cross_group_min": "2.5"}, "Tapez un nombre entier"),
}


@pytest.mark.parametrize("changes, message", BAD_FORUMS.values(), ids=BAD_FORUMS.keys())
def test_bad_new_forum_is_422_with_a_message_and_stores_nothing(owner_client, db, changes, message):
    before = count(db, Forum)
    page = owner_client.post("/staff/forums/new", data={**VALID_FORUM, **changes})
    assert page.status_code == 422
    assert message in page.text
    assert count(db, Forum) == before


def test_new_forum_form_both_ways(owner_client, owner_htmx):
    page = owner_client.post("/staff/forums/new", data={**VALID_FORUM, "title": ""})
    assert page.status_code == 422 and "<html" in page.text
    fragment = owner_htmx.post("/staff/forums/new", data={**VALID_FORUM, "title": ""})
    assert fragment.status_code == 422 and "<html" not in fragment.text
    assert 'id="forum-form"' in fragment.text
    created = owner_htmx.post("/staff/forums/new", data=VALID_FORUM)
    assert created.status_code == 200 and created.headers["HX-Redirect"].endswith("/challenges")


# --- settings ----------------------------------------------------------------------------------


def settings_of(forum, **changes):
    return {
        **VALID_FORUM,
        "title": forum.title,
        "slug": forum.slug,
        "categories": "\n".join(forum.categories),
        **changes,
    }


def test_settings_page_shows_the_current_settings(owner_client, world):
    page = owner_client.get(f"/staff/f/{world.forum.slug}/settings").text
    assert world.forum.join_code in page
    assert "chercheur·e\nentrepreneur·e" in page
    assert 'value="mon-forum"' in page


def test_settings_are_saved(owner_client, world, db):
    data = settings_of(
        world.forum,
        title="Titre changé",
        dot_budget="8",
        dot_cap="4",
        premoderation="y",
        tickets_required="y",
        show_totals_during_voting="y",
        projection_mode="live",
        shortlist_size="7",
        cross_group_min="2",
        languages=["fr"],
    )
    response = owner_client.post(f"/staff/f/{world.forum.slug}/settings", data=data)
    assert response.status_code == 303
    db.session.expire_all()
    forum = world.forum
    assert (forum.title, forum.dot_budget, forum.dot_cap) == ("Titre changé", 8, 4)
    assert forum.premoderation and forum.tickets_required and forum.show_totals_during_voting
    assert (forum.projection_mode, forum.shortlist_size, forum.cross_group_min) == ("live", 7, 2)
    assert forum.languages == "fr"


def test_unticked_boxes_turn_settings_off(owner_client, world, db):
    world.forum.premoderation = True
    db.session.commit()
    owner_client.post(f"/staff/f/{world.forum.slug}/settings", data=settings_of(world.forum))
    db.session.expire_all()
    assert world.forum.premoderation is False


def test_changing_the_slug_moves_the_pages(owner_client, owner_htmx, world, db):
    response = owner_htmx.post(
        f"/staff/f/{world.forum.slug}/settings", data=settings_of(world.forum, slug="nouveau")
    )
    assert response.headers["HX-Redirect"].endswith("/staff/f/nouveau/settings")
    assert owner_client.get("/staff/f/nouveau/settings").status_code == 200


@pytest.mark.parametrize("changes, message", BAD_FORUMS.values(), ids=BAD_FORUMS.keys())
def test_bad_settings_are_422_and_change_nothing(owner_client, world, db, changes, message):
    data = settings_of(world.forum, **changes)
    page = owner_client.post(f"/staff/f/{world.forum.slug}/settings", data=data)
    assert page.status_code == 422 and message in page.text
    db.session.expire_all()
    assert (world.forum.slug, world.forum.dot_budget) == ("mon-forum", 5)


def test_empty_slug_is_refused_when_editing(owner_client, world):
    page = owner_client.post(
        f"/staff/f/{world.forum.slug}/settings", data=settings_of(world.forum, slug="")
    )
    assert page.status_code == 422 and "Donnez une adresse au forum" in page.text


@pytest.mark.parametrize(
    "changes",
    [{"dot_budget": "8"}, {"dot_cap": "2"}, {"tickets_required": "y"}],
    ids=["budget", "cap", "tickets"],
)
def test_vote_settings_are_locked_while_voting_409(owner_client, owner_htmx, world, db, changes):
    world.forum.challenges[0].phase = "voting"
    db.session.commit()
    data = settings_of(world.forum, **changes)
    page = owner_client.post(f"/staff/f/{world.forum.slug}/settings", data=data)
    assert page.status_code == 409 and "<html" in page.text
    assert "pendant qu’un défi est en vote" in page.text
    fragment = owner_htmx.post(f"/staff/f/{world.forum.slug}/settings", data=data)
    assert fragment.status_code == 409 and "<html" not in fragment.text
    assert "pendant qu’un défi est en vote" in fragment.text
    db.session.expire_all()
    forum = world.forum
    assert (forum.dot_budget, forum.dot_cap, forum.tickets_required) == (5, 3, False)


def test_settings_page_says_when_the_vote_settings_are_locked(owner_client, world, db):
    world.forum.challenges[0].phase = "voting"
    db.session.commit()
    page = owner_client.get(f"/staff/f/{world.forum.slug}/settings").text
    assert 'id="vote-lock"' in page
    assert 'id="dot_budget"' in page and "readonly" in page
    # The rest of the form still saves while voting.
    response = owner_client.post(
        f"/staff/f/{world.forum.slug}/settings", data=settings_of(world.forum, title="Autre")
    )
    assert response.status_code == 303


def test_settings_both_ways(owner_client, owner_htmx, world):
    url = f"/staff/f/{world.forum.slug}/settings"
    page = owner_client.post(url, data=settings_of(world.forum, title=""))
    assert page.status_code == 422 and "<html" in page.text
    fragment = owner_htmx.post(url, data=settings_of(world.forum, title=""))
    assert fragment.status_code == 422 and "<html" not in fragment.text
    saved = owner_htmx.post(url, data=settings_of(world.forum, title="Bien"))
    assert saved.status_code == 200 and "<html" not in saved.text
    assert 'id="settings-form"' in saved.text and "Réglages enregistrés" in saved.text


def test_join_code_is_regenerated_both_ways(owner_client, owner_htmx, world, db):
    url = f"/staff/f/{world.forum.slug}/join-code"
    old = world.forum.join_code
    response = owner_client.post(url)
    assert response.status_code == 303
    db.session.expire_all()
    middle = world.forum.join_code
    assert middle != old and not set(middle) & set("O0I1L")
    fragment = owner_htmx.post(url)
    assert fragment.status_code == 200 and "<html" not in fragment.text
    db.session.expire_all()
    assert world.forum.join_code in fragment.text and 'id="join-code"' in fragment.text
    assert owner_client.get(f"/j/{old}").status_code == 404


# --- challenges --------------------------------------------------------------------------------


def test_challenge_is_added_as_a_draft_at_the_end(owner_client, world, db):
    response = owner_client.post(
        f"/staff/f/{world.forum.slug}/challenges",
        data={"title": "  Le quatrième  ", "question": "Comment ?", "description": "Détails"},
    )
    assert response.status_code == 303
    added = db.session.scalar(select(Challenge).where(Challenge.title == "Le quatrième"))
    assert (added.position, added.phase, added.question) == (4, "draft", "Comment ?")


BAD_CHALLENGES = {
    "empty title": ({"title": "   "}, "Donnez un titre au défi"),
    "title too long": ({"title": "x" * 201}, "200 caractères au plus"),
    "question too long": ({"title": "Ok", "question": "x" * 1001}, "1000 caractères au plus"),
    "description too long": ({"title": "Ok", "description": "x" * 5001}, "5000 caractères au plus"),
}


@pytest.mark.parametrize("data, message", BAD_CHALLENGES.values(), ids=BAD_CHALLENGES.keys())
def test_bad_challenge_is_422_and_stores_nothing(owner_client, world, db, data, message):
    before = count(db, Challenge)
    page = owner_client.post(f"/staff/f/{world.forum.slug}/challenges", data=data)
    assert page.status_code == 422 and message in page.text
    first = world.forum.challenges[0].id
    edit = owner_client.post(f"/staff/f/{world.forum.slug}/challenges/{first}", data=data)
    assert edit.status_code == 422 and message in edit.text
    db.session.expire_all()
    assert count(db, Challenge) == before and world.forum.challenges[0].title == "Défi 1"


def test_challenge_is_edited(owner_client, world, db):
    first = world.forum.challenges[0]
    page = owner_client.get(f"/staff/f/{world.forum.slug}/challenges/{first.id}")
    assert 'value="Défi 1"' in page.text
    response = owner_client.post(
        f"/staff/f/{world.forum.slug}/challenges/{first.id}",
        data={"title": "Défi renommé", "question": "Et alors ?"},
    )
    assert response.status_code == 303
    db.session.expire_all()
    assert (first.title, first.question) == ("Défi renommé", "Et alors ?")


def test_challenge_edit_both_ways(owner_client, owner_htmx, world):
    url = f"/staff/f/{world.forum.slug}/challenges/{world.forum.challenges[0].id}"
    assert "<html" in owner_client.post(url, data={"title": ""}).text
    fragment = owner_htmx.post(url, data={"title": ""})
    assert fragment.status_code == 422 and "<html" not in fragment.text
    assert 'id="challenge-edit-form"' in fragment.text
    saved = owner_htmx.post(url, data={"title": "Ok"})
    assert saved.headers["HX-Redirect"].endswith("/challenges")


@pytest.mark.parametrize("action", ["", "/move", "/archive", "/delete"])
def test_unknown_or_foreign_challenge_is_404(owner_client, world, db, action):
    foreign = world.other.challenges[0].id
    for challenge_id in (foreign, 999999, 99999999999999):
        url = f"/staff/f/{world.forum.slug}/challenges/{challenge_id}{action}"
        data = {"title": "x", "direction": "up", "archived": "1"}
        assert owner_client.post(url, data=data).status_code == 404
    db.session.expire_all()
    assert world.other.challenges[0].title == "Défi 1" and not world.other.challenges[0].archived


def test_challenges_are_reordered_both_ways(owner_client, owner_htmx, world, db):
    one, two, three = world.forum.challenges
    url = f"/staff/f/{world.forum.slug}/challenges/{three.id}/move"
    assert owner_client.post(url, data={"direction": "up"}).status_code == 303
    fragment = owner_htmx.post(url, data={"direction": "up"})
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert 'id="challenges-panel"' in fragment.text
    db.session.expire_all()
    assert [c.title for c in sorted([one, two, three], key=lambda c: c.position)] == [
        "Défi 3",
        "Défi 1",
        "Défi 2",
    ]
    assert fragment.text.index("Défi 3") < fragment.text.index("Défi 1")


@pytest.mark.parametrize("direction", ["", "left", "UP"])
def test_unknown_move_direction_is_400(owner_client, world, direction):
    url = f"/staff/f/{world.forum.slug}/challenges/{world.forum.challenges[0].id}/move"
    assert owner_client.post(url, data={"direction": direction}).status_code == 400


def test_challenge_with_ideas_is_archived_not_deleted(
    owner_client, owner_htmx, world, make_idea, as_participant, client, db, app
):
    challenge = world.forum.challenges[0]
    make_idea(challenge)
    base = f"/staff/f/{world.forum.slug}/challenges/{challenge.id}"
    page = owner_client.get(f"/staff/f/{world.forum.slug}/challenges").text
    assert f"{base}/archive" in page and f"{base}/delete" not in page
    refused = owner_client.post(f"{base}/delete")
    assert refused.status_code == 409 and "archivez-le" in refused.text
    refused_htmx = owner_htmx.post(f"{base}/delete")
    assert refused_htmx.status_code == 409 and refused_htmx.headers["HX-Retarget"] == "#messages"
    assert count(db, Challenge, Challenge.id == challenge.id) == 1
    fragment = owner_htmx.post(f"{base}/archive", data={"archived": "1"})
    assert fragment.status_code == 200 and "Archivé" in fragment.text
    db.session.expire_all()
    assert challenge.archived
    # Participants no longer see it.
    phone = app.test_client()
    as_participant(phone, world.participant)
    assert "Défi 1" not in phone.get(f"/f/{world.forum.slug}").text
    assert phone.get(f"/f/{world.forum.slug}/c/{challenge.id}").status_code == 404
    # And it comes back.
    assert owner_client.post(f"{base}/archive", data={"archived": "0"}).status_code == 303
    assert "Défi 1" in phone.get(f"/f/{world.forum.slug}").text


def test_bad_archive_value_is_400(owner_client, world):
    url = f"/staff/f/{world.forum.slug}/challenges/{world.forum.challenges[0].id}/archive"
    assert owner_client.post(url, data={"archived": "maybe"}).status_code == 400


def test_challenge_being_voted_on_cannot_be_archived(owner_client, world, db):
    challenge = world.forum.challenges[0]
    challenge.phase = "voting"
    db.session.commit()
    url = f"/staff/f/{world.forum.slug}/challenges/{challenge.id}/archive"
    response = owner_client.post(url, data={"archived": "1"})
    assert response.status_code == 409 and "Fermez le vote" in response.text


def test_empty_challenge_is_deleted_both_ways(owner_client, owner_htmx, world, db):
    one, two, _three = world.forum.challenges
    base = f"/staff/f/{world.forum.slug}/challenges"
    assert owner_client.post(f"{base}/{one.id}/delete").status_code == 303
    fragment = owner_htmx.post(f"{base}/{two.id}/delete")
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert count(db, Challenge, Challenge.forum_id == world.forum.id) == 1


def test_add_challenge_both_ways(owner_client, owner_htmx, world):
    url = f"/staff/f/{world.forum.slug}/challenges"
    page = owner_client.post(url, data={"title": ""})
    assert page.status_code == 422 and "<html" in page.text
    fragment = owner_htmx.post(url, data={"title": ""})
    assert fragment.status_code == 422 and "<html" not in fragment.text
    added = owner_htmx.post(url, data={"title": "Par htmx"})
    assert added.status_code == 200 and "<html" not in added.text and "Par htmx" in added.text


def test_challenges_page_runs_a_fixed_number_of_queries(
    owner_client, world, make_idea, count_queries, db
):
    from cite_vote.forums.setup import create_challenge

    url = f"/staff/f/{world.forum.slug}/challenges"
    owner_client.get(url)
    with count_queries() as few:
        owner_client.get(url)
    for n in range(10):
        make_idea(create_challenge(world.forum, title=f"Encore {n}"))
    db.session.commit()
    with count_queries() as many:
        owner_client.get(url)
    assert many.count == few.count


# --- team --------------------------------------------------------------------------------------


def test_team_member_is_added_and_removed_both_ways(
    owner_client, owner_htmx, world, staff_login, app, db
):
    url = f"/staff/f/{world.forum.slug}/team"
    page = owner_client.get(url).text
    assert "owner@example.org" in page and "facil@example.org" in page
    assert owner_client.post(url, data={"email": "SPARE@example.org"}).status_code == 303
    spare = app.test_client()
    staff_login(spare, world.spare)
    assert world.forum.title in spare.get("/staff/").text
    fragment = owner_htmx.post(f"{url}/{world.spare.id}/remove")
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert 'id="team-panel"' in fragment.text and "spare@example.org" not in fragment.text
    assert world.forum.title not in spare.get("/staff/").text
    assert owner_client.post(f"{url}/{world.facilitator.id}/remove").status_code == 303
    assert count(db, ForumStaff, ForumStaff.forum_id == world.forum.id) == 0


BAD_TEAM = {
    "empty": ({"email": ""}, "Tapez l’adresse e-mail d’un compte de l’équipe"),
    "too long": ({"email": "a" * 250 + "@x.org"}, "254 caractères au plus"),
    "unknown": ({"email": "nobody@example.org"}, "Aucun compte"),
    "already there": ({"email": "facil@example.org"}, "déjà dans l’équipe"),
    "the owner": ({"email": "owner@example.org"}, "déjà dans l’équipe"),
}


@pytest.mark.parametrize("data, message", BAD_TEAM.values(), ids=BAD_TEAM.keys())
def test_bad_team_member_is_422_both_ways(owner_client, owner_htmx, world, db, data, message):
    url = f"/staff/f/{world.forum.slug}/team"
    page = owner_client.post(url, data=data)
    assert page.status_code == 422 and message in page.text and "<html" in page.text
    fragment = owner_htmx.post(url, data=data)
    assert fragment.status_code == 422 and message in fragment.text
    assert "<html" not in fragment.text
    assert count(db, ForumStaff) == 2


def test_removing_the_owner_or_a_stranger_is_refused(owner_client, world, db):
    url = f"/staff/f/{world.forum.slug}/team"
    assert owner_client.post(f"{url}/{world.owner.id}/remove").status_code == 409
    assert owner_client.post(f"{url}/{world.other_facilitator.id}/remove").status_code == 409
    assert owner_client.post(f"{url}/424242/remove").status_code == 409
    assert count(db, ForumStaff) == 2


# --- tickets -----------------------------------------------------------------------------------


def test_tickets_are_generated_both_ways(owner_client, owner_htmx, world, db):
    url = f"/staff/f/{world.forum.slug}/tickets"
    response = owner_client.post(url, data={"count": "12"})
    assert response.status_code == 303 and "first=" in response.location
    fragment = owner_htmx.post(url, data={"count": "3"})
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert 'id="tickets-panel"' in fragment.text and "15 tickets" in fragment.text
    assert count(db, Ticket, Ticket.forum_id == world.forum.id) == 15
    page = owner_client.get(url).text
    for ticket in db.session.scalars(select(Ticket)):
        assert f"{ticket.code[:5]} {ticket.code[5:]}" in page  # read in two groups


@pytest.mark.parametrize("value", ["", "0", "-5", "501", "dix", "2.5"])
def test_bad_ticket_count_is_422_and_makes_none(owner_client, owner_htmx, world, db, value):
    url = f"/staff/f/{world.forum.slug}/tickets"
    page = owner_client.post(url, data={"count": value})
    assert page.status_code == 422 and "<html" in page.text
    fragment = owner_htmx.post(url, data={"count": value})
    assert fragment.status_code == 422 and "<html" not in fragment.text
    assert count(db, Ticket) == 0


def test_print_sheet_has_one_qr_code_per_unused_ticket_in_a4_pages(owner_client, world, db, app):
    tickets = generate_tickets(world.forum, 23)
    generate_tickets(world.other, 2)
    tickets[0].used_at = tickets[0].created_at
    db.session.commit()
    page = owner_client.get(f"/staff/f/{world.forum.slug}/tickets/print").text
    assert page.count('class="ticket-card"') == 22 and page.count("<svg") == 22
    assert page.count('class="sheet"') == 3  # 10 per A4 page
    assert "http://cite.test/t/" + tickets[1].code in page  # an absolute link in the QR code
    assert tickets[0].code not in page
    assert "tickets_print.css" in page
    batch = owner_client.get(
        f"/staff/f/{world.forum.slug}/tickets/print?first={tickets[5].id}&last={tickets[9].id}"
    ).text
    assert batch.count('class="ticket-card"') == 5


def test_print_sheet_qr_code_encodes_the_ticket_link(owner_client, world, db):
    segno = pytest.importorskip("segno")
    ticket = generate_tickets(world.forum, 1)[0]
    db.session.commit()
    page = owner_client.get(f"/staff/f/{world.forum.slug}/tickets/print").text
    expected = segno.make(f"http://cite.test/t/{ticket.code}", error="m")
    # Same QR matrix as segno draws for the absolute link: compare the path data.
    import io

    out = io.BytesIO()
    expected.save(out, kind="svg", scale=4, xmldecl=False, border=4, nl=False)
    path = out.getvalue().decode().split(' d="')[1].split('"')[0]
    assert path in page


# --- joining with a ticket ---------------------------------------------------------------------


@pytest.fixture
def ticket(world, db):
    world.forum.tickets_required = True
    made = generate_tickets(world.forum, 1)[0]
    db.session.commit()
    return made


def test_ticket_link_shows_the_profile_form_and_changes_nothing(client, world, ticket, db):
    page = client.get(f"/t/{ticket.code}")
    assert page.status_code == 200 and 'id="ticket-form"' in page.text
    assert "chercheur·e" in page.text
    db.session.expire_all()
    assert ticket.used_at is None


def test_first_phone_binds_the_ticket_and_enters_the_forum(app, client, world, ticket, db):
    before = count(db, Participant)
    response = client.post(
        f"/t/{ticket.code.lower()}", data={"display_name": "Ana", "category": "association"}
    )
    assert response.status_code == 303 and response.location.endswith(f"/f/{world.forum.slug}")
    assert count(db, Participant) == before + 1
    db.session.expire_all()
    participant = db.session.get(Participant, ticket.participant_id)
    assert ticket.used_at is not None
    assert (participant.display_name, participant.category) == ("Ana", "association")
    assert client.get(f"/f/{world.forum.slug}").status_code == 200
    # The same phone scanning again gets back in; its profile can still be changed.
    again = client.get(f"/t/{ticket.code}")
    assert again.status_code == 303 and again.location.endswith(f"/f/{world.forum.slug}")
    assert client.get(f"/j/{world.forum.join_code}?edit=1").status_code == 200


def test_another_phone_cannot_use_a_used_ticket(app, client, world, ticket, db):
    client.post(f"/t/{ticket.code}", data={})
    other_phone = app.test_client()
    page = other_phone.get(f"/t/{ticket.code}")
    assert page.status_code == 409 and "déjà été utilisé sur un autre téléphone" in page.text
    post = other_phone.post(f"/t/{ticket.code}", data={})
    assert post.status_code == 409
    assert count(db, Participant, Participant.forum_id == world.forum.id) == 2
    assert other_phone.get(f"/f/{world.forum.slug}").status_code == 303


def test_phone_already_in_the_forum_keeps_the_ticket_for_someone_else(
    client, world, ticket, as_participant, db
):
    as_participant(client, world.participant)
    page = client.post(f"/t/{ticket.code}", data={})
    assert page.status_code == 409 and "déjà dans le forum" in page.text
    db.session.expire_all()
    assert ticket.used_at is None


def test_bad_ticket_profile_is_422_and_leaves_the_ticket_unused(
    client, htmx_client, world, ticket, db
):
    page = client.post(f"/t/{ticket.code}", data={"category": "pirate"})
    assert page.status_code == 422 and "<html" in page.text
    fragment = htmx_client.post(f"/t/{ticket.code}", data={"display_name": "x" * 81})
    assert fragment.status_code == 422 and "<html" not in fragment.text
    assert 'id="ticket-form"' in fragment.text
    db.session.expire_all()
    assert ticket.used_at is None and count(db, Participant) == 1


def test_ticket_with_htmx_navigates_to_the_forum(htmx_client, world, ticket):
    response = htmx_client.post(f"/t/{ticket.code}", data={})
    assert response.status_code == 200
    assert response.headers["HX-Redirect"].endswith(f"/f/{world.forum.slug}")


@pytest.mark.parametrize("code", ["NOPE234567", "x" * 40, "%C3%A9t%C3%A9", "-"])
def test_unknown_ticket_is_404(client, world, code):
    assert client.get(f"/t/{code}").status_code == 404
    assert client.post(f"/t/{code}", data={}).status_code == 404


def test_open_join_code_is_still_refused_when_tickets_are_required(client, world, ticket):
    assert client.get(f"/j/{world.forum.join_code}").status_code == 403


@pytest.mark.parametrize("page", ["tickets", "tickets/print"])
@pytest.mark.parametrize(
    "query",
    [
        "first=99999999999999999999",
        "last=99999999999999999999&first=1",
        "first=2147483648&last=2147483649",
        "first=0&last=3",
        "first=-1&last=3",
        "first=dix&last=3",
        "first=1&last=2.5",
        "first=%C2%B2&last=3",
        "first=" + "9" * 5000,
    ],
)
def test_ticket_range_out_of_bounds_or_not_a_number_is_400_never_500(
    owner_client, world, db, page, query
):
    generate_tickets(world.forum, 3)
    db.session.commit()
    response = owner_client.get(f"/staff/f/{world.forum.slug}/{page}?{query}")
    assert response.status_code == 400


@pytest.mark.parametrize("page", ["tickets", "tickets/print"])
def test_ticket_range_at_the_bounds_is_accepted(owner_client, world, db, page):
    generate_tickets(world.forum, 3)
    db.session.commit()
    response = owner_client.get(f"/staff/f/{world.forum.slug}/{page}?first=1&last=2147483647")
    assert response.status_code == 200
    if page == "tickets/print":
        assert response.text.count('class="ticket-card"') == 3


def test_a_big_print_run_comes_in_sheets_of_500_with_a_link_to_the_next(
    owner_client, world, db, monkeypatch
):
    from cite_vote.control import forum as manage

    monkeypatch.setattr(manage, "TICKETS_PER_SHEET", 4)
    tickets = generate_tickets(world.forum, 10)
    db.session.commit()
    url = f"/staff/f/{world.forum.slug}/tickets/print"
    seen, page = [], owner_client.get(url).text
    while True:
        cards = re.findall(r'id="ticket-(\d+)"', page)
        assert 0 < len(cards) <= 4
        seen += [int(c) for c in cards]
        following = re.search(r'href="([^"]+)" id="next-sheet"', page)
        if not following:
            break
        page = owner_client.get(following.group(1).replace("&amp;", "&")).text
    assert seen == [t.id for t in tickets]  # every ticket once, in order


def test_a_refused_vote_setting_shows_the_stored_value_not_the_refused_one(
    owner_client, owner_htmx, world, db
):
    world.forum.challenges[0].phase = "voting"
    db.session.commit()
    data = settings_of(world.forum, dot_budget="7", title="Un titre tapé")
    for client in (owner_client, owner_htmx):
        page = client.post(f"/staff/f/{world.forum.slug}/settings", data=data)
        assert page.status_code == 409
        budget = re.search(r'<input[^>]*name="dot_budget"[^>]*>', page.text).group(0)
        assert 'value="5"' in budget and 'value="7"' not in budget
        assert 'value="Un titre tapé"' in page.text  # what was typed elsewhere is kept
