"""Ranking rules: the order every page and file shows, breakdowns, shortlist, timeline."""

from __future__ import annotations

import pytest

from cite_vote.results.charts import bar_segments, timeline_chart
from cite_vote.results.services import (
    challenge_results,
    create_read_token,
    rank_ideas,
    ranking_timeline,
    revoke_read_token,
    token_for_bearer,
)
from cite_vote.votes.phases import set_phase


def ranking(forum, challenge):
    return challenge_results(forum, [challenge])[0]


def test_ranked_by_dots_then_supporters_then_earliest_proposed(ranking_scene, cast_dots):
    forum, challenge, p, ideas = ranking_scene
    cast_dots(p["res1"], ideas[0], 3)  # 3 dots, 1 supporter
    cast_dots(p["res2"], ideas[1], 2)
    cast_dots(p["ent"], ideas[1], 1)  # 3 dots, 2 supporters: before ideas[0]
    cast_dots(p["asso"], ideas[4], 1)  # 1 dot, 1 supporter, proposed last
    cast_dots(p["cit"], ideas[3], 1)  # 1 dot, 1 supporter, proposed earlier: before ideas[4]
    ranked = rank_ideas(challenge)
    assert [r.idea.id for r in ranked] == [ideas[i].id for i in (1, 0, 3, 4, 2)]
    assert [(r.rank, r.dots, r.supporters) for r in ranked] == [
        (1, 3, 2),
        (2, 3, 1),
        (3, 1, 1),
        (3, 1, 1),
        (5, 0, 0),
    ]


def test_ideas_equal_on_dots_and_supporters_share_a_rank_and_say_so(ranking_scene, cast_dots):
    forum, challenge, p, ideas = ranking_scene
    cast_dots(p["res1"], ideas[2], 2)
    cast_dots(p["ent"], ideas[0], 2)
    cast_dots(p["asso"], ideas[1], 1)
    ranked = rank_ideas(challenge)
    assert [(r.idea.id, r.rank, r.tied) for r in ranked[:3]] == [
        (ideas[0].id, 1, True),  # the earlier proposal is listed first among the tied
        (ideas[2].id, 1, True),
        (ideas[1].id, 3, False),
    ]
    # The ideas nobody supported are tied too, on 0.
    assert {(r.rank, r.tied) for r in ranked[3:]} == {(4, True)}


def test_dots_by_category_with_no_category_as_its_own_bucket(
    every_category_shown, ranking_scene, cast_dots
):
    forum, challenge, p, ideas = ranking_scene
    cast_dots(p["res1"], ideas[0], 2)
    cast_dots(p["res2"], ideas[0], 1)
    cast_dots(p["ent"], ideas[0], 1)
    cast_dots(p["anon"], ideas[0], 3)
    top = ranking(forum, challenge).by_dots[0]
    assert top.idea.id == ideas[0].id
    assert top.by_category == {"chercheur·e": 3, "entrepreneur·e": 1, None: 3}
    assert top.dots == 7 and top.supporters == 4
    # "No category" is a bucket of dots but not a group of the room.
    assert top.categories_supporting == 2


def test_the_bar_is_as_long_as_the_dots_relative_to_the_leader(
    every_category_shown, ranking_scene, cast_dots
):
    forum, challenge, p, ideas = ranking_scene
    cast_dots(p["res1"], ideas[0], 3)
    cast_dots(p["anon"], ideas[0], 1)
    cast_dots(p["ent"], ideas[1], 2)
    res = ranking(forum, challenge)
    first, second = res.by_dots[:2]
    assert sum(s.width for s in bar_segments(res, first)) == pytest.approx(100)
    assert [(s.category, s.dots) for s in bar_segments(res, first)] == [
        ("chercheur·e", 3),
        (None, 1),
    ]
    assert sum(s.width for s in bar_segments(res, second)) == pytest.approx(50)
    assert bar_segments(res, res.by_dots[-1]) == []


def test_cross_group_marker_needs_the_forum_minimum_of_categories(
    every_category_shown, ranking_scene, cast_dots, db
):
    forum, challenge, p, ideas = ranking_scene
    for who in ("res1", "ent", "asso"):
        cast_dots(p[who], ideas[0], 1)
    for who in ("res1", "res2", "anon"):
        cast_dots(p[who], ideas[1], 1)
    res = ranking(forum, challenge)
    by_id = {r.idea.id: r for r in res.by_dots}
    assert by_id[ideas[0].id].categories_supporting == 3
    assert by_id[ideas[0].id].cross_group is True
    assert by_id[ideas[1].id].cross_group is False
    forum.cross_group_min = 4
    db.session.commit()
    assert not any(r.cross_group for r in ranking(forum, challenge).by_dots)


