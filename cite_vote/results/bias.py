"""Order bias: did the order in which ideas were shown weigh on the votes?

During voting each participant sees the ideas in an order of their own (``ideas.services.
personal_order``, from their ``shuffle_seed``). That order is recomputed here for every
participant who holds dots in the challenge (the voters; page loads are not recorded, so people
who looked without voting are not counted), over the ideas in the final ranking. The relative
order of those ideas on each screen is exactly what the person saw; the absolute position may
differ by the ideas hidden or merged later, which were shown too.

The measure is Spearman's rank correlation (ties get average ranks), standard library only:
over every (voter, idea) pair, the idea's position on that voter's screen against the dots that
voter placed on it, ranked within each idea and pooled (n = voters × ideas). It asks: did the
people who saw an idea higher give it more dots? Comparing voters on the same idea keeps the
idea's own appeal out of it. The p-value uses the normal approximation (z = rho * sqrt(n - k),
k ideas); the pairs of one voter are not independent (their dots sum to their budget), so it is
read as a signal, not as a proof.

A position effect decides the ranking only if the top ideas owe their order to it: each idea's
dots are corrected by what its positions gave it (the mean dots per position, summed over its
voters' screens, above the average idea), and the top N (the shortlist) must keep its order.

What people read is none of these figures but the size of the effect in percentage points: the
share of the dots that went to the ideas in the top third of each voter's list, against the
share that no effect would give. That baseline counts each idea's own dots as often as the idea
was in the top third of its voters' screens (an idea everyone likes, shown high by chance, is
no effect). Whether it is a sign that the order weighed is the test above; rho and p appear in
results.json only.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from flask_babel import format_decimal, ngettext
from flask_babel import gettext as _
from sqlalchemy import select

from cite_vote.accounts.models import Participant
from cite_vote.extensions import db
from cite_vote.ideas.services import position_key
from cite_vote.results.services import ChallengeResults
from cite_vote.votes.models import Ballot, Vote
from cite_vote.votes.paper import paper_holders

SIGNIFICANCE = 0.05
# Below these, the sentence says there is too little to measure.
MIN_VOTERS = 5
MIN_IDEAS = 3

NOT_ENOUGH = "not_enough"
NO_LINK = "no_link"
LINK_NOT_DECISIVE = "link_not_decisive"
MAY_HAVE_WEIGHED = "may_have_weighed"


@dataclass(frozen=True)
class Correlation:
    rho: float | None
    n: int
    p: float | None

    @property
    def significant(self) -> bool:
        return self.p is not None and self.p < SIGNIFICANCE


@dataclass
class OrderBias:
    """One challenge's order bias: per idea its mean position, and the two correlations."""

    voters: int
    ideas: int
    # Idea id -> mean position on voters' screens (1 = top), over the ranked ideas.
    mean_position: dict[int, float] = field(default_factory=dict)
    within: Correlation = Correlation(None, 0, None)
    # The top N checked, and whether its order survives the correction for position.
    top: int = 0
    order_holds: bool = True
    # The top of the screen: the first ``screen_top`` positions of each voter's list (a third).
    # The share of all dots placed there, and the share no position effect would give.
    screen_top: int = 0
    top_share: float | None = None
    top_share_expected: float | None = None

    @property
    def top_points(self) -> float | None:
        """The gap in percentage points, as the sentence prints it: the difference of the two
        shares rounded to one decimal each, so that the three figures read add up."""
        if self.top_share is None or self.top_share_expected is None:
            return None
        return round(round(self.top_share * 100, 1) - round(self.top_share_expected * 100, 1), 1)

    @property
    def verdict(self) -> str:
        if self.voters < MIN_VOTERS or self.ideas < MIN_IDEAS:
            return NOT_ENOUGH
        # rho undefined with enough voters: each idea got the same dots from everyone, wherever
        # they saw it, so position made no difference.
        if self.within.rho is None or not self.within.significant:
            return NO_LINK
        # A position effect decides the ranking only if the ideas that came out on top owe
        # their order to having been shown where voters gave more.
        return LINK_NOT_DECISIVE if self.order_holds else MAY_HAVE_WEIGHED

    def sentence(self) -> str:
        """The plain sentence the results page and the cahier print: the effect in percentage
        points, then whether there is a sign that the order weighed. No rho, no p."""
        verdict = self.verdict
        if verdict == NOT_ENOUGH:
            return _(
                "Too few votes to measure whether the order in which ideas were shown "
                "mattered (%(voters)d voters, %(ideas)d ideas).",
                voters=self.voters,
                ideas=self.ideas,
            )
        figures = self._figures()
        if verdict == NO_LINK:
            sign = _("No sign that the order of display weighed on the votes.")
        elif verdict == LINK_NOT_DECISIVE:
            if self.within.rho < 0:  # position 1 is the top: fewer = higher
                sign = _(
                    "Voters seem to have given more dots to ideas shown near the top of their "
                    "screen, but each person saw their own order: once each idea's dots are "
                    "corrected for where it was shown, the top %(top)d keep their order.",
                    top=self.top,
                )
            else:
                sign = _(
                    "Voters seem to have given more dots to ideas shown near the bottom of "
                    "their screen, but each person saw their own order: once each idea's dots "
                    "are corrected for where it was shown, the top %(top)d keep their order.",
                    top=self.top,
                )
        elif self.within.rho < 0:
            sign = _(
                "Voters seem to have given more dots to ideas shown near the top of their "
                "screen, and once each idea's dots are corrected for where it was shown, the "
                "order of the top %(top)d changes: the order of display may have weighed on the "
                "ranking; read close ranks with care.",
                top=self.top,
            )
        else:
            sign = _(
                "Voters seem to have given more dots to ideas shown near the bottom of their "
                "screen, and once each idea's dots are corrected for where it was shown, the "
                "order of the top %(top)d changes: the order of display may have weighed on the "
                "ranking; read close ranks with care.",
                top=self.top,
            )
        return f"{figures} {sign}" if figures else sign

    def _figures(self) -> str:
        """« 40,7 % des points sont allés aux idées affichées en haut de l'écran (…), contre
        33,3 % si l'ordre n'avait joué aucun rôle : +7,4 points de pourcentage. »"""
        points = self.top_points
        if points is None:
            return ""
        return _(
            "%(share)s of the dots went to the ideas shown at the top of the screen "
            "(%(where)s), against %(expected)s had the order played no part: %(gap)s.",
            share=_percent(self.top_share),
            where=ngettext(
                "the first idea of each voter's list of %(ideas)d",
                "the first %(num)d ideas of each voter's list of %(ideas)d",
                self.screen_top,
                ideas=self.ideas,
            ),
            expected=_percent(self.top_share_expected),
            gap=ngettext(
                "%(points)s percentage point",
                "%(points)s percentage points",
                int(abs(points)),
                points=format_decimal(points + 0.0, format="+0.0;-0.0"),  # + 0.0: no "-0,0"
            ),
        )


