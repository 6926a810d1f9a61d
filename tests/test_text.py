"""What text people may type (cite_vote/text.py): the characters refused, the files' fallback."""

import pytest
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from cite_vote.text import replace_controls, text_problem
from tests.helpers import make_test_app

C0 = [chr(n) for n in range(0x20)]
C1_AND_DEL = [chr(n) for n in range(0x7F, 0xA0)]
BIDI_CONTROLS = ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068"]


@pytest.fixture(scope="module", autouse=True)
def _request():
    """Only the messages' language is needed: one app for the module, no database."""
    with make_test_app("sqlite://").test_request_context():
        yield


def test_one_line_refuses_every_control_character():
    for char in C0 + C1_AND_DEL + BIDI_CONTROLS + ["\u2069"]:
        assert text_problem(f"avant{char}après") is not None, hex(ord(char))


def test_several_lines_refuse_every_control_character_but_tab_and_line_breaks():
    for char in [c for c in C0 if c not in "\t\n\r"] + C1_AND_DEL + BIDI_CONTROLS:
        assert text_problem(f"avant{char}après", multiline=True) is not None, hex(ord(char))


def test_several_lines_keep_tabs_line_breaks_and_separators():
    assert text_problem("Ligne 1\r\n\tLigne 2\nLigne 3\u2028Ligne 4", multiline=True) is None


@pytest.mark.parametrize("char", ["\n", "\r", "\u2028", "\u2029"])
def test_one_line_asks_for_one_line(char):
    assert str(text_problem(f"Une{char}idée")) == "Écrivez ce texte sur une seule ligne."


def test_the_message_names_the_character_and_where_it_is():
    assert str(text_problem("Une idée\x01")) == (
        "Ce texte contient un caractère invisible qui ne peut pas être enregistré "
        "(U+0001, caractère n° 9). Retapez-le sans ce caractère."
    )


@pytest.mark.parametrize(
    "text",
    [
        "Une idée",
        "",
        None,
        "👩‍👩‍👧 familles",  # zero-width joiners make one emoji
        "می‌خواهم",  # Persian: a zero-width non-joiner inside a word
        "שלום \u200fעולם",  # a right-to-left mark
        "Idée\u00a0!",  # no-break space before French punctuation
        "co\u00advoiturage",  # soft hyphen
        "   ",  # empty once trimmed: the field's own rule decides
    ],
)
def test_text_people_really_type_is_accepted(text):
    assert text_problem(text) is None
    assert text_problem(text, multiline=True) is None


@pytest.mark.parametrize("text", ["\u200b", "\u200b\u2060\ufeff", " \u200b ", "\u200d\u00a0"])
def test_a_text_of_invisible_characters_only_is_refused(text):
    assert "n’affiche rien" in str(text_problem(text))


def test_replaced_text_is_always_accepted_by_openpyxl():
    for code in range(0xA0):
        text = replace_controls(f"a{chr(code)}b")
        assert not ILLEGAL_CHARACTERS_RE.search(text)
        if chr(code) in "\t\n\r" or 0x20 <= code < 0x7F:
            assert text == f"a{chr(code)}b"
        else:
            assert text == "a\ufffdb", hex(code)


def test_replace_leaves_what_is_not_text():
    assert replace_controls(3) == 3 and replace_controls(None) is None
