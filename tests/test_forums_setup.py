"""The rules of setting up a forum, without HTTP: settings, challenges, team and tickets."""

import pytest
from sqlalchemy import func, select

from cite_vote.accounts.models import Participant, Ticket
from cite_vote.accounts.team import add_team_member, create_forum_for, remove_team_member, team_of
from cite_vote.accounts.tickets import (
    TICKET_CODE_LENGTH,
    bind_ticket,
    generate_tickets,
    ticket_by_code,
    ticket_holder,
)
from cite_vote.forums.join_codes import JOIN_CODE_ALPHABET
from cite_vote.forums.models import Challenge
from cite_vote.forums.services import active_challenges
from cite_vote.forums.setup import (
    create_challenge,
    free_slug,
    move_challenge,
    regenerate_join_code,
    set_archived,
    slugify,
    update_forum,
)
from cite_vote.ideas.services import delete_empty_challenge
from cite_vote.refusals import RuleError
from cite_vote.votes.services import dots_held, set_dots
from tests.helpers import count

# --- forums ----------------------------------------------------------------------------------


def test_new_forum_is_owned_by_its_creator_with_a_generated_join_code(make_staff, db):
    organiser = make_staff("organiser")
    forum = create_forum_for(
        organiser, title="La Cité de l’économie", categories=[" a ", "b", "a", ""]
    )
    assert forum.owner_id == organiser.id
    assert forum.slug == "la-cite-de-l-economie"
    assert forum.categories == ["a", "b"]
    assert len(forum.join_code) == 6 and set(forum.join_code) <= set(JOIN_CODE_ALPHABET)


def test_slug_made_from_the_title_avoids_those_taken(make_forum, db):
    make_forum(slug="forum-de-test")
    assert slugify("  Été 2018 ! ") == "ete-2018"
    assert free_slug("Forum de test") == "forum-de-test-2"
    assert free_slug("!!!") == "forum"


def test_chosen_slug_already_used_is_refused(make_forum, make_staff, db):
    make_forum(slug="pris")
    with pytest.raises(RuleError):
        create_forum_for(make_staff(), title="X", slug="pris")


@pytest.mark.parametrize(
    "changes",
    [
        {"dot_budget": 0},
        {"dot_budget": 101},
        {"dot_cap": 0},
        {"dot_budget": 3, "dot_cap": 4},
        {"slug": "Avec Espaces"},
        {"projection_mode": "loud"},
        {"categories": ["x" * 81]},
    ],
)
def test_invalid_settings_are_refused_and_nothing_changes(make_forum, db, changes):
    forum = make_forum(dot_budget=5, dot_cap=3)
    before = (forum.dot_budget, forum.dot_cap, forum.slug, forum.categories)
    with pytest.raises(RuleError):
        update_forum(forum, held=dots_held(forum), **changes)
    db.session.rollback()
    assert (forum.dot_budget, forum.dot_cap, forum.slug, forum.categories) == before


@pytest.mark.parametrize(
    "changes",
    [{"dot_budget": 8}, {"dot_cap": 2}, {"tickets_required": True}],
)
def test_vote_settings_lock_while_a_challenge_is_voting(make_forum, db, changes):
    forum = make_forum(phase="proposing", dot_budget=5, dot_cap=3)
    forum.challenges[1].phase = "voting"
    db.session.commit()
    with pytest.raises(RuleError) as refused:
        update_forum(forum, held=dots_held(forum), **changes)
    assert "en vote" in str(refused.value.message)


def test_other_settings_still_change_while_voting(make_forum, db):
    forum = make_forum(phase="voting", dot_budget=5, dot_cap=3)
    changed = update_forum(
        forum,
        held=dots_held(forum),
        title="Nouveau titre",
        dot_budget=5,
        dot_cap=3,
        premoderation=True,
    )
    assert set(changed) == {"title", "premoderation"}
    assert forum.title == "Nouveau titre" and forum.premoderation


def test_vote_settings_change_again_once_the_vote_is_closed(make_forum, db):
    forum = make_forum(phase="closed", dot_budget=5)
    assert update_forum(forum, held=dots_held(forum), dot_budget=7) == ["dot_budget"]


def test_budget_cannot_drop_below_dots_already_placed(make_forum, make_participant, make_idea, db):
    forum = make_forum(phase="voting", dot_budget=5, dot_cap=3)
    challenge = forum.challenges[0]
    participant = make_participant(forum)
    first, second = make_idea(challenge), make_idea(challenge)
    set_dots(participant, first, 3)
    set_dots(participant, second, 1)
    challenge.phase = "proposing"
    forum.challenges[1].phase = "proposing"
    db.session.commit()
    with pytest.raises(RuleError):
        update_forum(forum, held=dots_held(forum), dot_budget=3)
    db.session.rollback()
    with pytest.raises(RuleError):
        update_forum(forum, held=dots_held(forum), dot_cap=2)
    db.session.rollback()
    assert update_forum(forum, held=dots_held(forum), dot_budget=4) == ["dot_budget"]


