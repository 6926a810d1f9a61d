"""Moderation in the ideas domain: edits keep the first wording, comments move between
statuses, hides and merges keep their reason, note and record (what they do to dots:
tests/test_votes_moderation.py)."""

import pytest
from sqlalchemy import func, select

from cite_vote.ideas import moderation
from cite_vote.ideas.models import NOTE_MAX, Idea, ModerationRecord
from cite_vote.refusals import RuleError
from cite_vote.votes.moderation import hide_idea, merge_ideas, restore_idea
from cite_vote.votes.phases import set_phase
from cite_vote.votes.services import dots_on_idea, set_dots


def test_edit_keeps_the_original_wording(moderation_scene, db):
    _, _, _, (idea, *_), _ = moderation_scene
    idea.description = "Texte d’origine"
    moderation.edit_idea(idea, "Titre corrigé", "Texte corrigé")
    moderation.edit_idea(idea, "Titre corrigé deux fois", "Texte corrigé")
    db.session.commit()
    assert idea.title == "Titre corrigé deux fois" and idea.edited_at is not None
    assert idea.original_title == "Idée 0" and idea.original_description == "Texte d’origine"


def test_edit_is_refused_once_the_challenge_is_closed(moderation_scene, db):
    """The titles were sealed with the results (docs/results-log.md): a closed challenge's
    ideas keep the wording the log and the cahier's seal hold."""
    forum, challenge, _, (idea, *_), _ = moderation_scene
    set_phase(forum, "closed", challenge)
    db.session.commit()
    with pytest.raises(RuleError) as refused:
        moderation.edit_idea(idea, "Titre corrigé après coup", "")
    assert refused.value.message == moderation.FROZEN
    db.session.rollback()
    assert db.session.get(Idea, idea.id).title == "Idée 0"


@pytest.mark.parametrize(
    "title,description", [("", "x"), ("x" * 121, ""), ("Bon titre", "x" * 1001)]
)
def test_edit_refuses_empty_or_too_long(moderation_scene, db, title, description):
    _, _, _, (idea, *_), _ = moderation_scene
    with pytest.raises(RuleError):
        moderation.edit_idea(idea, title, description)
    db.session.rollback()
    assert idea.title == "Idée 0" and idea.original_title is None


@pytest.mark.parametrize(
    "before,action,after",
    [
        ("pending", "approve", "visible"),
        ("pending", "reject", "hidden"),
        ("visible", "hide", "hidden"),
        ("hidden", "restore", "visible"),
    ],
)
def test_comment_moderation_moves(moderation_scene, make_comment, db, before, action, after):
    _, _, _, (idea, *_), _ = moderation_scene
    comment = make_comment(idea, status=before)
    moderation.set_comment_status(comment, action)
    assert comment.status == after


def test_comment_moderation_refuses_a_move_already_done(moderation_scene, make_comment):
    _, _, _, (idea, *_), _ = moderation_scene
    comment = make_comment(idea, status="visible")
    with pytest.raises(RuleError):
        moderation.set_comment_status(comment, "approve")


# --- reasons -------------------------------------------------------------------------------------


@pytest.mark.parametrize("reason", [None, "", "because", "other"])
def test_a_hide_without_a_known_reason_is_refused_and_changes_nothing(reason, moderation_scene, db):
    """The reason "other" needs its free text: a reader of the cahier must learn why."""
    _, challenge, (ana, *_), (idea, *_), staff = moderation_scene
    set_dots(ana, idea, 2)
    db.session.commit()
    with pytest.raises(moderation.ReasonMissing) as refused:
        hide_idea(idea, staff, reason=reason, note="")
    assert refused.value.status == 422
    db.session.rollback()
    assert idea.status == "visible" and dots_on_idea(ana.id, idea.id) == 2
    assert db.session.scalar(select(func.count()).select_from(ModerationRecord)) == 0


def test_a_hide_keeps_its_reason_note_and_refund(moderation_scene, db):
    _, challenge, (ana, *_), (idea, *_), staff = moderation_scene
    set_dots(ana, idea, 2)
    hide_idea(idea, staff, reason="off_topic", note="  Parle d'un autre défi  ")
    db.session.commit()
    record = db.session.scalar(select(ModerationRecord))
    assert (record.action, record.reason, record.note) == (
        "hide",
        "off_topic",
        "Parle d'un autre défi",
    )
    assert (record.idea_id, record.challenge_id, record.staff_id) == (
        idea.id,
        challenge.id,
        staff.id,
    )
    assert record.dots_refunded == 2


def test_an_overlong_note_is_refused(moderation_scene, db):
    *_, (idea, *_), staff = moderation_scene
    with pytest.raises(RuleError):
        hide_idea(idea, staff, reason="other", note="x" * (NOTE_MAX + 1))
    db.session.rollback()
    assert idea.status == "visible"


def test_a_merge_records_duplicate_as_its_reason_with_its_note(moderation_scene, db):
    _, challenge, (ana, *_), (dup, kept, _), staff = moderation_scene
    set_dots(ana, dup, 3)
    set_dots(ana, kept, 1)
    merge_ideas(dup, kept, staff, note="Même idée, mots différents")
    db.session.commit()
    record = db.session.scalar(select(ModerationRecord))
    assert (record.action, record.reason, record.target_idea_id) == ("merge", "duplicate", kept.id)
    assert record.note == "Même idée, mots différents"
    assert (record.dots_moved, record.dots_refunded) == (2, 1)


def test_a_restore_is_recorded_after_the_hide(moderation_scene, db):
    *_, (idea, *_), staff = moderation_scene
    hide_idea(idea, staff, reason="author_request")
    restore_idea(idea, staff)
    db.session.commit()
    actions = db.session.scalars(select(ModerationRecord.action).order_by(ModerationRecord.id))
    assert list(actions) == ["hide", "restore"]