def _percent(share: float) -> str:
    """40.7% in English, 40,7 % in French (one decimal)."""
    return _("%(num)s%%", num=format_decimal(round(share * 100, 1), format="0.0"))


def screen_top(ideas: int) -> int:
    """How many positions make the top of the screen: the first third of the list (rounded),
    at least one."""
    return max(1, round(ideas / 3))


# --- statistics (pure) ------------------------------------------------------------------------


def average_ranks(values: list[float]) -> list[float]:
    """Ranks 1..n; equal values share the mean of the ranks they span.

    Counted per distinct value: positions and dots take few values, so this stays linear.
    """
    counts = Counter(values)
    rank_of: dict[float, float] = {}
    below = 0
    for value in sorted(counts):
        rank_of[value] = below + (counts[value] + 1) / 2
        below += counts[value]
    return [rank_of[v] for v in values]


def spearman(xs: list[float], ys: list[float]) -> Correlation:
    """Spearman's rho (Pearson's on average ranks) with n and a two-sided p-value.

    rho is None when it is undefined: fewer than 3 pairs, or one side constant.
    """
    n = len(xs)
    if n != len(ys):
        raise ValueError("xs and ys differ in length")
    if n < 3:
        return Correlation(None, n, None)
    rx, ry = average_ranks(xs), average_ranks(ys)
    mx, my = sum(rx) / n, sum(ry) / n
    sxy = sum((a - mx) * (b - my) for a, b in zip(rx, ry, strict=True))
    sxx = sum((a - mx) ** 2 for a in rx)
    syy = sum((b - my) ** 2 for b in ry)
    if sxx == 0 or syy == 0:
        return Correlation(None, n, None)
    rho = max(-1.0, min(1.0, sxy / math.sqrt(sxx * syy)))
    z = abs(rho) * math.sqrt(n - 1)
    return Correlation(rho, n, math.erfc(z / math.sqrt(2)))


def stratified_spearman(groups: list[tuple[list[float], list[float]]]) -> Correlation:
    """Spearman's rho within groups, pooled: each group's average ranks centred on its mean.

    Per idea, across its voters: did those who saw it higher give it more dots? Pooling the
    ideas keeps an idea's own appeal out of the measure (a popular idea shown high by chance
    would otherwise look like a position effect). Under independence the pooled rho has a
    variance close to 1 / (n - groups).
    """
    sxy = sxx = syy = 0.0
    n = 0
    for xs, ys in groups:
        if len(xs) < 2:
            continue
        rx, ry = average_ranks(xs), average_ranks(ys)
        mx, my = sum(rx) / len(rx), sum(ry) / len(ry)
        sxy += sum((a - mx) * (b - my) for a, b in zip(rx, ry, strict=True))
        sxx += sum((a - mx) ** 2 for a in rx)
        syy += sum((b - my) ** 2 for b in ry)
        n += len(xs)
    used = sum(1 for xs, _ys in groups if len(xs) >= 2)
    if n - used < 2 or sxx == 0 or syy == 0:
        return Correlation(None, n, None)
    rho = max(-1.0, min(1.0, sxy / math.sqrt(sxx * syy)))
    z = abs(rho) * math.sqrt(n - used)
    return Correlation(rho, n, math.erfc(z / math.sqrt(2)))


