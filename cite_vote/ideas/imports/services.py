"""Ideas brought into a challenge from a file: CSV, XLSX or JSON, ours or Decidim's export.

An organiser uploads the file, sees each row's fate (new, likely duplicate of an idea already
there, refused with its reason), then confirms. Nothing is stored before the confirmation, and
the confirmation stores every row or none: a file with a refused row is corrected and sent
again. The preview carries the rows it read in a signed form field (``sign_rows``), so the
confirmation needs no server-side store and any worker on any host can answer it.

Decidim's proposals export (its ``Exporters::CSV`` flattens nested keys with "/", separated by
";") is read as it is: ``title/fr``, ``body/fr``, ``author/name``. Its own category (a theme) is
no participant category, so it is not read. The JSON export, nested, is flattened the same way.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePosixPath, PureWindowsPath

from flask import current_app
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select

from cite_vote.accounts.models import StaffUser
from cite_vote.extensions import db
from cite_vote.forms import NAME_MAX
from cite_vote.forums.models import Challenge
from cite_vote.ideas.models import TEXT_MAX, TITLE_MAX, Idea, ModerationRecord
from cite_vote.ideas.similar import THRESHOLD, fold, folded_score, rapidfuzz
from cite_vote.refusals import Invalid, RuleError
from cite_vote.text import replace_controls, text_problem
from cite_vote.timeutil import utcnow

# What a file may hold: past these, the file is refused before any row is read.
MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 5000
# The upload's request may be this large (the file and the form around it): a larger one is
# refused by the server itself (413) before the file is read.
MAX_REQUEST_BYTES = MAX_BYTES + 256 * 1024
# The preview's signed rows come back in one form field: up to the file's size, and more.
MAX_FORM_FIELD_BYTES = 4 * MAX_BYTES
FILENAME_MAX = 200
FORMATS = ("csv", "xlsx", "json")

# The columns read, by the names a file may give them (compared without case or accents).
# A name followed by "/xx" is the same column in language xx (Decidim: "title/fr").
COLUMN_NAMES = {
    "title": ("title", "titre", "idea", "idee", "proposal", "proposition"),
    "description": ("description", "body", "details", "detail", "texte", "text", "corps"),
    "category": ("category", "categorie", "college", "author category", "author_category"),
    "author": (
        "author",
        "author name",
        "author_name",
        "author/name",
        "auteur",
        "auteur ou autrice",
        "nom",
        "name",
    ),
}
# Decidim puts its HTML in a proposal's body (older versions): its tags are taken out.
HTML_TAG = re.compile(r"<(/?)(p|br|div|ul|ol|li|strong|b|em|i|u|a|span|h\d)\b[^>]*>", re.I)
# A cell a spreadsheet would run: "=HYPERLINK(…)", "+SUM(…)", "@cmd|…". Such a file is refused.
# A "- " bullet before words in brackets is text: the sign must touch the function's name.
FORMULA = re.compile(r"^\s*(=|[+\-@][A-Za-z_][A-Za-z0-9_.]*\()")


class ImportRefused(Invalid):
    """The file cannot be read as a table of ideas: 422, nothing stored."""


class FileTooLarge(ImportRefused):
    status = 413


@dataclass(frozen=True)
class Row:
    """A row as read from the file: ``line`` is its number as a spreadsheet shows it."""

    line: int
    title: str
    description: str
    category: str
    author: str


@dataclass(frozen=True)
class RowFate:
    row: Row
    fate: str  # "new", "duplicate" or "refused"
    reason: str | None = None
    like_id: int | None = None  # a likely duplicate: the idea it looks like (None: in the file)
    like_title: str | None = None


@dataclass(frozen=True)
class Preview:
    filename: str
    fates: list[RowFate]

    def count(self, fate: str) -> int:
        return sum(1 for f in self.fates if f.fate == fate)

    @property
    def importable(self) -> bool:
        return bool(self.fates) and not self.count("refused")


# --- reading the file ---------------------------------------------------------------------------


def _plain(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name.strip().lstrip("\ufeff"))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower().strip()


def column_of(header: str) -> tuple[str, str | None] | None:
    """Which of our columns a heading names, and its language if it gives one ("title/fr")."""
    name = _plain(header)
    for column, names in COLUMN_NAMES.items():
        if name in names:
            return column, None
        base, _slash, language = name.rpartition("/")
        if base in names and re.fullmatch(r"[a-z]{2}(_[a-z]{2})?", language):
            return column, language
    return None


def _pick(values: dict[str | None, str]) -> str:
    """The value in the request's language, else French, else English, else any non-empty."""
    for language in (None, str(get_locale() or "fr"), "fr", "en"):
        if values.get(language):
            return values[language]
    return next((v for v in values.values() if v), "")


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


