"""The files organisers take home: CSV, XLSX, JSON and the PDF cahier.

Each is built from the same ``ChallengeResults`` as the results page, row for row in the same
order, so a spreadsheet never disagrees with the screen. The spreadsheets (CSV, XLSX) are read by
people: their headings and words (yes/no, status, phase) follow the request's language. The JSON
is read by scripts: its keys and values are the stable English ones of docs/results-json.md.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import urlparse
from urllib.request import url2pathname

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from cite_vote.forums.models import Forum
from cite_vote.forums.services import PHASE_LABELS
from cite_vote.ideas.models import Idea
from cite_vote.ideas.questions.services import answer_values, form_questions, idea_sheets
from cite_vote.ideas.services import IDEA_STATUS_LABELS
from cite_vote.results.privacy import MIN_VOTERS, OTHER, Group, group_label, merged_names
from cite_vote.results.services import ChallengeResults, RankedIdea
from cite_vote.text import is_invisible, replace_controls
from cite_vote.votes.paper import paper_counts, paper_dots

SEPARATORS = {"comma": ",", "semicolon": ";"}
# A spreadsheet runs a cell starting with one of these as a formula (CSV injection), also after
# characters that show nothing (a zero-width space, a byte order mark, spaces: it may skip them).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

COLUMNS = (
    "challenge_position",
    "challenge_title",
    "rank",
    "tied",
    "idea_id",
    "title",
    "description",
    "dots",
    "supporters",
    "comments",
    "categories_supporting",
    "cross_group",
    "author_category",
    "author_name",
    "status",
    "merged_into",
    "proposed_at",
    "paper_dots",
)

HEADINGS = {
    "challenge_position": _l("Challenge no."),
    "challenge_title": _l("Challenge"),
    "rank": _l("Rank"),
    "tied": _l("Tied"),
    "idea_id": _l("Idea no."),
    "title": _l("Title"),
    "description": _l("Description"),
    "dots": _l("Dots"),
    "supporters": _l("Supporters"),
    "comments": _l("Comments"),
    "categories_supporting": _l("Categories supporting"),
    "cross_group": _l("Cross-group support"),
    "author_category": _l("Author's category"),
    "author_name": _l("Author's name"),
    "status": _l("Status"),
    "merged_into": _l("Merged into"),
    "proposed_at": _l("Proposed at"),
    "paper_dots": _l("Dots from paper sheets"),
}

RANKING_RULE = _l(
    "Ideas are ranked by total dots, then by number of distinct supporters, then by who "
    "proposed first. Ideas equal on dots and supporters share a rank."
)
CROSS_RULE = _l(
    "Ranked by cross-group support: the number of participant categories that gave dots, "
    "then by the usual rule (dots, supporters, earliest proposed)."
)


def yes_no(value: bool) -> str:
    return _("yes") if value else _("no")


def status_label(status: str) -> str:
    return str(IDEA_STATUS_LABELS[status])


def iso(moment: datetime | None) -> str:
    return moment.replace(microsecond=0).isoformat() + "Z" if moment else ""


def looks_like_formula(text: str) -> bool:
    """Starts with a formula character, maybe behind characters that show nothing."""
    for char in text:
        if char in FORMULA_START:
            return True
        if not is_invisible(char):
            return False
    return False


def safe_cell(value):
    """Text a spreadsheet will show as text: a leading quote defuses a would-be formula, and a
    control character stored before input refused them shows as U+FFFD."""
    value = replace_controls(value)
    if isinstance(value, str) and looks_like_formula(value):
        return "'" + value
    return value


# The column listing, per challenge, the categories counted in "other".
OTHER_MEMBERS = "other_categories"


def category_column(group: Group) -> tuple[str, Group]:
    """A column of dots per group; a tuple, so no category's name can be another column's."""
    return ("dots", group)


def forum_categories(results: list[ChallengeResults]) -> list[str | None]:
    return results[0].buckets if results else [None]


def forum_groups(results: list[ChallengeResults]) -> list[Group]:
    """The dots columns of a table of these challenges: every category shown on its own in at
    least one of them, in the forum's order, then "other" if any challenge merged some."""
    alone = {c for res in results for c in res.groups.alone}
    merged = any(res.groups.merged for res in results)
    return [c for c in forum_categories(results) if c in alone] + ([OTHER] if merged else [])