def test_cross_group_order_puts_the_ideas_of_most_categories_first(
    every_category_shown, ranking_scene, cast_dots
):
    forum, challenge, p, ideas = ranking_scene
    cast_dots(p["res1"], ideas[0], 3)
    cast_dots(p["res2"], ideas[0], 3)  # 6 dots from one category
    cast_dots(p["ent"], ideas[1], 1)
    cast_dots(p["asso"], ideas[1], 1)  # 2 dots from two categories
    cast_dots(p["cit"], ideas[2], 1)
    cast_dots(p["ent"], ideas[2], 1)  # 2 dots from two categories, proposed later
    res = ranking(forum, challenge)
    assert [r.idea.id for r in res.by_dots[:3]] == [ideas[0].id, ideas[1].id, ideas[2].id]
    cross = res.ordered("cross")
    assert [r.idea.id for r in cross[:3]] == [ideas[1].id, ideas[2].id, ideas[0].id]
    assert [(r.rank, r.tied, r.dots_rank) for r in cross[:3]] == [
        (1, True, 2),
        (1, True, 2),
        (3, False, 1),
    ]


def test_shortlist_is_the_top_n_keeping_ties_at_the_edge_and_leaving_out_zero_dots(
    ranking_scene, cast_dots, db
):
    forum, challenge, p, ideas = ranking_scene
    forum.shortlist_size = 2
    db.session.commit()
    cast_dots(p["res1"], ideas[0], 2)
    cast_dots(p["ent"], ideas[1], 1)
    cast_dots(p["asso"], ideas[2], 1)  # tied with ideas[1] at rank 2
    res = ranking(forum, challenge)
    assert [r.idea.id for r in res.shortlist()] == [ideas[0].id, ideas[1].id, ideas[2].id]
    forum.shortlist_size = 5
    db.session.commit()
    res = ranking(forum, challenge)
    assert len(res.shortlist()) == 3  # the ideas with no dot are not in a shortlist
    assert len(res.rows("dots", "all")) == 5


def test_hidden_merged_and_pending_ideas_are_not_ranked(ranking_scene, make_idea, cast_dots):
    forum, challenge, p, ideas = ranking_scene
    hidden = make_idea(challenge, title="Cachée", status="hidden")
    merged = make_idea(challenge, title="Fusionnée", status="merged", merged_into_id=ideas[0].id)
    pending = make_idea(challenge, title="En attente", status="pending")
    res = ranking(forum, challenge)
    assert {r.idea.id for r in res.by_dots} == {i.id for i in ideas}
    assert {i.id for i in res.unranked} == {hidden.id, merged.id, pending.id}


def test_only_visible_comments_are_counted(ranking_scene, make_comment):
    forum, challenge, p, ideas = ranking_scene
    make_comment(ideas[0], body="Oui")
    make_comment(ideas[0], body="Non", status="hidden")
    make_comment(ideas[0], body="Peut-être", status="pending")
    res = challenge_results(forum, [challenge], with_comments=True)[0]
    first = next(r for r in res.by_dots if r.idea.id == ideas[0].id)
    assert first.comments == 1
    assert [c.body for c in res.comments[ideas[0].id]] == ["Oui"]


def test_results_of_a_forum_take_a_fixed_number_of_queries(
    make_forum, make_participant, make_idea, make_comment, cast_dots, count_queries, db
):
    def build(n_ideas: int, n_people: int):
        forum = make_forum(challenges=2, phase="voting", dot_budget=10)
        people = [
            make_participant(forum, category=c)
            for c in ("chercheur·e", "association", None)[: max(1, n_people)]
        ] * 1
        for challenge in forum.challenges:
            for n in range(n_ideas):
                idea = make_idea(challenge, title=f"Idée {n}")
                make_comment(idea)
                for person in people:
                    cast_dots(person, idea, 1)
        db.session.expire_all()
        return forum

    def queries(forum) -> int:
        with count_queries() as counter:
            challenge_results(forum, list(forum.challenges), with_comments=True)
        return counter.count

    small, large = build(1, 1), build(8, 3)
    db.session.expire_all()
    small.challenges, large.challenges  # noqa: B018  (loaded before counting)
    assert queries(small) == queries(large) <= 6


