"""Ranking: one function decides the order that every view and export shows.

``challenge_results`` computes, for a list of challenges and in a fixed number of queries, the
ranked ideas with everything a page, an export or the cahier shows about them. Every results
view and every download goes through it, so the screen and the files cannot disagree.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from cite_vote.accounts.models import StaffUser
from cite_vote.extensions import db
from cite_vote.forums.models import Challenge, Forum
from cite_vote.forums.services import open_to_participants
from cite_vote.ideas.models import Comment, Idea
from cite_vote.refusals import RuleError
from cite_vote.results.models import ReadToken
from cite_vote.results.privacy import CategoryGroups, Group, category_groups, voter_steps
from cite_vote.timeutil import utcnow
from cite_vote.tokens import hash_token, new_token
from cite_vote.votes.models import Ballot, LedgerEntry, Vote

ORDERS = ("dots", "cross")
SCOPES = ("all", "shortlist")
TOKEN_PREFIX = "cvr_"
LABEL_MAX = 120
# The ledger is touched at most this often per token, so a polling script does not take the
# database's write lock on every request.
TOKEN_TOUCH_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class RankedIdea:
    """One idea in a ranking. ``rank`` and ``tied`` belong to the order it was listed in."""

    idea: Idea
    rank: int
    tied: bool
    dots: int
    supporters: int
    comments: int = 0
    # Dots given by each group of its challenge (results.privacy): a category shown on its own
    # (None is "no category") or OTHER, the small categories merged; only groups with dots.
    by_category: dict[Group, int] = field(default_factory=dict)
    # Groups of the room that gave it at least one dot (``CategoryGroups.is_room_group``).
    categories_supporting: int = 0
    cross_group: bool = False
    # Its place by dots, whatever order it is listed in.
    dots_rank: int = 0


@dataclass
class ChallengeResults:
    challenge: Challenge
    by_dots: list[RankedIdea]
    by_cross_group: list[RankedIdea]
    # Every category in display order: the forum's, any other seen, then None (for colours).
    buckets: list[str | None]
    # The groups its dots are shown by: small categories merged (results.privacy).
    groups: CategoryGroups
    shortlist_size: int
    cross_group_min: int
    # Ideas not in the ranking (pending, hidden, merged), for the organisers' exports.
    unranked: list[Idea] = field(default_factory=list)
    comments: dict[int, list[Comment]] = field(default_factory=dict)
    voters: int = 0
    # The order bias (results.bias.OrderBias), when the caller asked for it (add_order_bias).
    bias: Any = None

    @property
    def categories(self) -> list[Group]:
        """The groups shown for this challenge, in display order."""
        return self.groups.shown

    def ordered(self, order: str = "dots") -> list[RankedIdea]:
        return self.by_cross_group if order == "cross" else self.by_dots

    def shortlist(self, order: str = "dots") -> list[RankedIdea]:
        """The top N: every idea ranked N or better (ties at the edge stay in), with dots."""
        return [r for r in self.ordered(order) if r.rank <= self.shortlist_size and r.dots > 0]

    def rows(self, order: str = "dots", scope: str = "all") -> list[RankedIdea]:
        return self.shortlist(order) if scope == "shortlist" else self.ordered(order)

    @property
    def total_dots(self) -> int:
        return sum(r.dots for r in self.by_dots)

    @property
    def max_dots(self) -> int:
        return max((r.dots for r in self.by_dots), default=0)


def _assign_ranks(ordered: list[RankedIdea], score) -> list[RankedIdea]:
    """Equal scores share the rank of the first of them, and every one of them says so."""
    ranks: list[int] = []
    for position, item in enumerate(ordered, start=1):
        same = position > 1 and score(ordered[position - 2]) == score(item)
        ranks.append(ranks[-1] if same else position)
    counts: dict[int, int] = defaultdict(int)
    for rank in ranks:
        counts[rank] += 1
    return [
        replace(item, rank=rank, tied=counts[rank] > 1)
        for item, rank in zip(ordered, ranks, strict=True)
    ]


def dots_key(r: RankedIdea):
    return (-r.dots, -r.supporters, r.idea.created_at, r.idea.id)


def cross_key(r: RankedIdea):
    return (-r.categories_supporting, -r.dots, -r.supporters, r.idea.created_at, r.idea.id)


def category_buckets(forum: Forum, seen: set[str | None]) -> list[str | None]:
    named = list(forum.categories or [])
    extra = sorted(c for c in seen if c is not None and c not in named)
    return [*named, *extra, None]


def challenge_results(
    forum: Forum, challenges: list[Challenge], *, with_comments: bool = False
) -> list[ChallengeResults]:
    """Everything about the rankings of these challenges, in a fixed number of queries.

    Total dots, then distinct supporters, then earliest proposed; ideas equal on dots and
    supporters share a rank. The cross-group order puts first the ideas that the most
    categories support, then uses the same rule. Dots by category are by the groups of
    ``results.privacy.category_groups`` (small categories merged), so no output built from
    these results shows a small category's dots. Loading is ``_load``; the ranking itself is
    ``score_idea`` and ``rank_challenge``, pure functions tested without a database.
    """
    if not challenges:
        return []
    loaded = _load(forum, challenges, with_comments=with_comments)
    buckets = category_buckets(forum, {c for per in loaded.breakdown.values() for c in per})
    minimum = max(forum.cross_group_min or 1, 1)
    groups = {c.id: category_groups(loaded.category_voters(c.id), buckets) for c in challenges}

    per_challenge: dict[int, list[RankedIdea]] = defaultdict(list)
    unranked: dict[int, list[Idea]] = defaultdict(list)
    for idea in loaded.ideas:
        if idea.status != "visible":
            unranked[idea.challenge_id].append(idea)
            continue
        per_challenge[idea.challenge_id].append(
            score_idea(
                idea,
                loaded.breakdown.get(idea.id, {}),
                comments=loaded.counts.get(idea.id, 0),
                groups=groups[idea.challenge_id],
                minimum=minimum,
            )
        )

    results = []
    for challenge in challenges:
        by_dots, by_cross = rank_challenge(per_challenge.get(challenge.id, []))
        results.append(
            ChallengeResults(
                challenge=challenge,
                by_dots=by_dots,
                by_cross_group=by_cross,
                buckets=buckets,
                groups=groups[challenge.id],
                shortlist_size=forum.shortlist_size,
                cross_group_min=minimum,
                unranked=unranked.get(challenge.id, []),
                comments=(
                    {i: loaded.comments.get(i, []) for i in loaded.visible_ids}
                    if with_comments
                    else {}
                ),
                voters=int(loaded.voters.get(challenge.id, 0)),
            )
        )
    return results


@dataclass
class _Loaded:
    """What the rankings of some challenges are computed from, read in a fixed number of queries."""

    ideas: list[Idea]
    # Per idea, per participant category: (dots, supporters).
    breakdown: dict[int, dict[str | None, tuple[int, int]]]
    visible_ids: list[int]
    counts: dict[int, int]
    comments: dict[int, list[Comment]]
    voters: dict[int, int]
    # Per challenge, per participant category: the participants holding dots there.
    voters_by_category: dict[int, dict[str | None, int]] = field(default_factory=dict)

    def category_voters(self, challenge_id: int) -> dict[str | None, int]:
        """Voters per category; never fewer than an idea's supporters of that category (the
        two counts are separate statements: a vote between them must not leave dots without
        voters, which would show a category's dots on their own)."""
        voters = dict(self.voters_by_category.get(challenge_id, {}))
        for idea in self.ideas:
            if idea.challenge_id == challenge_id:
                for category, (_dots, n) in self.breakdown.get(idea.id, {}).items():
                    voters[category] = max(voters.get(category, 0), n)
        return voters


