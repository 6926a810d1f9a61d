"""The vote's first read (votes/target.py): the forum, the person holding the cookie and the
idea or challenge, in one statement, and what it answers for targets it must refuse."""

from __future__ import annotations

from cite_vote.tokens import hash_token
from cite_vote.votes.models import Notice
from cite_vote.votes.services import set_dots
from cite_vote.votes.target import challenge_target, vote_target


def test_a_vote_target_reads_forum_person_idea_and_its_comments_in_one_statement(
    db, make_forum, make_participant, make_idea, make_comment, count_queries
):
    forum = make_forum(phase="voting")
    person = make_participant(forum, name="Awa")
    idea = make_idea(forum.challenges[0], author=person, title="Un jardin partagé")
    make_comment(idea)
    make_comment(idea)
    make_comment(idea, status="hidden")
    slug, token_hash, idea_id = forum.slug, person.token_hash, idea.id
    with count_queries() as queries:
        target = vote_target(slug, token_hash, idea_id)
    assert queries.count == 1
    assert target.forum.id == forum.id and target.forum.slug == forum.slug
    assert target.forum.dot_budget == forum.dot_budget
    assert target.participant.id == person.id and target.participant.display_name == "Awa"
    assert target.idea.id == idea.id and target.idea.title == "Un jardin partagé"
    assert target.idea.author.display_name == "Awa"
    assert target.idea.challenge.id == forum.challenges[0].id
    assert target.idea.challenge.forum_id == forum.id
    assert target.idea.challenge.phase == "voting"
    assert target.comments == 2  # the hidden one is not counted


def test_an_unknown_forum_is_none(db, make_forum, make_participant, make_idea):
    forum = make_forum()
    person = make_participant(forum)
    idea = make_idea(forum.challenges[0])
    assert vote_target("no-such-forum", person.token_hash, idea.id) is None
    assert challenge_target("no-such-forum", person.token_hash, forum.challenges[0].id) is None


def test_no_cookie_or_another_forums_cookie_reads_no_person(
    db, make_forum, make_participant, make_idea
):
    forum, elsewhere = make_forum(), make_forum()
    stranger = make_participant(elsewhere)
    idea = make_idea(forum.challenges[0])
    for token_hash in (None, "", hash_token("not-a-token"), stranger.token_hash):
        target = vote_target(forum.slug, token_hash, idea.id)
        assert target.forum.id == forum.id
        assert target.participant is None
        assert target.idea.id == idea.id
        page = challenge_target(forum.slug, token_hash, forum.challenges[0].id)
        assert page.participant is None and page.notices is False


def test_an_unknown_idea_is_none_and_another_forums_idea_keeps_its_own_challenge(
    db, make_forum, make_participant, make_idea
):
    forum, elsewhere = make_forum(), make_forum()
    person = make_participant(forum)
    theirs = make_idea(elsewhere.challenges[0])
    assert vote_target(forum.slug, person.token_hash, 999_999).idea is None
    target = vote_target(forum.slug, person.token_hash, theirs.id)
    # The read does not judge: the idea's challenge says which forum it belongs to, and the
    # view refuses it (404) because that is not the forum of the address.
    assert target.idea.challenge.forum_id == elsewhere.id != target.forum.id


def test_a_challenge_target_reads_notices_spent_dots_and_pending_ideas_in_one_statement(
    db, make_forum, make_participant, make_idea, count_queries
):
    forum = make_forum(phase="voting")
    person = make_participant(forum)
    challenge = forum.challenges[0]
    idea = make_idea(challenge)
    make_idea(challenge, author=person, status="pending")
    set_dots(person, idea, 2)
    db.session.add(Notice(participant_id=person.id, kind="hidden", data={}))
    db.session.commit()
    slug, token_hash, challenge_id = forum.slug, person.token_hash, challenge.id
    with count_queries() as queries:
        target = challenge_target(slug, token_hash, challenge_id)
    assert queries.count == 1
    assert target.participant.id == person.id
    assert target.challenge.id == challenge.id and target.challenge.phase == "voting"
    assert target.spent == 2
    assert target.pending is True
    assert target.notices is True


def test_a_challenge_target_of_a_quiet_person_is_all_false(
    db, make_forum, make_participant, make_idea
):
    forum = make_forum()
    person = make_participant(forum)
    target = challenge_target(forum.slug, person.token_hash, forum.challenges[1].id)
    assert target.challenge.id == forum.challenges[1].id
    assert (target.spent, target.pending, target.notices) == (0, False, False)


def test_another_forums_challenge_or_an_unknown_one_reads_no_challenge(db, make_forum):
    forum, elsewhere = make_forum(), make_forum()
    assert challenge_target(forum.slug, None, elsewhere.challenges[0].id).challenge is None
    assert challenge_target(forum.slug, None, 999_999).challenge is None
