"""After the day: the ranked ideas in the file Decidim imports, and the forum's open data.

Decidim's "Import proposals from a file" (decidim-admin ``Import::Readers``: CSV separated by
";", JSON, XLSX) reads a header row, then one proposal a row; its verifier
(``Proposals::Import::ProposalsVerifier``) requires ``title/<default locale>`` and
``body/<default locale>``, and its creator (``Proposals::Import::ProposalCreator``) reads
``title/<locale>``, ``body/<locale>``, ``scope/id``, ``taxonomies/ids``, ``address``,
``latitude`` and ``longitude``, and drops ``id``. Scopes and taxonomies are ids of the Decidim
platform, which a forum cannot know: the ranking, the dots and the categories go in the body.
The CSV has no byte order mark (Ruby's CSV reads it as part of the first heading).
The JSON reader takes each object's keys as headings, so its keys are flat ("title/fr"), as in
the CSV. docs/handoff.md says how to import the file.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from dataclasses import dataclass
from datetime import datetime

from flask_babel import force_locale, format_datetime, gettext, ngettext
from flask_babel import lazy_gettext as _l

from cite_vote.forums.models import Forum
from cite_vote.paths import ROOT
from cite_vote.results.exports import _label, safe_cell, table
from cite_vote.results.privacy import group_label, merged_names
from cite_vote.results.services import ChallengeResults, RankedIdea
from cite_vote.text import replace_controls

# The languages a Decidim organisation is likely to have as its default: the file's column
# names end with it ("title/fr"). Another one is refused (400) rather than guessed.
DECIDIM_LOCALES = ("fr", "en", "ca", "es", "eu", "gl", "it", "nl", "de", "pt", "oc")


def decidim_columns(locale: str) -> list[str]:
    """The columns of the file: the two Decidim's verifier requires, nothing it would not read."""
    return [f"title/{locale}", f"body/{locale}"]


def decidim_body(forum: Forum, res: ChallengeResults, r: RankedIdea) -> str:
    """The idea's description, then what the forum made of it: its rank, its dots and who gave
    them (categories as the public results show them: small ones merged into "other")."""
    idea = r.idea
    lines = [idea.description.strip()] if idea.description and idea.description.strip() else []
    rank = gettext(
        "Forum “%(forum)s”, challenge %(num)d “%(challenge)s”: ranked %(rank)d%(tied)s of "
        "%(count)d.",
        forum=forum.title,
        num=res.challenge.position,
        challenge=res.challenge.title,
        rank=r.rank,
        tied=gettext(" (tied)") if r.tied else "",
        count=len(res.by_dots),
    )
    dots = gettext(
        "%(dots)s from %(people)s.",
        dots=ngettext("%(num)d dot", "%(num)d dots", r.dots),
        people=ngettext("%(num)d participant", "%(num)d participants", r.supporters),
    )
    lines.append(f"{rank} {dots}")
    groups = [
        f"{group_label(g)} {r.by_category.get(g, 0)}"
        for g in res.categories
        if r.by_category.get(g, 0)
    ]
    if groups:
        lines.append(gettext("Dots by category: %(list)s.", list=", ".join(groups)))
        if res.groups.merged:
            lines.append(gettext("“Other” groups: %(list)s.", list=merged_names(res.groups)))
    if idea.author_category:
        lines.append(gettext("Author's category: %(category)s.", category=idea.author_category))
    lines.append(
        gettext(
            "Idea no. %(num)d, proposed on %(date)s.",
            num=idea.id,
            date=format_datetime(idea.created_at, "short"),
        )
    )
    return replace_controls("\n\n".join(lines))


def decidim_rows(
    forum: Forum, results: list[ChallengeResults], *, order: str, scope: str, locale: str
) -> list[dict[str, str]]:
    """One row per ranked idea, challenge by challenge, in the results' order."""
    title, body = decidim_columns(locale)
    return [
        {title: replace_controls(r.idea.title), body: decidim_body(forum, res, r)}
        for res in results
        for r in res.rows(order, scope)
    ]