def test_regenerated_join_code_is_new_and_unambiguous(make_forum, db):
    forum = make_forum()
    codes = {forum.join_code}
    for _ in range(20):
        code = regenerate_join_code(forum)
        assert len(code) == 6 and not set(code) & set("O0I1L")
        codes.add(code)
    assert len(codes) > 15


# --- challenges ------------------------------------------------------------------------------


def test_new_challenge_goes_after_the_active_ones_and_before_the_archive(make_forum, make_idea, db):
    forum = make_forum(challenges=2)
    make_idea(forum.challenges[0])
    set_archived(forum, forum.challenges[0], True)
    added = create_challenge(forum, title="Nouveau")
    ordered = list(db.session.scalars(select(Challenge).order_by(Challenge.position)))
    assert [c.title for c in ordered] == ["Défi 2", "Nouveau", "Défi 1"]
    assert [c.position for c in ordered] == [1, 2, 3]
    assert added.phase == "draft"


def test_move_swaps_with_the_neighbour_and_stops_at_the_ends(make_forum, db):
    forum = make_forum(challenges=3)
    one, two, three = forum.challenges
    move_challenge(forum, three, "up")
    assert [c.title for c in db.session.scalars(active_challenges(forum))] == [
        "Défi 1",
        "Défi 3",
        "Défi 2",
    ]
    move_challenge(forum, one, "up")  # already first: nothing moves
    move_challenge(forum, two, "down")  # already last
    assert [c.position for c in (one, three, two)] == [1, 2, 3]
    with pytest.raises(RuleError):
        move_challenge(forum, one, "sideways")


def test_challenge_with_ideas_cannot_be_deleted_only_archived(make_forum, make_idea, db):
    forum = make_forum(challenges=2)
    challenge = forum.challenges[0]
    make_idea(challenge)
    with pytest.raises(RuleError) as refused:
        delete_empty_challenge(forum, challenge)
    assert "archivez-le" in str(refused.value.message)
    db.session.rollback()
    set_archived(forum, challenge, True)
    db.session.commit()
    assert challenge.archived
    assert challenge not in db.session.scalars(active_challenges(forum)).all()
    assert count(db, Challenge) == 2


def test_empty_challenge_is_deleted_and_the_others_renumbered(make_forum, db):
    forum = make_forum(challenges=3)
    delete_empty_challenge(forum, forum.challenges[0])
    db.session.commit()
    assert [(c.title, c.position) for c in db.session.scalars(active_challenges(forum))] == [
        ("Défi 2", 1),
        ("Défi 3", 2),
    ]


def test_a_challenge_being_voted_on_cannot_be_archived(make_forum, db):
    forum = make_forum(phase="voting")
    with pytest.raises(RuleError):
        set_archived(forum, forum.challenges[0], True)


def test_restored_challenge_comes_back_after_the_active_ones(make_forum, make_idea, db):
    forum = make_forum(challenges=3)
    first = forum.challenges[0]
    set_archived(forum, first, True)
    set_archived(forum, first, False)
    assert [c.title for c in db.session.scalars(active_challenges(forum))] == [
        "Défi 2",
        "Défi 3",
        "Défi 1",
    ]


# --- team ------------------------------------------------------------------------------------


def test_team_add_and_remove_by_email(make_forum, make_staff, db):
    forum = make_forum()
    owner = make_staff("organiser", owns=[forum])
    facilitator = make_staff("facilitator", email="anne@example.org")
    add_team_member(forum, "  ANNE@example.org ")
    db.session.commit()
    assert [(m.user.email, m.owner) for m in team_of(forum)] == [
        (owner.email, True),
        ("anne@example.org", False),
    ]
    with pytest.raises(RuleError):
        add_team_member(forum, "anne@example.org")  # already there
    remove_team_member(forum, facilitator.id)
    db.session.commit()
    assert [m.user for m in team_of(forum)] == [owner]


def test_team_refuses_unknown_emails_and_removing_the_owner(make_forum, make_staff, db):
    forum = make_forum()
    owner = make_staff("organiser", owns=[forum])
    with pytest.raises(RuleError):
        add_team_member(forum, "nobody@example.org")
    with pytest.raises(RuleError):
        remove_team_member(forum, owner.id)
    with pytest.raises(RuleError):
        remove_team_member(forum, 999999)


# --- tickets ---------------------------------------------------------------------------------


def test_ticket_codes_are_long_unambiguous_and_unique(make_forum, db):
    forum = make_forum()
    tickets = generate_tickets(forum, 200)
    codes = {t.code for t in tickets}
    assert len(codes) == 200
    assert all(len(c) == TICKET_CODE_LENGTH and set(c) <= set(JOIN_CODE_ALPHABET) for c in codes)


