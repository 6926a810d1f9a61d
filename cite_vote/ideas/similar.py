"""Ideas that look alike: to suggest supporting one before proposing it again, and to help
facilitators find duplicates to merge.

Titles are compared after folding French text: accents and case removed, short words that
carry no meaning dropped, plurals folded (a trailing s or x), so that "Créer un tiers-lieu
pour les jeunes" and "tiers lieux jeunes : en créer un" compare as the same words.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from itertools import combinations

from sqlalchemy import select

from cite_vote.extensions import db
from cite_vote.forums.models import Challenge, Forum
from cite_vote.ideas.models import Idea

STOP_WORDS = frozenset(
    [
        "a",
        "au",
        "aux",
        "avec",
        "d",
        "dans",
        "de",
        "des",
        "du",
        "en",
        "et",
        "l",
        "la",
        "le",
        "les",
        "ou",
        "par",
        "pour",
        "sur",
        "un",
        "une",
    ]
)
# Scores are 0-100. Above this, two titles are shown as "looks alike".
THRESHOLD = 80.0
WORD = re.compile(r"[a-z0-9]+")


def fold(text: str) -> str:
    """Accent- and case-free words of ``text``, without stop words, plurals folded."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    words = []
    for word in WORD.findall(plain):
        if word in STOP_WORDS:
            continue
        if len(word) > 3 and word[-1] in "sx":
            word = word[:-1]
        words.append(word)
    return " ".join(words)


def score(a: str, b: str) -> float:
    """How alike two titles are, 0 to 100, insensitive to word order."""
    return folded_score(fold(a), fold(b))


def folded_score(fa: str, fb: str) -> float:
    """``score`` of two titles already folded (fold each title once when comparing many).

    The set ratio alone rates any title that contains another as identical ("jeunes" would
    match every idea about young people), so it is blended with the sorted-words ratio, and
    a one-word title is compared by the sorted ratio only.
    """
    if not fa or not fb:
        return 0.0
    fuzz = rapidfuzz()
    sort = fuzz.token_sort_ratio(fa, fb)
    if " " not in fa or " " not in fb:
        return sort
    return 0.6 * fuzz.token_set_ratio(fa, fb) + 0.4 * sort


@functools.cache
def rapidfuzz():
    """rapidfuzz's scorers, imported by the first comparison: 3.9 MB that a web worker serving
    only votes and pages never loads (tests/test_deploy_settings.py)."""
    from rapidfuzz import fuzz

    return fuzz


def similar_ideas(challenge: Challenge, title: str, *, limit: int = 3) -> list[Idea]:
    """Visible ideas of the challenge whose title looks like ``title``, most alike first."""
    if len(fold(title)) < 3:
        return []
    ideas = db.session.scalars(
        select(Idea).where(Idea.challenge_id == challenge.id, Idea.status == "visible")
    ).all()
    folded = fold(title)
    scored = [(folded_score(folded, fold(idea.title)), idea) for idea in ideas]
    alike = sorted(
        (pair for pair in scored if pair[0] >= THRESHOLD), key=lambda p: (-p[0], p[1].id)
    )
    return [idea for _, idea in alike[:limit]]


@dataclass(frozen=True)
class DuplicatePair:
    """``newer`` looks like a duplicate of ``older``: merging it into ``older`` is suggested."""

    older: Idea
    newer: Idea
    score: float


def duplicate_pairs(forum: Forum, *, limit: int = 30) -> list[DuplicatePair]:
    """Likely duplicates among the forum's open ideas, pair by pair within each challenge."""
    ideas = db.session.scalars(
        select(Idea)
        .join(Challenge, Challenge.id == Idea.challenge_id)
        .where(
            Challenge.forum_id == forum.id,
            Challenge.archived.is_(False),
            Challenge.phase != "closed",
            Idea.status.in_(("visible", "pending")),
        )
        .order_by(Idea.challenge_id, Idea.created_at, Idea.id)
    ).all()
    by_challenge: dict[int, list[Idea]] = {}
    for idea in ideas:
        by_challenge.setdefault(idea.challenge_id, []).append(idea)
    pairs = []
    for group in by_challenge.values():
        folded = [(idea, fold(idea.title)) for idea in group]
        for (a, fa), (b, fb) in combinations(folded, 2):
            value = folded_score(fa, fb)
            if value >= THRESHOLD:
                pairs.append(DuplicatePair(older=a, newer=b, score=value))
    pairs.sort(key=lambda p: (-p.score, p.older.id, p.newer.id))
    return pairs[:limit]
