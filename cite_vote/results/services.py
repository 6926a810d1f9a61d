"""Ranking: one function decides the order that every view and export shows.

``challenge_results`` computes, for a list of challenges and in a fixed number of queries, the
ranked ideas with everything a page, an export or the cahier shows about them. Every results
view and every download goes through it, so the screen and the files cannot disagree.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from cite_vote.accounts.models import StaffUser
from cite_vote.accounts.services import hash_token
from cite_vote.extensions import db
from cite_vote.forums.models import Challenge, Forum
from cite_vote.forums.services import open_to_participants
from cite_vote.ideas.models import Comment, Idea
from cite_vote.refusals import RuleError
from cite_vote.results.models import ReadToken
from cite_vote.timeutil import utcnow
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
    # Dots given by each participant category; the key None is "no category".
    by_category: dict[str | None, int] = field(default_factory=dict)
    # Named categories that gave it at least one dot ("no category" is not a group).
    categories_supporting: int = 0
    cross_group: bool = False
    # Its place by dots, whatever order it is listed in.
    dots_rank: int = 0


@dataclass
class ChallengeResults:
    challenge: Challenge
    by_dots: list[RankedIdea]
    by_cross_group: list[RankedIdea]
    # Buckets in display order: the forum's categories, any other seen, then None.
    categories: list[str | None]
    shortlist_size: int
    cross_group_min: int
    # Ideas not in the ranking (pending, hidden, merged), for the organisers' exports.
    unranked: list[Idea] = field(default_factory=list)
    comments: dict[int, list[Comment]] = field(default_factory=dict)
    voters: int = 0
    # The order bias (results.bias.OrderBias), when the caller asked for it (add_order_bias).
    bias: Any = None

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
    categories support, then uses the same rule. Loading is ``_load``; the ranking itself is
    ``score_idea`` and ``rank_challenge``, pure functions tested without a database.
    """
    if not challenges:
        return []
    loaded = _load(forum, challenges, with_comments=with_comments)
    buckets = category_buckets(forum, {c for per in loaded.breakdown.values() for c in per})
    minimum = max(forum.cross_group_min or 1, 1)

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
                buckets=buckets,
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
                categories=buckets,
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
    return _Loaded(list(ideas), breakdown, visible_ids, counts, comments, voters)


def score_idea(
    idea: Idea,
    split: dict[str | None, tuple[int, int]],
    *,
    comments: int,
    buckets: list[str | None],
    minimum: int,
) -> RankedIdea:
    """One idea's scores from its (dots, supporters) per category; not ranked yet."""
    groups = sum(1 for c, (d, _n) in split.items() if c is not None and d > 0)
    return RankedIdea(
        idea=idea,
        rank=0,
        tied=False,
        dots=sum(d for d, _n in split.values()),
        supporters=sum(n for _d, n in split.values()),
        comments=comments,
        by_category={c: split[c][0] for c in buckets if c in split},
        categories_supporting=groups,
        cross_group=groups >= minimum,
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
    """Cumulative dots over time of the top ideas, replayed from the append-only ledger."""
    leaders = [r for r in results.by_dots if r.dots > 0][: top or results.shortlist_size]
    if not leaders:
        return Timeline(None, None, [])
    entries = db.session.execute(
        select(LedgerEntry.idea_id, LedgerEntry.created_at, LedgerEntry.delta)
        .where(LedgerEntry.idea_id.in_([r.idea.id for r in leaders]))
        .order_by(LedgerEntry.created_at, LedgerEntry.id)
    ).all()
    points: dict[int, list[tuple[datetime, int]]] = defaultdict(list)
    running: dict[int, int] = defaultdict(int)
    for idea_id, at, delta in entries:
        running[idea_id] += delta
        points[idea_id].append((at, running[idea_id]))
    times = [at for _i, at, _d in entries]
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
    clear = TOKEN_PREFIX + secrets.token_urlsafe(32)
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
