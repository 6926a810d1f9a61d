"""The cahier's PDF is built once for what it shows and kept; a big one builds in the background.

Closed results cannot change, so a PDF that took a minute to build must not be built again for
every download, nor run past a worker's timeout: a big cahier is built by its own process while
the organiser's page says so (202), and served at once afterwards.
"""

from __future__ import annotations

import time

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from cite_vote.results import views
from cite_vote.results.models import CahierFile


@pytest.fixture
def closed_forum(make_forum, make_participant, make_idea, make_comment, cast_dots, db):
    forum = make_forum(slug="cahier-cache", phase="voting", challenges=1)
    ideas = [make_idea(forum.challenges[0], title=f"Idée numéro {n}") for n in range(4)]
    make_comment(ideas[0], body="Un commentaire utile")
    cast_dots(make_participant(forum), ideas[1], 2)
    forum.challenges[0].phase = "closed"
    db.session.commit()
    return forum


@pytest.fixture
def organiser(client, closed_forum, make_staff, staff_login):
    return staff_login(client, make_staff("organiser", owns=[closed_forum]))


def refuse_to_build(*_args):
    raise AssertionError("the PDF was built again")


def test_a_built_cahier_is_served_again_without_building(organiser, monkeypatch):
    first = organiser.get("/f/cahier-cache/cahier.pdf")
    assert first.status_code == 200 and first.data.startswith(b"%PDF")
    monkeypatch.setattr(views, "pdf_bytes", refuse_to_build)
    again = organiser.get("/f/cahier-cache/cahier.pdf")
    assert again.status_code == 200 and again.data == first.data


def test_a_change_to_what_the_cahier_shows_builds_it_anew(organiser, closed_forum, make_idea, db):
    organiser.get("/f/cahier-cache/cahier.pdf")
    idea = db.session.scalar(
        select(views.Challenge).where(views.Challenge.forum_id == closed_forum.id)
    )
    make_idea(idea, title="Une idée arrivée tard")
    response = organiser.get("/f/cahier-cache/cahier.pdf")
    text = "".join(page.extract_text() for page in PdfReader(_bytes(response)).pages)
    assert "Une idée arrivée tard" in text
    assert db.session.scalar(select(func.count()).select_from(CahierFile)) == 1  # old one gone


def _bytes(response):
    import io

    return io.BytesIO(response.data)


def test_a_big_cahier_builds_in_the_background_and_the_page_says_so(organiser, monkeypatch, db):
    launched = []
    monkeypatch.setattr(views, "BUILD_INLINE_MAX", 0)
    monkeypatch.setattr(views, "launch_build", lambda *args, **kw: launched.append((args, kw)))
    monkeypatch.setattr(views, "pdf_bytes", refuse_to_build)
    response = organiser.get("/f/cahier-cache/cahier.pdf")
    assert response.status_code == 202
    assert "en préparation" in response.text and 'http-equiv="refresh"' in response.text
    assert response.headers["Retry-After"].isdigit()
    assert len(launched) == 1
    again = organiser.get("/f/cahier-cache/cahier.pdf")
    assert again.status_code == 202 and len(launched) == 1  # one build at a time
    file = db.session.scalar(select(CahierFile))
    assert file.status == "building"


def test_the_build_command_makes_the_download_instant(organiser, runner, monkeypatch):
    result = runner.invoke(args=["cahier-build", "cahier-cache"])
    assert result.exit_code == 0, result.output
    monkeypatch.setattr(views, "pdf_bytes", refuse_to_build)
    response = organiser.get("/f/cahier-cache/cahier.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")


def test_a_big_cahier_is_built_by_its_own_process_then_downloaded(
    organiser, monkeypatch, database_url
):
    monkeypatch.setattr(views, "BUILD_INLINE_MAX", 0)
    monkeypatch.setenv("CITE_VOTE_DATABASE_URL", database_url)  # what the build process opens
    response = organiser.get("/f/cahier-cache/cahier.pdf")
    assert response.status_code == 202
    deadline = time.monotonic() + 90
    while response.status_code == 202 and time.monotonic() < deadline:
        time.sleep(0.5)
        response = organiser.get("/f/cahier-cache/cahier.pdf")
    assert response.status_code == 200
    text = "".join(page.extract_text() for page in PdfReader(_bytes(response)).pages)
    assert "Idée numéro 1" in text
