"""Geometry for the server-rendered SVG charts (no chart library in the browser or the PDF)."""

from __future__ import annotations

from dataclasses import dataclass

from cite_vote.results.exports import CROSS_RULE, RANKING_RULE
from cite_vote.results.privacy import MIN_VOTERS, OTHER, Group, group_label, merged_names
from cite_vote.results.services import ChallengeResults, RankedIdea, Timeline
from cite_vote.votes.chain import chain_heads
from cite_vote.votes.paper import paper_dots, voting_sheets

# Distinguishable, print-safe colours; "no category" is grey, "other" (merged) dark grey.
PALETTE = (
    "#1b6ca8",
    "#e08a00",
    "#2a9d5c",
    "#c0392b",
    "#7b4fa0",
    "#00838f",
    "#b5651d",
    "#d6417f",
    "#5d7a1f",
    "#3f51b5",
)
NO_CATEGORY_COLOUR = "#9aa3b2"
OTHER_COLOUR = "#4a5262"
LINE_COLOURS = ("#0b6e4f", "#1b6ca8", "#e08a00", "#c0392b", "#7b4fa0", "#00838f", "#b5651d")


def category_colours(categories: list[str | None]) -> dict[Group, str]:
    """One colour per category of the forum (``ChallengeResults.buckets``): a category keeps its
    colour in every challenge, whether it is shown on its own there or merged into "other"."""
    named = [c for c in categories if isinstance(c, str)]
    colours: dict[Group, str] = {c: PALETTE[n % len(PALETTE)] for n, c in enumerate(named)}
    colours[None] = NO_CATEGORY_COLOUR
    colours[OTHER] = OTHER_COLOUR
    return colours


@dataclass(frozen=True)
class Segment:
    category: Group
    dots: int
    x: float
    width: float
    colour: str


def bar_segments(res: ChallengeResults, r: RankedIdea, width: float = 100.0) -> list[Segment]:
    """The idea's dots as a stacked bar: its length relative to the challenge's leader."""
    if not r.dots or not res.max_dots:
        return []
    colours = category_colours(res.buckets)
    unit = width / res.max_dots
    x, segments = 0.0, []
    for category, dots in r.by_category.items():
        if dots:
            segments.append(
                Segment(category, dots, round(x, 3), round(dots * unit, 3), colours[category])
            )
            x += dots * unit
    return segments


@dataclass(frozen=True)
class Line:
    ranked: RankedIdea
    colour: str
    points: str  # SVG polyline points
    last_x: float
    last_y: float


@dataclass(frozen=True)
class TimelineChart:
    width: int
    height: int
    left: int
    top: int
    plot_width: int
    plot_height: int
    lines: list[Line]
    y_ticks: list[tuple[float, int]]
    start: object
    end: object


def nice_step(peak: int, ticks: int = 5) -> int:
    """A round step (1, 2, 5, 10, 20, 25, 50, ...) giving at most ``ticks`` intervals."""
    magnitude = 1
    while True:
        for base in (1, 2, 5, 10, 20, 25, 50):
            step = base * magnitude
            if peak <= step * ticks:
                return step
        magnitude *= 100


def timeline_chart(timeline: Timeline, width: int = 480, height: int = 240) -> TimelineChart | None:
    """Step lines of cumulative dots: flat between changes, a step at each ledger entry."""
    if timeline.start is None or not timeline.series:
        return None
    left, top, right, bottom = 34, 12, 12, 30
    plot_w, plot_h = width - left - right, height - top - bottom
    span = (timeline.end - timeline.start).total_seconds() or 1.0
    step = nice_step(timeline.peak)
    peak = max(-(-timeline.peak // step) * step, step)  # the top tick is labelled too

    def x_of(moment) -> float:
        return round(left + plot_w * (moment - timeline.start).total_seconds() / span, 2)

    def y_of(value: int) -> float:
        return round(top + plot_h * (1 - value / peak), 2)

    lines = []
    for n, (ranked, points) in enumerate(timeline.series):
        coords = [(float(left), y_of(0))]
        value = 0
        for moment, value_after in points:
            x = x_of(moment)
            coords.append((x, y_of(value)))
            coords.append((x, y_of(value_after)))
            value = value_after
        coords.append((float(left + plot_w), y_of(value)))
        lines.append(
            Line(
                ranked=ranked,
                colour=LINE_COLOURS[n % len(LINE_COLOURS)],
                points=" ".join(f"{x},{y}" for x, y in coords),
                last_x=coords[-1][0],
                last_y=coords[-1][1],
            )
        )
    ticks = [(y_of(v), v) for v in range(0, peak + 1, step)]
    return TimelineChart(
        width, height, left, top, plot_w, plot_h, lines, ticks, timeline.start, timeline.end
    )


def closed_heads(results) -> dict:
    """The chain head of each closed challenge among the results, by challenge id."""
    return chain_heads([r.challenge.id for r in results if r.challenge.phase == "closed"])


def chart_helpers(results) -> dict:
    """What the results templates (pages, rankings, the cahier) draw their charts with."""
    return {
        "heads": closed_heads(results),
        "bar_segments": bar_segments,
        "colours": category_colours(results[0].buckets if results else [None]),
        "group_label": group_label,
        "merged_names": merged_names,
        "min_voters": MIN_VOTERS,
        "ranking_rule": RANKING_RULE,
        "cross_rule": CROSS_RULE,
        # Per idea, the dots that came from printed sheets (staff pages and the cahier say it).
        "paper": paper_dots([r.challenge.id for r in results]),
        # Per challenge, the sheets among its voters and their people (every reader sees it).
        "paper_sheets": voting_sheets([r.challenge.id for r in results]),
    }
