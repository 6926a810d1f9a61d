"""The one reader of a phone's participant and forum (accounts/phone.py): the forum by slug,
the person holding the cookie and the parts the domains add, in one statement, as plain
values (issue 18, move 2)."""

from __future__ import annotations

from sqlalchemy.orm import Mapper

from cite_vote.accounts.phone import OPEN_PHASE, ForumRow, ParticipantRow, read_phone, watched_phase
from cite_vote.votes.target import CHALLENGE, IDEA


def test_the_forum_the_person_and_several_parts_in_one_statement_without_orm(
    db, make_forum, make_participant, make_idea, count_queries
):
    from sqlalchemy import event

    forum = make_forum(phase="voting")
    person = make_participant(forum, name="Awa")
    challenge = forum.challenges[0]
    idea = make_idea(challenge, title="Un jardin")
    slug, token_hash, idea_id, challenge_id = forum.slug, person.token_hash, idea.id, challenge.id
    forum_id, person_id = forum.id, person.id
    loaded = []

    def record(target, _context):
        loaded.append(target)

    event.listen(Mapper, "load", record)
    try:
        with count_queries() as queries:
            phone = read_phone(
                slug,
                token_hash,
                (IDEA, CHALLENGE, OPEN_PHASE),
                idea_id=idea_id,
                challenge_id=challenge_id,
            )
    finally:
        event.remove(Mapper, "load", record)
    assert queries.count == 1 and loaded == []
    assert isinstance(phone.forum, ForumRow) and phone.forum.id == forum_id
    assert isinstance(phone.participant, ParticipantRow) and phone.participant.id == person_id
    assert phone.parts["idea"][0].title == "Un jardin"
    notices, read_challenge, spent, pending = phone.parts["challenge"]
    assert read_challenge.id == challenge_id and (notices, spent, pending) == (False, 0, False)
    assert phone.parts["open_phase"] == "voting"


def test_no_forum_is_none_and_no_cookie_is_no_participant(db, make_forum):
    forum = make_forum()
    assert read_phone("no-such-forum", None) is None
    phone = read_phone(forum.slug, None)
    assert phone.forum.slug == forum.slug and phone.participant is None and phone.parts == {}


def test_the_phase_poll_reads_only_an_open_challenge_of_a_participant(
    db, make_forum, make_participant
):
    forum = make_forum(phase="voting", challenges=2)
    other = make_forum(slug="ailleurs", phase="voting")
    person = make_participant(forum)
    first, second = forum.challenges[0], forum.challenges[1]
    second.phase = "draft"
    db.session.commit()
    assert watched_phase(forum.slug, first.id, person.token_hash) == "voting"
    assert watched_phase(forum.slug, second.id, person.token_hash) is None  # a draft
    assert watched_phase(forum.slug, other.challenges[0].id, person.token_hash) is None
    assert watched_phase(forum.slug, first.id, None) is None
    assert watched_phase(forum.slug, first.id, "not-a-holder") is None