def _check_formula(value: str, line: int) -> None:
    if FORMULA.match(value):
        raise ImportRefused(
            _l(
                "Row %(line)d holds a formula (%(start)s…): a file of ideas holds text only. "
                "Save the sheet with values instead of formulas and send it again.",
                line=line,
                start=value.strip()[:12],
            )
        )


def filename_of(name: str | None) -> str:
    """The file's name as the history shows it: no folder, no control character."""
    name = PureWindowsPath(PurePosixPath(name or "").name).name
    name = "".join(c for c in replace_controls(name) if c != "\ufffd").strip()
    return name[:FILENAME_MAX] or "-"


def file_format(filename: str, data: bytes) -> str:
    if data.startswith(b"PK\x03\x04"):
        return "xlsx"
    suffix = filename.rpartition(".")[2].lower() if "." in filename else ""
    if suffix == "json" or data.lstrip(b"\xef\xbb\xbf \r\n\t")[:1] in (b"[", b"{"):
        return "json"
    if suffix in ("xlsx", "xls", "ods"):
        raise ImportRefused(
            _l("This file is not a workbook Excel can open (.xlsx). Save it as .xlsx or CSV.")
        )
    return "csv"


def read_rows(filename: str, data: bytes) -> list[Row]:
    """The ideas a file holds, or ImportRefused saying why it cannot be read."""
    if len(data) > MAX_BYTES:
        raise FileTooLarge(
            _l("The file is larger than %(num)d MB.", num=MAX_BYTES // (1024 * 1024))
        )
    if not data.strip():
        raise ImportRefused(_l("The file is empty."))
    kind = file_format(filename, data)
    table = {"xlsx": _xlsx_table, "json": _json_table, "csv": _csv_table}[kind](data)
    return _rows(table)


def _decode(data: bytes) -> str:
    """UTF-8 (with or without its BOM) or Windows-1252, as Excel saves a CSV in France."""
    if b"\x00" in data:  # UTF-16, or not text at all
        raise ImportRefused(_WRONG_ENCODING)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as error:
        raise ImportRefused(_WRONG_ENCODING) from error


_WRONG_ENCODING = _l(
    "This file is not text in UTF-8 or Windows-1252: save it as “CSV UTF-8” and send it again."
)
_NOT_A_TABLE = _l(
    "This file is not a table of ideas: its first row must name the columns, one of them "
    "the title (title, titre, or Decidim's title/fr)."
)


def _csv_table(data: bytes) -> list[list[str]]:
    text = _decode(data)
    first = text.split("\n", 1)[0]
    sep = max((";", ",", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    try:
        return [row for row in reader]
    except csv.Error as error:
        if "field larger than field limit" in str(error):  # the reader's own limit (128 KB)
            raise ImportRefused(
                _l(
                    "Row %(line)d holds a cell longer than %(num)d characters: "
                    "a file of ideas holds short texts.",
                    line=reader.line_num,
                    num=csv.field_size_limit(),
                )
            ) from error
        raise ImportRefused(_NOT_A_TABLE) from error


def _xlsx_table(data: bytes) -> list[list[str]]:
    from zipfile import BadZipFile

    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except (BadZipFile, KeyError, ValueError, OSError) as error:
        raise ImportRefused(_NOT_A_TABLE) from error
    try:
        sheet = workbook.worksheets[0]
        table = []
        for number, cells in enumerate(sheet.iter_rows(), start=1):
            if number > MAX_ROWS + 1:
                raise _too_many()
            for cell in cells:
                if getattr(cell, "data_type", None) == "f":
                    _check_formula(str(cell.value or "="), number)
            table.append([_cell(cell.value) for cell in cells])
        return table
    finally:
        workbook.close()


def _flatten(value, key: str = "") -> dict[str, str]:
    """Decidim's way: nested keys joined by "/", lists joined by ", "."""
    if isinstance(value, dict):
        flat: dict[str, str] = {}
        for sub, inner in value.items():
            flat |= _flatten(inner, f"{key}/{sub}" if key else str(sub))
        return flat
    if isinstance(value, list):
        return {key: ", ".join(_cell(v) for v in value)}
    if isinstance(value, bool):
        return {key: "true" if value else "false"}
    return {key: _cell(value)}


def _json_table(data: bytes) -> list[list[str]]:
    try:
        items = json.loads(_decode(data))
    except (ValueError, RecursionError) as error:  # not JSON, nested too deep, a huge number
        raise ImportRefused(_NOT_A_TABLE) from error
    if isinstance(items, dict):  # {"ideas": […]} or {"proposals": […]}
        lists = [v for v in items.values() if isinstance(v, list)]
        items = lists[0] if len(lists) == 1 else None
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise ImportRefused(_NOT_A_TABLE)
    try:
        flat = [_flatten(item) for item in items]
    except RecursionError as error:
        raise ImportRefused(_NOT_A_TABLE) from error
    header: list[str] = []
    for item in flat:
        header += [k for k in item if k not in header]
    return [header, *[[item.get(k, "") for k in header] for item in flat]]


def _too_many() -> ImportRefused:
    return ImportRefused(
        _l("The file holds more than %(num)d rows: split it into several files.", num=MAX_ROWS)
    )


def _strip_html(value: str) -> str:
    if not HTML_TAG.search(value):
        return value
    value = re.sub(r"<br\s*/?>|</p>|</li>|</div>", "\n", value, flags=re.I)
    return html.unescape(HTML_TAG.sub("", value)).strip()


def _rows(table: list[list[str]]) -> list[Row]:
    """Rows of the table under its header, empty rows left out."""
    while table and not any(c.strip() for c in table[0]):
        table = table[1:]
    if not table:
        raise ImportRefused(_l("The file is empty."))
    columns = [column_of(h) for h in table[0]]
    if not any(c and c[0] == "title" for c in columns):
        raise ImportRefused(_NOT_A_TABLE)
    if len(table) - 1 > MAX_ROWS:
        raise _too_many()
    rows = []
    for offset, cells in enumerate(table[1:], start=2):
        if not any(c.strip() for c in cells):
            continue
        values: dict[str, dict[str | None, str]] = {name: {} for name in COLUMN_NAMES}
        for found, value in zip(columns, cells, strict=False):
            _check_formula(value, offset)
            if found is not None:
                values[found[0]][found[1]] = value.strip()
        rows.append(
            Row(
                line=offset,
                title=_pick(values["title"]),
                description=_strip_html(_pick(values["description"])),
                category=_pick(values["category"]),
                author=_pick(values["author"]),
            )
        )
    if not rows:
        raise ImportRefused(_l("The file holds no idea under its header."))
    return rows


# --- each row's fate ----------------------------------------------------------------------------


def _refusal(row: Row, categories: list[str]) -> str | None:
    """Why a row cannot become an idea, or None."""
    if not row.title:
        return str(_l("The title is missing."))
    if len(row.title) > TITLE_MAX:
        return str(_l("The title is too long (%(max)d characters at most).", max=TITLE_MAX))
    if len(row.description) > TEXT_MAX:
        return str(_l("The description is too long (%(max)d characters at most).", max=TEXT_MAX))
    if len(row.author) > NAME_MAX:
        return str(_l("The author's name is too long (%(max)d characters at most).", max=NAME_MAX))
    if row.category and row.category not in categories:
        return str(_l("Unknown category: “%(category)s”.", category=row.category))
    for value, multiline in (
        (row.title, False),
        (row.description, True),
        (row.category, False),
        (row.author, False),
    ):
        problem = text_problem(value, multiline=multiline)
        if problem is not None:
            return str(problem)
    return None


# ``folded_score`` blends 0.6 x set ratio + 0.4 x sorted ratio (or the sorted ratio alone): it can
# reach THRESHOLD only where the sorted ratio is at least this, so the file's rows are scored
# against those ideas alone (rapidfuzz picks them in C: 5,000 rows x 200 ideas in a second).
SORT_FLOOR = (THRESHOLD - 60) / 0.4


def _candidates(folded: str, choices: list[str]) -> list[int]:
    """The ideas (their indexes in ``choices``) a row might look like."""
    from rapidfuzz import process  # on first use, as ``similar.rapidfuzz``

    found = process.extract(
        folded, choices, scorer=rapidfuzz().token_sort_ratio, score_cutoff=SORT_FLOOR, limit=None
    )
    return [index for _choice, _score, index in found]


def preview_rows(challenge: Challenge, filename: str, rows: list[Row]) -> Preview:
    """Each row's fate: refused (and why), a likely duplicate of an idea of the challenge or
    of an earlier row of the file (the similar-idea check's score), or new."""
    categories = list(challenge.forum.categories or [])
    existing = [
        (idea.id, idea.title, fold(idea.title))
        for idea in db.session.scalars(
            select(Idea).where(
                Idea.challenge_id == challenge.id, Idea.status.in_(("visible", "pending"))
            )
        )
    ]
    choices = [f for _i, _t, f in existing]
    seen: dict[str, Row] = {}
    fates = []
    for row in rows:
        reason = _refusal(row, categories)
        if reason is not None:
            fates.append(RowFate(row, "refused", reason))
            continue
        folded = fold(row.title)
        like = None
        if len(folded) >= 3:
            scored = [
                (folded_score(folded, existing[n][2]), existing[n][0], existing[n][1])
                for n in _candidates(folded, choices)
            ]
            best = max(scored, default=None, key=lambda s: (s[0], -s[1]))
            if best is not None and best[0] >= THRESHOLD:
                like = RowFate(row, "duplicate", like_id=best[1], like_title=best[2])
        if like is None and folded in seen:
            like = RowFate(row, "duplicate", like_title=seen[folded].title)
        fates.append(like or RowFate(row, "new"))
        seen.setdefault(folded, row)
    return Preview(filename, fates)


# --- carrying the rows from the preview to the confirmation --------------------------------------


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt="cite-vote-idea-import")


def sign_rows(challenge: Challenge, staff: StaffUser, filename: str, rows: list[Row]) -> str:
    """The preview's rows, signed: the confirmation stores what the preview showed."""
    return _serializer().dumps(
        {
            "challenge": challenge.id,
            "staff": staff.id,
            "at": utcnow().isoformat(),
            "file": filename,
            "rows": [[r.line, r.title, r.description, r.category, r.author] for r in rows],
        }
    )


def signed_rows(challenge: Challenge, staff: StaffUser, signed: str) -> tuple[str, list[Row]]:
    """The file's name and rows a preview signed for this challenge and this person.

    A preview is confirmed once: an import of its file by this person since the preview was
    made is this preview confirmed already (a double click, the back button), refused (409).
    """
    try:
        payload = _serializer().loads(signed or "")
        previewed = datetime.fromisoformat(payload["at"])
    except (BadSignature, KeyError, TypeError, ValueError) as error:
        raise ImportRefused(EXPIRED) from error
    if payload.get("challenge") != challenge.id or payload.get("staff") != staff.id:
        raise ImportRefused(EXPIRED)
    done = db.session.scalar(
        select(ModerationRecord.id)
        .where(
            ModerationRecord.challenge_id == challenge.id,
            ModerationRecord.action == "import",
            ModerationRecord.note == payload["file"],
            ModerationRecord.staff_id == staff.id,
            ModerationRecord.created_at >= previewed,
        )
        .limit(1)
    )
    if done is not None:
        raise RuleError(
            _l(
                "This preview has already been imported: its ideas are in the moderation list. "
                "Send the file again to import it once more."
            )
        )
    return payload["file"], [Row(*values) for values in payload["rows"]]


EXPIRED = _l("This preview cannot be used any more: send the file again.")


# --- storing ------------------------------------------------------------------------------------


def check_open(challenge: Challenge) -> None:
    """Ideas come into a challenge until it closes (RuleError, 409, after)."""
    if challenge.phase == "closed":
        raise RuleError(_l("This challenge is closed: its results are frozen."))


def import_ideas(
    challenge: Challenge,
    staff: StaffUser,
    filename: str,
    rows: list[Row],
    *,
    skip_duplicates: bool = False,
) -> list[Idea]:
    """Store every row of the file as an idea of the challenge, or none of them.

    The rows are checked again (an idea proposed since the preview may make a row a duplicate;
    a category may have been removed): a refused row refuses the whole file. Each idea is
    marked in the moderation history (the file's name, who, when), which the cahier's method
    prints.
    """
    check_open(challenge)
    preview = preview_rows(challenge, filename, rows)
    if not preview.importable:
        raise RuleError(
            _l("Some rows are refused: correct the file, then send it again. Nothing was stored.")
        )
    now = utcnow()
    ideas = []
    for fate in preview.fates:
        if skip_duplicates and fate.fate == "duplicate":
            continue
        row = fate.row
        idea = Idea(
            challenge_id=challenge.id,
            author_id=None,
            author_category=row.category or None,
            imported_author=row.author or None,
            show_author_name=bool(row.author),
            title=row.title,
            description=row.description,
            status="visible",
            created_at=now,
        )
        db.session.add(idea)
        ideas.append(idea)
    db.session.flush()
    for idea in ideas:
        db.session.add(
            ModerationRecord(
                challenge_id=challenge.id,
                idea_id=idea.id,
                action="import",
                note=filename,
                staff_id=staff.id,
                created_at=now,
            )
        )
    db.session.flush()
    return ideas


@dataclass(frozen=True)
class ImportMark:
    """Where an imported idea came from, as the staff's idea page shows it."""

    filename: str
    staff_email: str | None
    at: datetime


def import_mark(idea_id: int) -> ImportMark | None:
    """The import record of an idea (None: it was proposed in the room)."""
    row = db.session.execute(
        select(ModerationRecord.note, StaffUser.email, ModerationRecord.created_at)
        .outerjoin(StaffUser, StaffUser.id == ModerationRecord.staff_id)
        .where(ModerationRecord.idea_id == idea_id, ModerationRecord.action == "import")
        .order_by(ModerationRecord.id)
        .limit(1)
    ).first()
    return ImportMark(*row) if row is not None else None