def _group_cells(res: ChallengeResults, r: RankedIdea | None, groups: list[Group]) -> dict:
    """Dots per group; empty for a group this challenge does not show (a category merged into
    "other" there): a 0 would claim that its voters gave nothing."""
    shown = set(res.categories)
    row: dict = {
        category_column(g): (r.by_category.get(g, 0) if r else 0) if g in shown else ""
        for g in groups
    }
    if OTHER in groups:
        row[OTHER_MEMBERS] = merged_names(res.groups)
    return row


def _author_name(idea: Idea) -> str:
    if idea.show_author_name and idea.author is not None and idea.author.display_name:
        return idea.author.display_name
    return (idea.imported_author or "") if idea.show_author_name else ""


def ranked_row(res: ChallengeResults, r: RankedIdea, groups: list[Group]) -> dict:
    idea = r.idea
    row = {
        "challenge_position": res.challenge.position,
        "challenge_title": res.challenge.title,
        "rank": r.rank,
        "tied": yes_no(r.tied),
        "idea_id": idea.id,
        "title": idea.title,
        "description": idea.description,
        "dots": r.dots,
        "supporters": r.supporters,
        "comments": r.comments,
        "categories_supporting": r.categories_supporting,
        "cross_group": yes_no(r.cross_group),
        "author_category": idea.author_category or "",
        "author_name": _author_name(idea),
        "status": status_label(idea.status),
        "merged_into": "",
        "proposed_at": iso(idea.created_at),
    }
    return row | _group_cells(res, r, groups)


def unranked_row(res: ChallengeResults, idea: Idea, groups: list[Group]) -> dict:
    row = {
        "challenge_position": res.challenge.position,
        "challenge_title": res.challenge.title,
        "rank": "",
        "tied": "",
        "idea_id": idea.id,
        "title": idea.title,
        "description": idea.description,
        "dots": 0,
        "supporters": 0,
        "comments": 0,
        "categories_supporting": 0,
        "cross_group": yes_no(False),
        "author_category": idea.author_category or "",
        "author_name": _author_name(idea),
        "status": status_label(idea.status),
        "merged_into": idea.merged_into_id or "",
        "proposed_at": iso(idea.created_at),
    }
    return row | _group_cells(res, None, groups)


@dataclass(frozen=True)
class QuestionColumn:
    """A column of answers to one of the idea form's questions (ideas/questions)."""

    id: int
    label: str


def table(
    results: list[ChallengeResults], order: str, scope: str
) -> tuple[list, list[dict], list[Group]]:
    """Header and rows: the ranked ideas in page order, then (all ideas) the unranked ones.

    Dots by category are by the challenges' groups (results.privacy): a column per category
    shown on its own somewhere, one for "other", and one naming what "other" holds; then a
    column per question of the idea form, with each idea's answer."""
    groups = forum_groups(results)
    header = [*COLUMNS, *(category_column(g) for g in groups)]
    if OTHER in groups:
        header.append(OTHER_MEMBERS)
    rows = []
    # How many of each idea's dots came from printed sheets (votes/paper.py): one query.
    from_paper = paper_dots([res.challenge.id for res in results])
    for res in results:
        rows += [
            {**ranked_row(res, r, groups), "paper_dots": from_paper.get(r.idea.id, 0)}
            for r in res.rows(order, scope)
        ]
        if scope == "all":
            rows += [{**unranked_row(res, idea, groups), "paper_dots": 0} for idea in res.unranked]
    forum_id = results[0].challenge.forum_id if results else None
    questions = [QuestionColumn(q.id, q.label) for q in form_questions(forum_id)] if results else []
    if questions:
        header += questions
        answers = answer_values(forum_id, [row["idea_id"] for row in rows])
        for row in rows:
            given = answers.get(row["idea_id"], {})
            row.update({q: given.get(q.id, "") for q in questions})
    return header, rows, groups


def csv_bytes(results: list[ChallengeResults], *, order: str, scope: str, sep: str) -> bytes:
    header, rows, _categories = table(results, order, scope)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=SEPARATORS[sep], lineterminator="\r\n")
    writer.writerow([safe_cell(_label(name)) for name in header])
    for row in rows:
        writer.writerow([safe_cell(row[name]) for name in header])
    # The BOM tells a French spreadsheet the file is UTF-8, so accents open right.
    return out.getvalue().encode("utf-8-sig")


# --- XLSX ---------------------------------------------------------------------------------