def _load(forum: Forum, challenges: list[Challenge], *, with_comments: bool) -> _Loaded:
    ids = [c.id for c in challenges]
    ideas = db.session.scalars(
        select(Idea)
        .options(selectinload(Idea.author))
        .where(Idea.challenge_id.in_(ids))
        .order_by(Idea.created_at, Idea.id)
    ).all()
    breakdown: dict[int, dict[str | None, tuple[int, int]]] = defaultdict(dict)
    rows = db.session.execute(
        select(Vote.idea_id, Vote.category, func.sum(Vote.dots), func.count())
        .where(Vote.challenge_id.in_(ids), Vote.dots > 0)
        .group_by(Vote.idea_id, Vote.category)
    )
    for idea_id, category, dots, supporters in rows:
        breakdown[idea_id][category] = (int(dots), int(supporters))
    visible_ids = [i.id for i in ideas if i.status == "visible"]
    counts: dict[int, int] = {}
    comments: dict[int, list[Comment]] = defaultdict(list)
    if visible_ids:
        if with_comments:
            for comment in db.session.scalars(
                select(Comment)
                .where(Comment.idea_id.in_(visible_ids), Comment.status == "visible")
                .order_by(Comment.created_at, Comment.id)
            ):
                comments[comment.idea_id].append(comment)
            counts = {idea_id: len(items) for idea_id, items in comments.items()}
        else:
            counts = dict(
                db.session.execute(
                    select(Comment.idea_id, func.count())
                    .where(Comment.idea_id.in_(visible_ids), Comment.status == "visible")
                    .group_by(Comment.idea_id)
                ).all()
            )
    voters = dict(
        db.session.execute(
            select(Ballot.challenge_id, func.count())
            .where(Ballot.challenge_id.in_(ids), Ballot.dots_spent > 0)
            .group_by(Ballot.challenge_id)
        ).all()
    )
    voters_by_category: dict[int, dict[str | None, int]] = defaultdict(dict)
    for challenge_id, category, n in db.session.execute(
        select(Vote.challenge_id, Vote.category, func.count(func.distinct(Vote.participant_id)))
        .where(Vote.challenge_id.in_(ids), Vote.dots > 0)
        .group_by(Vote.challenge_id, Vote.category)
    ):
        voters_by_category[challenge_id][category] = int(n)
    return _Loaded(
        list(ideas), breakdown, visible_ids, counts, comments, voters, voters_by_category
    )