@pytest.mark.parametrize("n", [0, -1, 501])
def test_ticket_batches_are_between_1_and_500(make_forum, db, n):
    with pytest.raises(RuleError):
        generate_tickets(make_forum(), n)


def test_ticket_binds_one_phone_once(make_forum, db):
    forum = make_forum(tickets_required=True)
    ticket = generate_tickets(forum, 1)[0]
    db.session.commit()
    participant = bind_ticket(ticket, "phone-a", display_name="Ana", category="citoyen·ne")
    db.session.commit()
    assert ticket.participant_id == participant.id and ticket.used_at is not None
    assert participant.display_name == "Ana" and participant.category == "citoyen·ne"
    assert ticket_holder(ticket, "phone-a") and not ticket_holder(ticket, "phone-b")
    with pytest.raises(RuleError):
        bind_ticket(ticket, "phone-b")
    db.session.rollback()
    assert count(db, Participant) == 1


def test_a_phone_already_in_the_forum_does_not_use_up_a_ticket(make_forum, make_participant, db):
    forum = make_forum()
    participant = make_participant(forum)
    ticket = generate_tickets(forum, 1)[0]
    db.session.commit()
    with pytest.raises(RuleError):
        bind_ticket(ticket, participant.token)
    db.session.rollback()
    assert ticket.used_at is None


def test_ticket_claimed_meanwhile_by_another_phone_is_refused(make_forum, db):
    """The conditional UPDATE refuses even when this request read the ticket as unused."""
    from sqlalchemy import update

    forum = make_forum()
    ticket = generate_tickets(forum, 1)[0]
    db.session.commit()
    assert ticket.used_at is None  # this request saw it unused...
    db.session.execute(  # ...then another phone claimed it
        update(Ticket)
        .where(Ticket.id == ticket.id)
        .values(used_at=func.now())
        .execution_options(synchronize_session=False)
    )
    with pytest.raises(RuleError):
        bind_ticket(ticket, "phone-late")
    db.session.rollback()
    assert count(db, Participant) == 0


def test_ticket_with_an_unknown_category_is_refused(make_forum, db):
    forum = make_forum()
    ticket = generate_tickets(forum, 1)[0]
    with pytest.raises(RuleError):
        bind_ticket(ticket, "phone-a", category="pirate")
    assert ticket.used_at is None


def test_ticket_found_whatever_the_case_and_spacing(make_forum, db):
    ticket = generate_tickets(make_forum(), 1)[0]
    db.session.commit()
    spaced = f" {ticket.code[:5].lower()} {ticket.code[5:]} "
    assert ticket_by_code(spaced) == ticket
    assert ticket_by_code("") is None and ticket_by_code("Z" * 40) is None


DOTS_PLACED = [
    "Someone already placed %(num)d dots in a challenge: the budget cannot be lower.",
    "Someone already placed %(num)d dots on one idea: the cap cannot be lower.",
]


@pytest.mark.parametrize("plural", DOTS_PLACED)
def test_dots_already_placed_messages_have_a_singular_and_a_plural_in_french(plural):
    from pathlib import Path

    from babel.messages.pofile import read_po

    po = Path(__file__).parent.parent / "cite_vote/translations/fr/LC_MESSAGES/messages.po"
    with po.open("rb") as handle:
        catalogue = read_po(handle)
    entries = [m for m in catalogue if m.pluralizable and m.id[1] == plural]
    assert len(entries) == 1, "the message must go through ngettext"
    singular, several = entries[0].string
    assert "%(num)d point " in singular and "%(num)d points " in several


def test_budget_refusal_names_the_dots_already_placed_in_french(
    app, make_forum, make_participant, make_idea, db
):
    forum = make_forum(phase="proposing", dot_budget=5, dot_cap=3)
    challenge = forum.challenges[0]
    challenge.phase = "voting"
    db.session.commit()
    set_dots(make_participant(forum), make_idea(challenge), 3)
    challenge.phase = "closed"
    db.session.commit()
    with app.test_request_context():
        with pytest.raises(RuleError) as budget:
            update_forum(forum, held=dots_held(forum), dot_budget=2, dot_cap=2)
        assert "déjà placé 3 points dans un défi" in str(budget.value.message)
        db.session.rollback()
        with pytest.raises(RuleError) as cap:
            update_forum(forum, held=dots_held(forum), dot_cap=2)
        assert "déjà placé 3 points sur une idée" in str(cap.value.message)


def test_the_budget_and_the_cap_cannot_change_without_the_dots_already_placed(make_forum, db):
    """``update_forum`` requires ``votes.services.dots_held``: no caller can skip the check."""
    forum = make_forum(phase="proposing", dot_budget=5, dot_cap=3)
    with pytest.raises(TypeError):
        update_forum(forum, dot_budget=7)
    assert dots_held(forum) == (0, 0)
