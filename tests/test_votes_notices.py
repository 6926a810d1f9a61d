"""The notices (what staff did to a participant's dots), shown once: votes/notices.py."""

import pytest
from sqlalchemy import select

from cite_vote.accounts.models import Participant
from cite_vote.votes.models import Notice
from cite_vote.votes.notices import notices_waiting, notify, show_notices, take_notices

SHOWN = "l’idée « Une idée retirée »"  # named by its title, never its number (issue 20)


@pytest.fixture
def waiting(make_forum, make_participant, make_idea, db):
    """A forum in voting, an idea, and a person with one notice waiting (the idea hidden)."""
    forum = make_forum(challenges=1, phase="voting")
    idea = make_idea(forum.challenges[0], title="Une idée retirée")
    person = make_participant(forum)
    notify(person.id, "hide", refunded=2, idea=idea.id)
    db.session.commit()
    return forum, idea, person


def waits(db, person) -> bool:
    people = Participant.__table__
    return db.session.scalar(
        select(notices_waiting(people)).select_from(people).where(people.c.id == person.id)
    )


def test_the_notices_waiting_clause_follows_take_notices(waiting, make_participant, db):
    forum, _idea, person = waiting
    other = make_participant(forum)
    assert waits(db, person) is True and waits(db, other) is False
    assert len(take_notices(person)) == 1
    assert waits(db, person) is False
    assert take_notices(person) == []


def test_showing_the_notices_flushes_and_never_commits(app, waiting, db, monkeypatch):
    """The GET helper marks the notices seen in the session; the view commits, not the helper."""
    _forum, _idea, person = waiting
    commits = []
    monkeypatch.setattr(db.session, "commit", lambda: commits.append(True))
    with app.test_request_context("/"):
        from flask import get_flashed_messages

        shown = show_notices(person)
        assert commits == []
        assert shown is True
        assert [text for text in get_flashed_messages() if SHOWN in text]
        # Flushed: this transaction sees the notice seen...
        notice = db.session.scalar(select(Notice).where(Notice.participant_id == person.id))
        assert notice.seen_at is not None
        assert show_notices(person) is False
    # ...and nothing was committed: rolled back, it waits again.
    db.session.rollback()
    assert waits(db, person) is True


@pytest.mark.parametrize(
    "url",
    [
        "/f/{slug}",
        "/f/{slug}/c/{challenge}",
        "/f/{slug}/c/{challenge}/similar?title=x",
        "/f/{slug}/c/{challenge}/phase?seen=voting",
        "/f/{slug}/i/{idea}",
        "/f/{slug}/i/{idea}/card",
        "/f/{slug}/me",
        "/f/{slug}/c/99999",  # a 404: its error page shows the notice too
        "/f/{slug}/i/99999",
    ],
)
def test_each_phone_page_shows_a_notice_once(url, waiting, client, as_participant, db):
    forum, idea, person = waiting
    as_participant(client, person)
    url = url.format(slug=forum.slug, challenge=forum.challenges[0].id, idea=idea.id)
    first = client.get(url, follow_redirects=True)
    assert SHOWN in first.text
    for again in (url, f"/f/{forum.slug}"):
        assert SHOWN not in client.get(again, follow_redirects=True).text
    db.session.expire_all()
    assert waits(db, person) is False


def test_an_htmx_request_leaves_the_notice_waiting(waiting, client, as_participant, db):
    forum, idea, person = waiting
    as_participant(client, person)
    card = client.get(f"/f/{forum.slug}/i/{idea.id}/card", headers={"HX-Request": "true"})
    assert card.status_code == 200 and SHOWN not in card.text
    assert waits(db, person) is True
    assert SHOWN in client.get(f"/f/{forum.slug}").text