def measure(
    ranked_ids: list[int],
    seeds: list[int],
    dots: dict[tuple[int, int], int],
    voter_ids: list[int],
    top: int = 5,
) -> OrderBias:
    """Order bias of one challenge from its ranked ideas (in ranking order), its voters' seeds
    and their dots. ``dots`` maps (voter id, idea id) to the dots that voter holds on it.

    The correction: ``effect[p]`` is the mean dots an idea got from a voter who showed it at
    position p; an idea's expected dots from its positions alone is the sum of ``effect`` over
    its voters' screens. Its corrected score is its dots minus what its positions gave it above
    the average idea. If the top ``top`` ideas keep their order under the corrected scores, the
    top keeps its order whatever the screens showed.
    """
    positions: dict[int, list[int]] = defaultdict(list)
    given: dict[int, list[int]] = defaultdict(list)
    at_position: dict[int, list[int]] = defaultdict(list)
    head = screen_top(len(ranked_ids))
    shown_on_top: Counter[int] = Counter()  # idea id -> screens that put it in the top third
    for voter_id, seed in zip(voter_ids, seeds, strict=True):
        shown = sorted(ranked_ids, key=lambda idea_id, s=seed: position_key(s, idea_id))
        for position, idea_id in enumerate(shown, start=1):
            d = dots.get((voter_id, idea_id), 0)
            positions[idea_id].append(position)
            given[idea_id].append(d)
            at_position[position].append(d)
        shown_on_top.update(shown[:head])
    mean = {i: sum(p) / len(p) for i, p in positions.items()}
    effect = {p: sum(d) / len(d) for p, d in at_position.items()}
    expected = {i: sum(effect[p] for p in positions[i]) for i in ranked_ids if i in positions}
    average = sum(expected.values()) / len(expected) if expected else 0.0
    corrected = {i: sum(given[i]) - (expected[i] - average) for i in expected}
    # The top of the screen: dots placed there, against each idea's dots spread over its
    # voters' screens as often as it was in the top third (what no position effect gives).
    total = sum(sum(d) for d in given.values())
    on_top = sum(sum(at_position.get(p, [])) for p in range(1, head + 1))
    no_effect = sum(sum(given[i]) * shown_on_top[i] for i in given) / len(voter_ids) if total else 0
    return OrderBias(
        voters=len(voter_ids),
        ideas=len(ranked_ids),
        mean_position=mean,
        within=stratified_spearman([(positions[i], given[i]) for i in ranked_ids]),
        top=min(top, len(ranked_ids)),
        order_holds=_order_holds(ranked_ids, given, corrected, top),
        screen_top=head,
        top_share=on_top / total if total else None,
        top_share_expected=no_effect / total if total else None,
    )


def _order_holds(
    ranked_ids: list[int], given: dict[int, list[int]], corrected: dict[int, float], top: int
) -> bool:
    """Whether each idea of the top (and the first one below it) that has more dots than the
    next still scores more once corrected for where it was shown."""
    head = [i for i in ranked_ids[: top + 1] if i in corrected]
    for a, b in zip(head, head[1:], strict=False):
        if sum(given[a]) > sum(given[b]) and not corrected[a] > corrected[b] + 1e-9:
            return False
    return True


# --- loading ----------------------------------------------------------------------------------


def add_order_bias(results: list[ChallengeResults]) -> None:
    """Measure each challenge's order bias and keep it on its results (``res.bias``).

    Two statements whatever the number of challenges, voters and ideas: the voters' seeds, and
    their dots.
    """
    ids = [res.challenge.id for res in results]
    if not ids:
        return
    voters: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for challenge_id, participant_id, seed in db.session.execute(
        select(Ballot.challenge_id, Participant.id, Participant.shuffle_seed)
        .join(Participant, Participant.id == Ballot.participant_id)
        .where(
            Ballot.challenge_id.in_(ids),
            Ballot.dots_spent > 0,
            # A printed sheet saw the printed order, not a shuffled screen.
            Ballot.participant_id.not_in(paper_holders()),
        )
        .order_by(Ballot.challenge_id, Participant.id)
    ):
        voters[challenge_id].append((participant_id, seed))
    dots: dict[int, dict[tuple[int, int], int]] = defaultdict(dict)
    for challenge_id, participant_id, idea_id, n in db.session.execute(
        select(Vote.challenge_id, Vote.participant_id, Vote.idea_id, Vote.dots).where(
            Vote.challenge_id.in_(ids), Vote.dots > 0
        )
    ):
        dots[challenge_id][(participant_id, idea_id)] = n
    for res in results:
        ranked = [r.idea.id for r in res.by_dots]
        ranked_set = set(ranked)
        people = voters.get(res.challenge.id, [])
        res.bias = measure(
            ranked,
            [seed for _pid, seed in people],
            {k: v for k, v in dots.get(res.challenge.id, {}).items() if k[1] in ranked_set},
            [pid for pid, _seed in people],
            top=res.shortlist_size,
        )