def _sheet_title(title: str, taken: set[str]) -> str:
    """A unique sheet name within Excel's rules (31 characters, no []:*?/\\ or quote)."""
    base = re.sub(r"[\[\]:*?/\\']", " ", replace_controls(title)).strip()[:31] or "-"
    name, n = base, 2
    while name.lower() in taken:
        suffix = f" ({n})"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(name.lower())
    return name


def _text(value):
    return str(value) if not isinstance(value, str) else value


def _write_table(sheet, header: list[str], labels: list[str], rows: list[list]) -> None:
    """Headers in bold, frozen, widths from the content; text cells stay text, never formulas,
    and hold no control character (openpyxl refuses them: U+FFFD in their place)."""
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    labels = [replace_controls(label) for label in labels]
    rows = [[replace_controls(value) for value in values] for values in rows]
    sheet.append(labels)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(vertical="top", wrap_text=True)
    for values in rows:
        sheet.append([None] * len(values))
        row_number = sheet.max_row
        for column, value in enumerate(values, start=1):
            cell = sheet.cell(row=row_number, column=column)
            cell.value = value
            if isinstance(value, str):
                cell.data_type = "s"  # "=..." is kept as the text it is, not run as a formula
            cell.alignment = Alignment(vertical="top", wrap_text=True)
    sheet.freeze_panes = "A2"
    for column in range(1, len(header) + 1):
        longest = max(
            [len(_text(labels[column - 1]))]
            + [len(_text(v[column - 1]).split("\n")[0]) for v in rows if v[column - 1] is not None]
        )
        sheet.column_dimensions[get_column_letter(column)].width = min(max(longest + 2, 8), 60)
    sheet.auto_filter.ref = sheet.dimensions


def _label(name) -> str:
    if isinstance(name, QuestionColumn):
        return name.label
    if isinstance(name, tuple):
        _dots, group = name
        if group is None:
            return _("Dots: no category")
        return _("Dots: %(category)s", category=group_label(group))
    if name == OTHER_MEMBERS:
        return _("Categories in “other”")
    return str(HEADINGS[name])


def xlsx_bytes(
    forum: Forum,
    results: list[ChallengeResults],
    *,
    order: str,
    scope: str,
    generated_at: datetime,
) -> bytes:
    """A workbook: a summary sheet, one sheet per challenge, and the comments."""
    from openpyxl import Workbook  # imported on use: it slows every worker's start otherwise

    workbook = Workbook()
    summary = workbook.active
    summary.title = _("Summary")[:31]
    taken = {summary.title.lower()}
    _summary_sheet(summary, forum, results, order=order, scope=scope, generated_at=generated_at)
    for res in results:
        sheet = workbook.create_sheet(
            _sheet_title(f"{res.challenge.position}. {res.challenge.title}", taken)
        )
        _challenge_sheet(sheet, res, order=order, scope=scope)
    comments = workbook.create_sheet(_sheet_title(_("Comments"), taken))
    _comments_sheet(comments, results, order=order, scope=scope)
    workbook.properties.title = replace_controls(forum.title)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


SUMMARY_HEADER = [
    "challenge_position",
    "challenge_title",
    "question",
    "phase",
    "ideas",
    "voters",
    "total_dots",
    "first_idea",
    "first_idea_dots",
]

COMMENT_HEADER = [
    "challenge_position",
    "rank",
    "idea_id",
    "idea_title",
    "comment_id",
    "author_category",
    "body",
    "posted_at",
]


def _summary_sheet(
    sheet,
    forum: Forum,
    results: list[ChallengeResults],
    *,
    order: str,
    scope: str,
    generated_at: datetime,
) -> None:
    """One row per challenge (its first idea under ``order``), then what the export shows."""
    labels = [
        _("Challenge no."),
        _("Challenge"),
        _("Question"),
        _("Phase"),
        _("Ranked ideas"),
        _("Participants who voted"),
        _("Total dots"),
        _("First idea"),
        _("Dots of the first idea"),
    ]
    rows = []
    for res in results:
        ranked = res.ordered(order)
        first = ranked[0] if ranked else None
        rows.append(
            [
                res.challenge.position,
                res.challenge.title,
                res.challenge.question,
                str(PHASE_LABELS[res.challenge.phase]),
                len(ranked),
                res.voters,
                res.total_dots,
                first.idea.title if first else "",
                first.dots if first else 0,
            ]
        )
    _write_table(sheet, SUMMARY_HEADER, labels, rows)
    sheet.append([])
    for label, value in (
        (_("Forum"), forum.title),
        (_("Generated at (UTC)"), iso(generated_at)),
        (_("Ranking rule"), str(CROSS_RULE if order == "cross" else RANKING_RULE)),
        (
            _("Shown"),
            _("Shortlist (top %(num)d)", num=forum.shortlist_size)
            if scope == "shortlist"
            else _("All ideas"),
        ),
    ):
        sheet.append([label, replace_controls(value)])
        sheet.cell(row=sheet.max_row, column=2).data_type = "s"