def score_idea(
    idea: Idea,
    split: dict[str | None, tuple[int, int]],
    *,
    comments: int,
    groups: CategoryGroups,
    minimum: int,
) -> RankedIdea:
    """One idea's scores from its (dots, supporters) per category; not ranked yet.

    Its dots by category and its count of supporting groups are by the challenge's published
    groups: a small category merged into "other" is neither shown nor counted on its own
    (counting it would tell whether its one voter supported the idea)."""
    by_group = groups.fold({c: d for c, (d, _n) in split.items()})
    supporting = sum(1 for g in by_group if groups.is_room_group(g))
    return RankedIdea(
        idea=idea,
        rank=0,
        tied=False,
        dots=sum(d for d, _n in split.values()),
        supporters=sum(n for _d, n in split.values()),
        comments=comments,
        by_category=by_group,
        categories_supporting=supporting,
        cross_group=supporting >= minimum,
    )


def rank_challenge(items: list[RankedIdea]) -> tuple[list[RankedIdea], list[RankedIdea]]:
    """One challenge's two orders: by dots, and cross-group first. Pure: no database.

    By dots: total dots, then distinct supporters, then earliest proposed; equal dots and
    supporters share a rank. Cross-group: most categories supporting first, then the same.
    """
    by_dots = _assign_ranks(sorted(items, key=dots_key), lambda r: (r.dots, r.supporters))
    by_dots = [replace(r, dots_rank=r.rank) for r in by_dots]
    by_cross = _assign_ranks(
        sorted(by_dots, key=cross_key),
        lambda r: (r.categories_supporting, r.dots, r.supporters),
    )
    return by_dots, by_cross


def rank_ideas(challenge: Challenge) -> list[RankedIdea]:
    """Total dots, then distinct supporters, then earliest proposed.

    Ideas equal on dots and supporters share a rank (and say so); among them the earlier
    proposal is listed first, so the order is deterministic.
    """
    return challenge_results(challenge.forum, [challenge])[0].by_dots