def test_timeline_replays_the_ledger_up_to_the_current_totals(
    every_category_shown, ranking_scene, cast_dots
):
    forum, challenge, p, ideas = ranking_scene
    cast_dots(p["res1"], ideas[0], 2)
    cast_dots(p["ent"], ideas[1], 1)
    cast_dots(p["res1"], ideas[0], 1)  # a dot taken back
    cast_dots(p["asso"], ideas[0], 2)
    res = ranking(forum, challenge)
    timeline = ranking_timeline(res)
    series = {r.idea.id: points for r, points in timeline.series}
    assert [v for _t, v in series[ideas[0].id]] == [2, 1, 3]
    assert [v for _t, v in series[ideas[1].id]] == [1]
    # Ideas without dots are not drawn; every line ends on the idea's current total.
    assert set(series) == {ideas[0].id, ideas[1].id}
    for ranked, points in timeline.series:
        assert points[-1][1] == ranked.dots
        assert [t for t, _v in points] == sorted(t for t, _v in points)
    chart = timeline_chart(timeline)
    assert chart is not None and len(chart.lines) == 2


def test_no_timeline_without_dots(ranking_scene):
    forum, challenge, _p, _ideas = ranking_scene
    assert timeline_chart(ranking_timeline(ranking(forum, challenge))) is None


def test_closing_a_challenge_does_not_change_its_ranking(ranking_scene, cast_dots):
    forum, challenge, p, ideas = ranking_scene
    cast_dots(p["res1"], ideas[1], 2)
    before = [(r.idea.id, r.rank, r.dots) for r in rank_ideas(challenge)]
    set_phase(forum, "closed", challenge)
    assert [(r.idea.id, r.rank, r.dots) for r in rank_ideas(challenge)] == before


def test_read_tokens_are_stored_hashed_and_stop_working_once_revoked(make_forum, make_staff, db):
    forum, other = make_forum(), make_forum()
    organiser = make_staff("organiser", owns=[forum])
    token, clear = create_read_token(forum, "  tableau de bord  ", organiser)
    db.session.commit()
    assert token.label == "tableau de bord"
    assert clear not in token.token_hash and len(token.token_hash) == 64
    assert token_for_bearer(forum, clear) == token
    assert token.last_used_at is not None
    assert token_for_bearer(other, clear) is None
    assert token_for_bearer(forum, clear + "x") is None
    assert revoke_read_token(other, token.id) is None
    assert revoke_read_token(forum, token.id) == token
    assert token_for_bearer(forum, clear) is None


@pytest.mark.parametrize(
    "peak, step", [(0, 1), (5, 1), (6, 2), (25, 5), (26, 10), (120, 25), (300, 100)]
)
def test_timeline_ticks_are_round_numbers(peak, step):
    from cite_vote.results.charts import nice_step

    assert nice_step(peak) == step


def _breakdown(forum, challenge, idea):
    from cite_vote.results.services import challenge_results

    (results,) = challenge_results(forum, [challenge])
    return next(r.by_category for r in results.by_dots if r.idea.id == idea.id)


def test_closed_results_do_not_move_when_a_voter_changes_category(
    every_category_shown, make_forum, make_participant, make_idea, cast_dots, db
):
    from cite_vote.votes.categories import join_forum

    forum = make_forum(phase="voting")
    challenge = forum.challenges[0]
    idea = make_idea(challenge)
    voter = make_participant(forum, category="citoyen·ne")
    cast_dots(voter, idea, 2)
    challenge.phase = "closed"
    db.session.commit()

    join_forum(forum, voter.token, category="association", via_ticket=True)
    db.session.commit()
    assert _breakdown(forum, challenge, idea) == {"citoyen·ne": 2}


def test_a_corrected_category_counts_while_the_challenge_is_open(
    every_category_shown, make_forum, make_participant, make_idea, cast_dots, db
):
    from cite_vote.votes.categories import join_forum

    forum = make_forum(phase="voting")
    challenge = forum.challenges[0]
    idea = make_idea(challenge)
    voter = make_participant(forum, category="citoyen·ne")
    cast_dots(voter, idea, 2)

    join_forum(forum, voter.token, category="association", via_ticket=True)
    db.session.commit()
    assert _breakdown(forum, challenge, idea) == {"association": 2}
    cast_dots(voter, make_idea(challenge, title="Autre"), 1)
    assert _breakdown(forum, challenge, idea) == {"association": 2}
