"""The ranking rule on its own, without a database: plain ideas in, two orders out."""

from datetime import datetime, timedelta
from types import SimpleNamespace

from cite_vote.results.privacy import CategoryGroups
from cite_vote.results.services import rank_challenge, score_idea

START = datetime(2026, 5, 1, 9, 0)


def scored(idea_id, split, *, minute=0, minimum=2):
    idea = SimpleNamespace(id=idea_id, created_at=START + timedelta(minutes=minute))
    groups = CategoryGroups(alone=("research", "business", None))
    return score_idea(idea, split, comments=0, groups=groups, minimum=minimum)


def test_dots_then_supporters_then_earliest_proposed():
    late_many = scored(1, {"research": (5, 3)}, minute=9)
    early_many = scored(2, {"research": (5, 3)}, minute=1)
    fewer_supporters = scored(3, {"research": (5, 1)}, minute=0)
    most_dots = scored(4, {"business": (7, 2)}, minute=5)
    by_dots, _cross = rank_challenge([late_many, early_many, fewer_supporters, most_dots])
    assert [r.idea.id for r in by_dots] == [4, 2, 1, 3]
    assert [(r.rank, r.tied) for r in by_dots] == [(1, False), (2, True), (2, True), (4, False)]


def test_cross_group_order_puts_the_most_categories_first():
    one_group = scored(1, {"research": (9, 4)})
    two_groups = scored(2, {"research": (1, 1), "business": (1, 1)}, minute=1)
    uncategorised = scored(3, {None: (3, 1), "research": (1, 1)}, minute=2)
    by_dots, by_cross = rank_challenge([one_group, two_groups, uncategorised])
    assert [r.idea.id for r in by_dots] == [1, 3, 2]
    assert [r.idea.id for r in by_cross] == [2, 1, 3]
    assert [r.cross_group for r in by_cross] == [True, False, False]
    # The place by dots stays known whatever order an idea is listed in.
    assert [r.dots_rank for r in by_cross] == [3, 1, 2]


def test_no_ideas_no_ranking():
    assert rank_challenge([]) == ([], [])