# --- who sees what ----------------------------------------------------------------------------


def participant_may_see(forum: Forum, challenge: Challenge) -> bool:
    """A participant sees a challenge's results once it is closed, or earlier if allowed."""
    if not open_to_participants(challenge):
        return False
    return challenge.phase == "closed" or forum.results_public_early


# --- how the ranking evolved ------------------------------------------------------------------


@dataclass
class Timeline:
    start: datetime | None
    end: datetime | None
    # For each idea of the top, its cumulative dots after each change, in time order.
    series: list[tuple[RankedIdea, list[tuple[datetime, int]]]]

    @property
    def peak(self) -> int:
        return max((v for _r, points in self.series for _t, v in points), default=0)


def ranking_timeline(results: ChallengeResults, top: int | None = None) -> Timeline:
    """Cumulative dots over time of the top ideas, replayed from the append-only ledger.

    Replayed by steps of at least ``privacy.MIN_VOTERS`` distinct voters (``voter_steps``),
    not change by change: whoever saw a person vote at 14:31 cannot read that person's dots
    off the chart. Every viewer, staff included, sees the same steps."""
    leaders = [r for r in results.by_dots if r.dots > 0][: top or results.shortlist_size]
    if not leaders:
        return Timeline(None, None, [])
    entries = db.session.execute(
        select(
            LedgerEntry.idea_id,
            LedgerEntry.created_at,
            LedgerEntry.delta,
            LedgerEntry.participant_id,
        )
        .where(LedgerEntry.idea_id.in_([r.idea.id for r in leaders]))
        .order_by(LedgerEntry.created_at, LedgerEntry.id)
    ).all()
    points: dict[int, list[tuple[datetime, int]]] = defaultdict(list)
    running: dict[int, int] = defaultdict(int)
    for at, sums in voter_steps(entries):
        for idea_id, delta in sums.items():
            running[idea_id] += delta
            points[idea_id].append((at, running[idea_id]))
    times = [entry.created_at for entry in entries]
    start, end = (min(times), max(times)) if times else (None, None)
    return Timeline(start, end, [(r, points.get(r.idea.id, [])) for r in leaders])


# --- read-only tokens -------------------------------------------------------------------------


def forum_tokens(forum: Forum) -> Select[tuple[ReadToken]]:
    return (
        select(ReadToken)
        .where(ReadToken.forum_id == forum.id)
        .order_by(ReadToken.created_at.desc(), ReadToken.id.desc())
    )


def create_read_token(forum: Forum, label: str, user: StaffUser) -> tuple[ReadToken, str]:
    """A new token for this forum's results; the clear token is returned once, never stored."""
    label = (label or "").strip()
    if len(label) > LABEL_MAX:
        raise RuleError(_l("The label is too long."))
    clear = TOKEN_PREFIX + new_token()
    token = ReadToken(
        forum_id=forum.id, token_hash=hash_token(clear), label=label, created_by_id=user.id
    )
    db.session.add(token)
    db.session.flush()
    return token, clear


def revoke_read_token(forum: Forum, token_id: int) -> ReadToken | None:
    """Revoke a token of this forum (None if it is not one); revoking twice changes nothing."""
    token = db.session.get(ReadToken, token_id)
    if token is None or token.forum_id != forum.id:
        return None
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        db.session.flush()
    return token


def token_for_bearer(forum: Forum, clear: str) -> ReadToken | None:
    """The live token of this forum with this value, marked as used; None otherwise."""
    if not clear or not clear.startswith(TOKEN_PREFIX) or len(clear) > 200:
        return None
    token = db.session.scalar(
        select(ReadToken).where(
            ReadToken.token_hash == hash_token(clear),
            ReadToken.forum_id == forum.id,
            ReadToken.revoked_at.is_(None),
        )
    )
    if token is not None:
        now = utcnow()
        if token.last_used_at is None or now - token.last_used_at >= TOKEN_TOUCH_EVERY:
            token.last_used_at = now
            db.session.flush()
    return token