def decidim_csv(rows: list[dict[str, str]], locale: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    columns = decidim_columns(locale)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([safe_cell(row[c]) for c in columns])
    return out.getvalue().encode("utf-8")  # no BOM: Decidim would read it into "title/fr"


def decidim_json(rows: list[dict[str, str]]) -> bytes:
    return json.dumps(rows, ensure_ascii=False, indent=2).encode("utf-8")


# --- the open data ZIP --------------------------------------------------------------------------

# The licences an organiser may publish under: key, name, address.
LICENCES = {
    "etalab-2.0": (
        "Licence Ouverte / Open Licence 2.0 (Etalab)",
        "https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
    ),
    "odbl-1.0": (
        "Open Database License (ODbL) 1.0",
        "https://opendatacommons.org/licenses/odbl/1-0/",
    ),
    "cc-by-4.0": (
        "Creative Commons Attribution 4.0 (CC BY 4.0)",
        "https://creativecommons.org/licenses/by/4.0/deed.fr",
    ),
    "cc-by-sa-4.0": (
        "Creative Commons Attribution – Partage dans les mêmes conditions 4.0 (CC BY-SA 4.0)",
        "https://creativecommons.org/licenses/by-sa/4.0/deed.fr",
    ),
    "cc0-1.0": (
        "Creative Commons Zero 1.0 (CC0, domaine public)",
        "https://creativecommons.org/publicdomain/zero/1.0/deed.fr",
    ),
}
DEFAULT_LICENCE = "etalab-2.0"
NOTHING_PUBLIC = _l(
    "No challenge is closed yet: the open data holds the results once voting has closed."
)


@dataclass(frozen=True)
class OpenDataFile:
    name: str
    data: bytes
    what: str  # what the README says of it


def public_results_csv(results: list[ChallengeResults], order: str) -> bytes:
    """The results table of the CSV export, ranked ideas only (hidden or merged ones are not
    public)."""
    header, rows, _groups = table(results, order, "all")
    out = io.StringIO()
    writer = csv.writer(out, delimiter=",", lineterminator="\r\n")
    writer.writerow([safe_cell(_label(name)) for name in header])
    for row in rows:
        if row["rank"] != "":  # unranked: hidden or merged, not public
            writer.writerow([safe_cell(row[name]) for name in header])
    return out.getvalue().encode("utf-8-sig")


def readme(forum: Forum, files: list[OpenDataFile], licence: str, generated_at: datetime) -> str:
    """The README, in French whatever the organiser's language: it travels with the data."""
    name, address = LICENCES[licence]
    with force_locale("fr"):
        lines = [
            forum.title,
            "=" * len(forum.title),
            "",
            gettext(
                "Open data of the forum “%(forum)s”, published on %(date)s with cite-vote.",
                forum=forum.title,
                date=format_datetime(generated_at, "long"),
            ),
            "",
            gettext("Licence: %(name)s (%(url)s).", name=name, url=address),
            gettext(
                "The organiser publishes these files under this licence; the recount script "
                "(recount.py) is part of cite-vote and keeps its own licence."
            ),
            "",
            gettext("What each file is:"),
            "",
        ]
        lines += [f"- {f.name} : {f.what}" for f in files]
        lines += [
            "",
            gettext(
                "To recount the result yourself: python3 recount.py log.json (Python 3 only, "
                "nothing to install). It prints each challenge's ranking from the ballots of the "
                "log, which must match results.csv and results.json."
            ),
            gettext(
                "No file names a participant: ballots are listed under random receipts, and "
                "categories of fewer than a few voters are merged into “other”."
            ),
        ]
    return replace_controls("\n".join(lines)) + "\n"


README = "LISEZMOI.txt"
OPEN_DATA_FILES = (
    "results.csv",
    "results.json",
    "log.json",
    "log.csv",
    "recount.py",
    "cahier.pdf",
    "decidim-proposals.csv",
)


def describe(name: str) -> str:
    """What the README says of each file, in French."""
    with force_locale("fr"):
        return {
            README: gettext("this file: what each file is, and the licence"),
            "results.csv": gettext(
                "the ranking of each closed challenge, one row per idea (rank, dots, "
                "supporters, dots by category); a spreadsheet opens it"
            ),
            "results.json": gettext(
                "the same results for scripts, described in docs/results-json.md of cite-vote"
            ),
            "log.json": gettext(
                "the published log: every ballot under its receipt, and the seal of each "
                "challenge (docs/results-log.md)"
            ),
            "log.csv": gettext("the same log as a table"),
            "recount.py": gettext("the recount script, which recomputes the ranking from log.json"),
            "cahier.pdf": gettext("the book of ideas (cahier d'idées) as printed"),
            "decidim-proposals.csv": gettext(
                "the ranked ideas in the format Decidim imports as proposals"
            ),
        }[name]


def recount_script() -> bytes:
    return (ROOT / "cite_vote" / "recount.py").read_bytes()


def open_data_zip(
    forum: Forum,
    files: list[OpenDataFile],
    *,
    licence: str,
    generated_at: datetime,
) -> bytes:
    out = io.BytesIO()
    stamp = generated_at.timetuple()[:6]
    folder = f"{forum.slug}-donnees-ouvertes"
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        entries = [
            OpenDataFile(README, readme(forum, files, licence, generated_at).encode(), ""),
            *files,
        ]
        for entry in entries:
            info = zipfile.ZipInfo(f"{folder}/{entry.name}", date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o100644 << 16  # a plain file anyone may read (unzip: 0600)
            archive.writestr(info, entry.data)
    return out.getvalue()
