import pytest

from cite_vote.ideas.services import add_comment, personal_order, propose_idea
from cite_vote.refusals import RuleError
from cite_vote.votes.phases import set_phase


def test_proposing_keeps_the_author_category(participant_scene, db):
    _, challenge, person = participant_scene
    idea = propose_idea(challenge, person, "  Un tiers-lieu  ", "Ouvert le soir")
    assert idea.title == "Un tiers-lieu"
    assert idea.author_category == "association"
    assert idea.status == "visible"


def test_author_name_shown_only_when_chosen(participant_scene):
    _, challenge, person = participant_scene
    assert not propose_idea(challenge, person, "A").show_author_name
    assert propose_idea(challenge, person, "B", show_author_name=True).show_author_name


@pytest.mark.parametrize(
    "title, description",
    [("", ""), ("   ", ""), ("x" * 121, ""), ("ok", "y" * 1001)],
)
def test_bad_idea_is_refused(participant_scene, title, description):
    _, challenge, person = participant_scene
    with pytest.raises(RuleError):
        propose_idea(challenge, person, title, description)


@pytest.mark.parametrize("phase", ["draft", "voting", "closed"])
def test_proposing_only_while_proposing(participant_scene, db, phase):
    forum, challenge, person = participant_scene
    set_phase(forum, phase, challenge)
    with pytest.raises(RuleError, match="plus possible"):
        propose_idea(challenge, person, "Trop tard")


def test_premoderation_holds_ideas_and_comments(make_forum, make_participant):
    forum = make_forum(premoderation=True)
    person = make_participant(forum)
    idea = propose_idea(forum.challenges[0], person, "En attente")
    assert idea.status == "pending"
    idea.status = "visible"
    assert add_comment(idea, person, "Aussi en attente").status == "pending"


def test_comments_while_proposing_and_voting_only(participant_scene, make_idea, db):
    forum, challenge, person = participant_scene
    idea = make_idea(challenge)
    add_comment(idea, person, "Bien")
    set_phase(forum, "voting", challenge)
    add_comment(idea, person, "Toujours bien")
    set_phase(forum, "closed", challenge)
    with pytest.raises(RuleError):
        add_comment(idea, person, "Trop tard")


@pytest.mark.parametrize("body", ["", "  ", "z" * 1001])
def test_bad_comment_is_refused(participant_scene, make_idea, body):
    _, challenge, person = participant_scene
    with pytest.raises(RuleError):
        add_comment(make_idea(challenge), person, body)


def test_personal_order_is_stable_and_differs_between_people(
    make_forum, make_participant, make_idea
):
    forum = make_forum()
    ideas = [make_idea(forum.challenges[0], title=str(n)) for n in range(12)]
    ana, bob = make_participant(forum), make_participant(forum)
    assert personal_order(ideas, ana) == personal_order(list(reversed(ideas)), ana)
    assert personal_order(ideas, ana) != personal_order(ideas, bob)
    assert sorted(i.id for i in personal_order(ideas, ana)) == sorted(i.id for i in ideas)
