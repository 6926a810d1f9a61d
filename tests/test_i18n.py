"""French first, English second, and no user-visible string outside the catalogue."""

from __future__ import annotations

import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"
CATALOGUES = ROOT / "cite_vote" / "translations"
TEXT_ATTRIBUTES = {"placeholder", "title", "aria-label", "alt", "value"}
# Text that is not language: symbols, numbers, and each language's name written in itself.
ALLOWED = re.compile(r"^[\s\d\W]*$")


def strip_jinja(source: str) -> str:
    source = re.sub(r"\{#.*?#\}", "", source, flags=re.S)
    source = re.sub(r"\{%.*?%\}", "", source, flags=re.S)
    return re.sub(r"\{\{.*?\}\}", "", source, flags=re.S)


class TextFinder(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.skip += 1
        for name, value in attrs:
            visible = name in TEXT_ATTRIBUTES and not (tag == "input" and name == "value")
            if visible and value and not ALLOWED.match(value):
                self.found.append(f"{tag}[{name}]={value!r}")

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.skip -= 1

    def handle_data(self, data):
        if not self.skip and not ALLOWED.match(data):
            self.found.append(data.strip())


@pytest.mark.parametrize(
    "template", sorted(p.relative_to(TEMPLATES).as_posix() for p in TEMPLATES.rglob("*.html"))
)
def test_template_has_no_text_outside_the_catalogue(template):
    finder = TextFinder()
    finder.feed(strip_jinja((TEMPLATES / template).read_text()))
    assert finder.found == [], f"wrap these in _() in {template}"


def extracted_messages(tmp_path) -> set[str]:
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "-q",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "-o",
            str(pot),
            ".",
        ],
        cwd=ROOT,
        check=True,
    )
    with pot.open("rb") as f:
        return {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id}


def test_every_message_has_a_french_translation(tmp_path):
    wanted = extracted_messages(tmp_path)
    with (CATALOGUES / "fr" / "LC_MESSAGES" / "messages.po").open("rb") as f:
        catalogue = read_po(f)
    translated = {
        (m.id if isinstance(m.id, str) else m.id[0])
        for m in catalogue
        if m.id
        and "fuzzy" not in m.flags
        and all(m.string if isinstance(m.string, tuple) else [m.string])
    }
    missing = sorted(wanted - translated)
    assert missing == [], "run `make i18n` and translate these in fr/messages.po"


def test_pages_are_french_by_default_and_english_on_request(client):
    assert '<html lang="fr">' in client.get("/").text
    english = client.get("/?lang=en").text
    assert '<html lang="en">' in english and "Join the forum" in english


def test_unknown_language_falls_back_to_french(client):
    assert '<html lang="fr">' in client.get("/?lang=xx").text


def test_refusals_come_in_the_chosen_language(
    client, make_forum, make_participant, make_idea, as_participant
):
    forum = make_forum(phase="proposing")
    idea = make_idea(forum.challenges[0])
    as_participant(client, make_participant(forum))
    client.get("/?lang=en")
    response = client.post(f"/f/{forum.slug}/i/{idea.id}/dots", data={"dots": 1})
    assert response.status_code == 409 and "Voting is not open on this challenge." in response.text


def test_wtforms_messages_are_french_and_read_from_disk_once_per_language(
    client, make_forum, make_participant, make_idea, as_participant, monkeypatch
):
    """Flask-WTF alone would read WTForms' catalogue again in every request needing it."""
    from html import unescape

    from babel import support

    forum = make_forum(phase="voting")
    idea = make_idea(forum.challenges[0])
    as_participant(client, make_participant(forum))
    load = support.Translations.load.__func__
    domains = []

    def counting_load(cls, dirname=None, locales=None, domain=None):
        domains.append(domain)
        return load(cls, dirname, locales, domain)

    monkeypatch.setattr(support.Translations, "load", classmethod(counting_load))
    url = f"/f/{forum.slug}/i/{idea.id}/dots"
    for _ in range(3):
        response = client.post(url, data={"dots": "beaucoup"})
        assert response.status_code == 422
        assert "N'est pas un entier valide." in unescape(response.text)
    client.get("/?lang=en")
    for _ in range(2):
        assert "Not a valid integer value." in client.post(url, data={"dots": "many"}).text
    assert domains.count("wtforms") <= 2
