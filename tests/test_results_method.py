"""The cahier's method annex (results/method.py): what it states, in the page and in the PDF."""

from __future__ import annotations

import io
import json
import re
from html import unescape

import pytest
from pypdf import PdfReader

from cite_vote.results import method
from cite_vote.votes import moderation
from cite_vote.votes.chain import chain_heads
from cite_vote.votes.phases import set_phase

ANNEX_HEADINGS = [
    "Comment le résultat a été établi",
    "Les règles du vote",
    "Ce que voyaient les votant·es",
    "Ouverture et clôture de chaque phase",
    "Participant·es par catégorie",
    "Idées masquées et fusionnées",
    "L’ordre d’affichage a-t-il pesé sur les votes ?",
    "Vérifier le décompte",
]


@pytest.fixture
def closed_event(make_forum, make_participant, make_idea, make_staff, cast_dots, db):
    """Forum "methode": a challenge proposed, voted and closed, with a hide and a merge."""
    forum = make_forum(slug="methode", challenges=1, phase="proposing", dot_budget=5, dot_cap=3)
    challenge = forum.challenges[0]
    ideas = [make_idea(challenge, title=f"Idée {n}") for n in range(5)]
    people = [
        make_participant(forum, c) for c in ("association", "association", "citoyen·ne", None)
    ]
    staff = make_staff("organiser", owns=[forum])
    set_phase(forum, "voting")
    for n, person in enumerate(people):
        cast_dots(person, ideas[n % 3], 2)
    cast_dots(people[0], ideas[4], 1)
    moderation.hide_idea(ideas[4], staff, reason="charter", note="Propos injurieux")
    moderation.merge_ideas(ideas[2], ideas[1], staff, note="Même idée")
    set_phase(forum, "closed")
    db.session.commit()
    return forum, challenge, ideas, people, staff


@pytest.fixture
def organiser(client, closed_event, staff_login):
    staff_login(client, closed_event[4])
    return client


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def test_the_annex_states_how_the_vote_was_run(organiser, closed_event):
    page = text_of(organiser.get("/f/methode/cahier").text)
    annex = page[page.index("Comment le résultat a été établi", page.index("Idée 0")) :]
    assert "5 points par défi" in annex and "jusqu’à 3 sur une même idée" in annex
    assert "un ordre propre" in annex
    assert "Les totaux étaient masqués" in annex
    assert "Propositions d’idées" in annex and "Vote" in annex  # the phases with their times
    assert "Non enregistré" not in annex
    assert re.search(r"association 2 2 citoyen·ne 1 1 .*Sans catégorie 1 1 Total 4 4", annex)
    assert "Trop peu de votes" in annex  # 4 voters: too few to measure the order's weight
    for words in ("ρ", "Spearman", "n = ", "décidé du classement"):
        assert words not in annex, words


def test_the_annex_lists_each_hide_and_merge_with_its_reason(organiser, closed_event):
    _forum, _challenge, ideas, *_ = closed_event
    annex = text_of(organiser.get("/f/methode/cahier").text).split("Idées masquées et fusionnées")[
        1
    ]
    assert (
        f"N° {ideas[4].id} « Idée 4 » masquée : Propos contraires à la charte (Propos injurieux)"
        in annex
    )
    assert "1 point rendu" in annex
    assert (
        f"N° {ideas[2].id} « Idée 2 » fusionnée dans la n° {ideas[1].id} « Idée 1 » : Doublon"
        " (Même idée)" in annex
    )


def test_the_phase_times_are_the_recorded_ones(closed_event, db):
    _forum, challenge, *_ = closed_event
    periods = method.phase_periods([challenge.id])[challenge.id]
    assert [p.phase for p in periods] == ["proposing", "voting"]
    assert periods[0].closed == periods[1].opened
    assert periods[1].closed == challenge.phase_changed_at


def test_the_annex_is_in_the_pdf_in_the_same_order_as_in_the_page(organiser, closed_event):
    page = text_of(organiser.get("/f/methode/cahier").text)
    response = organiser.get("/f/methode/cahier.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    pdf = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages)
    pdf = re.sub(r"\s+", " ", pdf)
    starts = []
    for text in (page, pdf):
        # The contents name the annex first; then comes the annex itself.
        start = text.index(ANNEX_HEADINGS[0], text.index(ANNEX_HEADINGS[0]) + 1)
        positions = [text.find(h, start) for h in ANNEX_HEADINGS]
        assert -1 not in positions, (positions, text[start : start + 3000])
        assert positions == sorted(positions)
        starts.append(start)
    assert starts[1] > pdf.index("Idée 0")  # after the chapters
    assert "Propos contraires à la charte" in pdf[starts[1] :]


def test_the_seal_and_turnout_of_each_closed_challenge_are_printed_in_the_annex(
    organiser, closed_event
):
    """The seal a reader compares with the log, and what they compare with the room: the
    ballots by kind (assisted ones included) and the participants and tickets."""
    _forum, challenge, *_ = closed_event
    seal = chain_heads([challenge.id])[challenge.id]
    turnout = json.loads(seal.record)["turnout"]
    ballots = sum(turnout["ballots"].values())
    assert ballots > 0
    annex = text_of(organiser.get("/f/methode/cahier").text).split("Vérifier le décompte")[1]
    assert f"{ballots} bulletins (par téléphone : {turnout['ballots']['phone']} ;" in annex
    assert (
        f"accompagnés, saisis par un·e animateur·rice : {turnout['ballots']['assisted']}" in annex
    )
    assert f"participants : {turnout['participants']}, dont" in annex
    assert f"sceau : {seal.record_hash}" in annex