def _challenge_sheet(sheet, res: ChallengeResults, *, order: str, scope: str) -> None:
    """The challenge's ranking, the same table as the CSV export."""
    header, rows, _categories = table([res], order, scope)
    _write_table(
        sheet,
        header,
        [_label(name) for name in header],
        [[row[name] for name in header] for row in rows],
    )


def _comments_sheet(sheet, results: list[ChallengeResults], *, order: str, scope: str) -> None:
    """Every visible comment of the ranked ideas, in ranking order."""
    labels = [
        _("Challenge no."),
        _("Rank"),
        _("Idea no."),
        _("Idea"),
        _("Comment no."),
        _("Author's category"),
        _("Comment text"),
        _("Posted at"),
    ]
    rows = []
    for res in results:
        for r in res.rows(order, scope):
            for comment in res.comments.get(r.idea.id, []):
                rows.append(
                    [
                        res.challenge.position,
                        r.rank,
                        r.idea.id,
                        r.idea.title,
                        comment.id,
                        comment.author_category or "",
                        comment.body,
                        iso(comment.created_at),
                    ]
                )
    _write_table(sheet, COMMENT_HEADER, labels, rows)


# --- JSON ---------------------------------------------------------------------------------


def results_json(
    forum: Forum,
    results: list[ChallengeResults],
    *,
    order: str,
    scope: str,
    generated_at: datetime,
    include_unranked: bool,
    heads: dict | None = None,
) -> dict:
    """The results as documented in docs/results-json.md."""
    categories = forum_categories(results)
    ranked_ids = [r.idea.id for res in results for r in res.rows(order, scope)]
    sheets = idea_sheets(forum.id, ranked_ids) if form_questions(forum.id) else None
    challenges = []
    from_paper = paper_dots([res.challenge.id for res in results])
    for res in results:
        on_paper = paper_counts([res.challenge.id])
        entry = {
            "id": res.challenge.id,
            "position": res.challenge.position,
            "title": res.challenge.title,
            "question": res.challenge.question,
            "phase": res.challenge.phase,
            "voters": res.voters,
            "total_dots": res.total_dots,
            "paper": {
                "sheets": on_paper.sheets,
                "people": on_paper.people,
                "dots": on_paper.dots,
            },
            "other_categories": list(res.groups.merged),
            "chain": _chain(res, heads or {}),
            "ideas": [
                {
                    "rank": r.rank,
                    "tied": r.tied,
                    "dots_rank": r.dots_rank,
                    "idea_id": r.idea.id,
                    "title": r.idea.title,
                    "description": r.idea.description,
                    "dots": r.dots,
                    "supporters": r.supporters,
                    "paper_dots": from_paper.get(r.idea.id, 0),
                    "comments": r.comments,
                    "categories_supporting": r.categories_supporting,
                    "cross_group": r.cross_group,
                    "dots_by_category": [
                        _group_json(res, g, r.by_category.get(g, 0)) for g in res.categories
                    ],
                    "author_category": r.idea.author_category,
                    "author_name": _author_name(r.idea) or None,
                    "proposed_at": iso(r.idea.created_at),
                    "shortlisted": r.rank <= res.shortlist_size and r.dots > 0,
                    **(
                        {
                            "sheet": [
                                {"question": line.question, "answer": line.answer}
                                for line in sheets.get(r.idea.id, [])
                            ]
                        }
                        if sheets is not None
                        else {}
                    ),
                    **(
                        {"mean_position": _rounded(res.bias.mean_position.get(r.idea.id))}
                        if res.bias is not None
                        else {}
                    ),
                }
                for r in res.rows(order, scope)
            ],
        }
        if res.bias is not None:
            entry["order_bias"] = bias_json(res.bias)
        if include_unranked:
            entry["unranked_ideas"] = [
                {
                    "idea_id": idea.id,
                    "title": idea.title,
                    "status": idea.status,
                    "merged_into": idea.merged_into_id,
                    "proposed_at": iso(idea.created_at),
                }
                for idea in res.unranked
            ]
        challenges.append(entry)
    return {
        "format": "cite-vote/results",
        "version": 1,
        "forum": {"slug": forum.slug, "title": forum.title},
        "generated_at": iso(generated_at),
        "order": order,
        "scope": scope,
        "ranking_rule": str(CROSS_RULE if order == "cross" else RANKING_RULE),
        "shortlist_size": forum.shortlist_size,
        "cross_group_min": max(forum.cross_group_min or 1, 1),
        "min_group_voters": MIN_VOTERS,
        "categories": categories,
        "challenges": challenges,
    }


