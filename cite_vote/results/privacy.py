"""What the published results may show without linking a ballot to a person.

DESIGN.md: "Secret ballot, public count ... Small categories are merged in public outputs." The
one element of the room here is a person seen voting, or known to be the only member of a
category; two rules keep every figure about ballots an aggregate of at least ``MIN_VOTERS``:

- **categories** (``category_groups``): in each challenge, a category held by fewer than
  ``MIN_VOTERS`` voters is not shown on its own; such categories are counted together as one
  group, "other". If that group itself has fewer than ``MIN_VOTERS`` voters, the smallest
  remaining category joins it, and the next, until it reaches ``MIN_VOTERS`` or it is the only
  group left. "No category" is a category for this rule. Every output that shows dots by
  category (results page, results.json, CSV, XLSX, cahier) reads ``ChallengeResults``, which
  holds only these groups.
- **the timeline** (``voter_steps``): the ranking's history moves by steps that each hold the
  changes of at least ``MIN_VOTERS`` distinct voters, so someone who saw a person vote at 14:31
  sees that person's dots only summed with at least four other people's.

docs/security.md ("Participants' privacy") and docs/results-log.md say what this does not cover.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _

from cite_vote.votes.record import SMALL_GROUP

# K: no published figure about ballots (a category's dots, a step of the timeline, a kind of
# ballot in the log) covers fewer voters than this. One number for all: the log's ballot kinds
# (votes/record.py) use it too.
MIN_VOTERS = SMALL_GROUP


class _Other:
    """The key of the merged group: no category's name can be equal to it."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "OTHER"


OTHER = _Other()
# A group as published: a category shown on its own (None: "no category"), or OTHER.
Group = str | None | _Other


@dataclass(frozen=True)
class CategoryGroups:
    """The groups of one challenge: the categories shown on their own, and those in OTHER."""

    alone: tuple[str | None, ...] = ()
    merged: tuple[str | None, ...] = ()

    @property
    def shown(self) -> list[Group]:
        """The groups in display order: the categories shown on their own, then "other"."""
        return [*self.alone, OTHER] if self.merged else list(self.alone)

    def group_of(self, category: str | None) -> Group:
        """A category not shown on its own (or not known here) is counted in "other"."""
        return category if category in self.alone else OTHER

    def fold(self, dots: Mapping[str | None, int]) -> dict[Group, int]:
        """Dots per category to dots per group (those with dots only, in display order).

        The groups add up to the same total as the categories."""
        out: dict[Group, int] = {}
        for category, n in dots.items():
            if n:
                group = self.group_of(category)
                out[group] = out.get(group, 0) + n
        return {g: out[g] for g in self.shown if g in out} | {
            g: n for g, n in out.items() if g not in self.shown
        }

    def is_room_group(self, group: Group) -> bool:
        """Counts for "carried across groups": a named category, or "other" if it holds one.
        "No category" on its own is a bucket of dots, not a group of the room."""
        if group is OTHER:
            return any(c is not None for c in self.merged)
        return group is not None


def category_groups(
    voters: Mapping[str | None, int], order: Sequence[str | None], k: int | None = None
) -> CategoryGroups:
    """Which categories of a challenge are shown on their own, and which are merged.

    ``voters``: per category, the participants holding dots in the challenge; ``order``: the
    display order of the categories. A category with fewer than K voters goes into "other";
    while "other" has fewer than K voters and another group remains, the smallest remaining
    category (the last listed among equals) joins it. Categories without voters are in no group.
    """
    k = MIN_VOTERS if k is None else k
    present = [c for c in dict.fromkeys([*order, *voters]) if voters.get(c, 0) > 0]
    alone = [c for c in present if voters[c] >= k]
    merged = [c for c in present if voters[c] < k]
    while merged and alone and sum(voters[c] for c in merged) < k:
        smallest = min(reversed(alone), key=lambda c: voters[c])
        alone.remove(smallest)
        merged.append(smallest)
    return CategoryGroups(alone=tuple(alone), merged=tuple(c for c in present if c in set(merged)))


def group_label(group: Group) -> str:
    """A group's name as a page, a spreadsheet or the cahier shows it."""
    if group is OTHER:
        return _("other")
    if group is None:
        return _("no category")
    return group


def merged_names(groups: CategoryGroups) -> str:
    """The categories counted in "other", named for a reader."""
    return ", ".join(group_label(c) for c in groups.merged)


def voter_steps(
    changes: Iterable[tuple[int, datetime, int, int]], k: int | None = None
) -> list[tuple[datetime, dict[int, int]]]:
    """Changes to dots as steps that each hold the changes of at least K distinct voters.

    ``changes``: (idea id, time, delta, participant id) in time order. A step closes on the
    change that brings its K-th distinct voter; a last step with fewer voters joins the one
    before it (with fewer than K voters in all, there is one step). Each step is its last
    change's time and the sum of its changes per idea, so replaying the steps gives the same
    totals as replaying the changes.
    """
    k = MIN_VOTERS if k is None else k
    steps: list[tuple[datetime, dict[int, int]]] = []
    voters: set[int] = set()
    sums: dict[int, int] = {}
    last: datetime | None = None
    for idea_id, at, delta, participant_id in changes:
        sums[idea_id] = sums.get(idea_id, 0) + delta
        voters.add(participant_id)
        last = at
        if len(voters) >= k:
            steps.append((at, sums))
            voters, sums = set(), {}
    if sums and last is not None:
        if steps:
            _at, before = steps.pop()
            for idea_id, delta in sums.items():
                before[idea_id] = before.get(idea_id, 0) + delta
            steps.append((last, before))
        else:
            steps.append((last, sums))
    return steps
