"""What text people may type, and what the files do with text stored before that rule.

One home for the characters that break a page or a download: every form field refuses them
(``cite_vote.forms.Form`` checks each text field with ``text_problem``), so do the services
that take typed text outside a form (a moderator's note), and the files replace any that older
data still holds (``replace_controls``). docs/security.md says which and why.
"""

from __future__ import annotations

import re
import unicodedata

from flask_babel import lazy_gettext as _l

# Control characters: C0 (U+0000–U+001F), DEL (U+007F) and C1 (U+0080–U+009F). XML 1.0 and so
# XLSX cannot hold most of C0 (openpyxl refuses them), PostgreSQL refuses NUL, and none of them
# is anything a person means to type. Text of several lines keeps tab, line feed and carriage
# return (a browser sends CRLF); text of one line keeps none of them.
CONTROL_BUT_LINES = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Bidirectional embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069): one left
# open turns round the rest of the line it is shown in (a name can reverse what the page says
# after it). Marks (U+200E, U+200F) and joiners (U+200C, U+200D: emoji, Persian) stay allowed.
BIDI = "\u202a-\u202e\u2066-\u2069"
# The line and paragraph separators (U+2028, U+2029) are line breaks: refused in one line.
REFUSED_IN_ONE_LINE = re.compile(rf"[\x00-\x1f\x7f-\x9f{BIDI}\u2028\u2029]")
REFUSED_IN_LINES = re.compile(rf"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f{BIDI}]")
LINE_BREAKS = frozenset("\n\r\u2028\u2029")


def is_invisible(char: str) -> bool:
    """Shows nothing by itself: a space of any kind, a control or a format character
    (zero-width space, joiners, word joiner, byte order mark, bidirectional marks…)."""
    return unicodedata.category(char) in ("Zs", "Zl", "Zp", "Cc", "Cf")


def text_problem(value: str | None, *, multiline: bool = False):
    """What is wrong with a text a person typed, as a message for them, or None if nothing is.

    Refused: control characters (in text of several lines, tab and line breaks are fine; in one
    line, no line break of any kind), the bidirectional controls above, and a text that is not
    empty yet made only of invisible characters (a title nobody can see).
    """
    if not value:
        return None
    found = (REFUSED_IN_LINES if multiline else REFUSED_IN_ONE_LINE).search(value)
    if found is not None:
        if found.group() in LINE_BREAKS:
            return _l("Write this on one line.")
        code = "U+" + format(ord(found.group()), "04X")
        return _l(
            "This text holds an invisible character that cannot be kept (%(code)s, character "
            "%(position)d). Type it again without it.",
            code=code,
            position=found.start() + 1,
        )
    if value.strip() and all(is_invisible(char) for char in value):
        return _l("This text shows nothing: it is made only of invisible characters.")
    return None


def replace_controls(value):
    """Text as a file can hold it: each control character (C0 but tab and line breaks, DEL,
    C1) becomes U+FFFD, so text stored before the rule never breaks a spreadsheet (openpyxl
    refuses them) or the cahier's PDF (a glyph-less character garbles its whole text layer), and
    the reader sees where something was. Not text: unchanged."""
    if not isinstance(value, str):
        return value
    return CONTROL_BUT_LINES.sub("\ufffd", value)
