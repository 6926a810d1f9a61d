"""htmx.py, the one place that decides between a page and a fragment of it: what each helper
answers with and without htmx, the Vary header every such answer carries, and header_url."""

from __future__ import annotations

import pytest
from flask import Flask, get_flashed_messages
from jinja2 import DictLoader
from sqlalchemy import select

from cite_vote.forums.models import Forum
from cite_vote.forums.services import create_forum
from cite_vote.htmx import (
    done,
    done_or_fragment,
    header_url,
    is_htmx,
    page,
    refusable,
    render,
    seen,
    unchanged,
)
from cite_vote.refusals import Invalid, NotAllowed

PAGE = (
    "<html>{% block main %}<main>{{ word }}</main>{% endblock %}"
    "{% block aside %}<aside>{{ word }}</aside>{% endblock %}</html>"
)
HTMX = {"HX-Request": "true"}


@pytest.fixture
def bare():
    """A Flask app with one template: htmx.py needs a request and Jinja, nothing of cite-vote."""
    app = Flask(__name__)
    app.secret_key = "test"
    app.jinja_loader = DictLoader({"page.html": PAGE})
    return app


@pytest.mark.parametrize(
    "headers, fragment",
    [
        ({}, False),
        (HTMX, True),
        ({**HTMX, "HX-Boosted": "true"}, False),  # a boosted link wants the whole page
        ({**HTMX, "HX-History-Restore-Request": "true"}, False),  # so does a history restore
        ({"HX-Request": "false"}, False),
    ],
)
def test_a_fragment_only_for_a_plain_htmx_request(bare, headers, fragment):
    with bare.test_request_context("/", headers=headers):
        assert is_htmx() is fragment
        response = render("page.html", "main", word="bonjour")
    body = response.get_data(as_text=True)
    if fragment:
        assert body == "<main>bonjour</main>"
    else:
        assert body == "<html><main>bonjour</main><aside>bonjour</aside></html>"
    assert response.status_code == 200
    assert "HX-Request" in response.vary


def test_several_blocks_are_rendered_together_and_the_status_is_kept(bare):
    with bare.test_request_context("/", headers=HTMX):
        response = render("page.html", "main", "aside", status=422, word="non")
    assert response.get_data(as_text=True) == "<main>non</main><aside>non</aside>"
    assert response.status_code == 422
    assert "HX-Request" in response.vary


def test_without_blocks_even_htmx_gets_the_whole_page(bare):
    with bare.test_request_context("/", headers=HTMX):
        response = render("page.html", word="tout")
    assert response.get_data(as_text=True).startswith("<html>")


def test_a_page_rendered_elsewhere_varies_on_htmx_too(bare):
    with bare.test_request_context("/"):
        response = page("<p>déjà rendu</p>", 409)
    assert response.status_code == 409
    assert response.get_data(as_text=True) == "<p>déjà rendu</p>"
    assert "HX-Request" in response.vary


def test_done_is_a_303_without_htmx(bare):
    with bare.test_request_context("/", method="POST"):
        response = done("/f/salle")
    assert response.status_code == 303
    assert response.location == "/f/salle"
    assert "HX-Redirect" not in response.headers


@pytest.mark.parametrize("extra", [{}, {"HX-Boosted": "true"}])
def test_done_tells_htmx_to_navigate_instead_of_following_a_303(bare, extra):
    with bare.test_request_context("/", method="POST", headers={**HTMX, **extra}):
        response = done("/f/salle/c/1")
    assert response.status_code == 200
    assert response.headers["HX-Redirect"] == "/f/salle/c/1"
    assert response.get_data() == b""
    assert "HX-Request" in response.vary


def test_done_encodes_the_address_it_puts_in_a_header(bare):
    with bare.test_request_context("/", method="POST", headers=HTMX):
        response = done("/f/forêt")
    assert response.headers["HX-Redirect"] == "/f/for%C3%AAt"


def test_unchanged_is_an_empty_204_that_varies_on_htmx(bare):
    with bare.test_request_context("/poll?v=abc"):
        response = unchanged()
        assert seen("abc") is True
        assert seen("abd") is False
        assert seen("abc", param="w") is False
    assert response.status_code == 204
    assert response.get_data() == b""
    assert "HX-Request" in response.vary


def test_done_or_fragment_flashes_and_redirects_without_htmx(bare):
    rendered = []
    with bare.test_request_context("/", method="POST"):
        response = done_or_fragment("/f/salle", "Enregistré.", lambda: rendered.append(1))
        assert get_flashed_messages(with_categories=True) == [("success", "Enregistré.")]
    assert response.status_code == 303 and response.location == "/f/salle"
    assert rendered == []  # the fragment is not rendered when it is not the answer


def test_done_or_fragment_renders_only_the_fragment_with_htmx(bare):
    with bare.test_request_context("/", method="POST", headers=HTMX):
        response = done_or_fragment("/f/salle", "Enregistré.", lambda: page("<li>1</li>"))
        assert get_flashed_messages() == []
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "<li>1</li>"


@pytest.mark.parametrize(
    "url, header",
    [
        ("/f/salle/c/1?next=/staff/#top", "/f/salle/c/1?next=/staff/#top"),
        ("/f/for%C3%AAt", "/f/for%C3%AAt"),  # already encoded: not encoded twice
        ("/f/forêt", "/f/for%C3%AAt"),
        ("/f/été 2026", "/f/%C3%A9t%C3%A9%202026"),
        ("/f/a\r\nSet-Cookie: x=1", "/f/a%0D%0ASet-Cookie:%20x=1"),  # no header split
        ("/f/🌱", "/f/%F0%9F%8C%B1"),
    ],
)
def test_header_url_leaves_printable_ascii_and_encodes_the_rest(url, header):
    assert header_url(url) == header
    assert header_url(url).isascii() and header_url(url).isprintable()


def test_refusable_commits_once_when_nothing_is_refused(app, db):
    with refusable() as outcome:
        create_forum(slug="accepte", title="Accepté", categories=["a"])
    db.session.rollback()  # what was committed stays
    assert outcome.ok and outcome.status == 200 and outcome.error is None
    assert db.session.scalar(select(Forum.slug).where(Forum.slug == "accepte")) == "accepte"


@pytest.mark.parametrize("refusal, status", [(NotAllowed, 403), (Invalid, 422)])
def test_refusable_rolls_back_and_keeps_the_refusal(app, db, refusal, status):
    with refusable() as outcome:
        create_forum(slug="refuse", title="Refusé", categories=["a"])
        db.session.flush()
        raise refusal("Pas ici.")
    assert not outcome.ok
    assert (outcome.error, outcome.status) == ("Pas ici.", status)
    assert db.session.scalar(select(Forum).where(Forum.slug == "refuse")) is None