def _group_json(res: ChallengeResults, group: Group, dots: int) -> dict:
    """A category shown on its own: ``category``; the merged group: ``other``, its members."""
    if group is OTHER:
        return {"other": list(res.groups.merged), "dots": dots}
    return {"category": group, "dots": dots}


def _rounded(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)


# Below this the normal tail no longer fits in a double (erfc underflows to 0): the p-value is
# given as this bound, never as 0.
P_FLOOR = 1e-300


def p_value(p: float | None) -> float | None:
    """A p-value with two significant digits (0.047, 3.2e-12), never 0: rounding to a fixed
    number of decimals printed a strong effect's as 0.0."""
    if p is None:
        return None
    return max(float(f"{p:.2g}"), P_FLOOR)


def bias_json(bias) -> dict:
    """The order bias of a challenge (results/bias.py), as docs/results-json.md describes it."""
    return {
        "voters": bias.voters,
        "ideas": bias.ideas,
        "spearman_rho": _rounded(bias.within.rho),
        "n": bias.within.n,
        "p_value": p_value(bias.within.p),
        "top_checked": bias.top,
        "order_holds": bias.order_holds,
        "screen_top": bias.screen_top,
        "top_share": _rounded(bias.top_share, 4),
        "top_share_expected": _rounded(bias.top_share_expected, 4),
        "top_points": bias.top_points,
        "verdict": bias.verdict,
        "sentence": bias.sentence(),
    }


def _chain(res: ChallengeResults, heads: dict) -> dict | None:
    """The seal of the record published in the log (docs/results-log.md), with its ballots by
    kind; None until closed."""
    seal = heads.get(res.challenge.id) if res.challenge.phase == "closed" else None
    if seal is None or not seal.record:
        return None
    turnout = json.loads(seal.record)["turnout"]
    return {
        "head": seal.record_hash,
        "sealed_at": iso(seal.sealed_at),
        "ballots": turnout["ballots"],
        "participants": {k: v for k, v in turnout.items() if k != "ballots"},
    }


# --- PDF ----------------------------------------------------------------------------------


# Tagged PDF (structure tree, reading order, language, title) for screen readers: a public body
# must publish accessible documents (RGAA). WeasyPrint's variant for ISO 14289-1.
PDF_VARIANT = "pdf/ua-1"


# Where an @font-face ``local()`` may lead: the system's fonts (the emoji face of cahier.css).
FONT_DIRS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"))


def font_file_allowed(url: str) -> bool:
    """A ``file:`` URL the PDF may read: a font file of the system, nothing else."""
    parsed = urlparse(url)
    if parsed.scheme != "file" or parsed.netloc not in ("", "localhost"):
        return False
    path = Path(url2pathname(parsed.path)).resolve()
    return path.suffix.lower() in {".ttf", ".otf", ".ttc", ".woff", ".woff2"} and any(
        path.is_relative_to(folder) for folder in FONT_DIRS
    )


def pdf_bytes(html: str) -> bytes:
    """Render the cahier's HTML with WeasyPrint. Its styles are inline: it fetches nothing but
    data: URLs and the system font files its @font-face rules name."""
    from weasyprint import HTML, URLFetcher

    class Fetcher(URLFetcher):
        def fetch(self, url, headers=None):
            if url.lower().startswith("file:") and not font_file_allowed(url):
                raise ValueError(f"not fetched for the cahier: {url}")
            return super().fetch(url, headers)

    fetcher = Fetcher(allowed_protocols=["data", "file"])
    html = replace_controls(html)  # stored before input refused them: they garble the text
    return HTML(string=html, url_fetcher=fetcher).write_pdf(pdf_variant=PDF_VARIANT)
