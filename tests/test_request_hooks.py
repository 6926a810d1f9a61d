"""What every request passes through: the error pages, the security headers, the language.

The pieces live in cite_vote/responses.py (error_response, SECURITY_HEADERS), cite_vote/i18n.py
(LANGUAGE_NAMES, select_locale) and cite_vote/forms.py (ID_MAX); cite_vote/request_hooks.py
installs them on the app.
"""

from __future__ import annotations

import pytest
from flask import session

from cite_vote.forms import ID_MAX
from cite_vote.i18n import LANGUAGE_NAMES, select_locale
from cite_vote.responses import APP_MARK, SECURITY_HEADERS, error_response


def has_security_headers(response) -> bool:
    return all(response.headers.get(name) == value for name, value in SECURITY_HEADERS.items())


def test_the_security_headers_are_on_pages_errors_and_static_files(client, proposing_scene):
    forum, challenge, _ = proposing_scene
    for url in ("/", f"/f/{forum.slug}/c/{challenge.id}", "/nowhere", "/static/css/app.css"):
        response = client.get(url)
        assert has_security_headers(response), url
        assert "Cookie" in response.headers["Vary"], url
    assert SECURITY_HEADERS["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in SECURITY_HEADERS["Content-Security-Policy"]


def test_every_answer_of_the_app_carries_its_mark(client, htmx_client, proposing_scene):
    """static/js/app.js swaps in only what carries it: a proxy's error page never replaces a
    card or a form (issue 20)."""
    forum, challenge, _ = proposing_scene
    answers = [client.get(url) for url in ("/", "/nowhere", "/static/css/app.css")]
    answers.append(htmx_client.get("/nowhere"))
    answers.append(htmx_client.post(f"/f/{forum.slug}/c/{challenge.id}/ideas", data={}))
    for response in answers:
        assert response.headers.get(APP_MARK) == "1", response.request.path


def test_an_unknown_page_is_the_error_page_in_french(client):
    response = client.get("/nowhere")
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert "<html" in response.text
    assert "Cette page n’existe pas (ou plus)." in response.text
    assert "HX-Retarget" not in response.headers


def test_for_htmx_an_error_is_only_the_message_swapped_into_the_message_area(htmx_client):
    response = htmx_client.get("/nowhere")
    assert response.status_code == 404
    assert "<html" not in response.text
    assert 'id="messages"' in response.text
    assert response.headers["HX-Retarget"] == "#messages"
    assert response.headers["HX-Reswap"] == "outerHTML"
    assert "HX-Request" in response.headers["Vary"]
    assert has_security_headers(response)


def test_error_response_gives_the_status_and_message_asked(app):
    with app.test_request_context("/"):
        page = error_response(409, "Pas maintenant.")
        assert page.status_code == 409 and "Pas maintenant." in page.get_data(as_text=True)
    with app.test_request_context("/", headers={"HX-Request": "true"}):
        fragment = error_response(422, "À corriger.")
        assert fragment.status_code == 422
        assert fragment.headers["HX-Retarget"] == "#messages"
        assert "À corriger." in fragment.get_data(as_text=True)


@pytest.mark.parametrize("challenge_id", [ID_MAX, ID_MAX + 1, 10**20])
def test_an_id_past_what_the_database_holds_is_404(client, proposing_scene, challenge_id):
    forum = proposing_scene.forum
    assert client.get(f"/f/{forum.slug}/c/{challenge_id}").status_code == 404


def test_id_max_is_the_largest_integer_column_value():
    assert ID_MAX == 2147483647


def test_the_language_is_french_unless_asked_and_then_remembered(app):
    with app.test_request_context("/"):
        assert select_locale() == "fr"
    with app.test_request_context("/?lang=en"):
        assert select_locale() == "en"
        assert session["lang"] == "en"
    with app.test_request_context("/?lang=xx"):
        assert select_locale() == "fr"
        assert "lang" not in session
    with app.app_context():
        assert select_locale() == app.config["BABEL_DEFAULT_LOCALE"]


def test_the_language_switch_names_each_language_in_itself(client):
    assert LANGUAGE_NAMES == {"fr": "Français", "en": "English"}
    page = client.get("/").text
    assert "English" in page
    english = client.get("/?lang=en")
    assert english.status_code == 200 and "Français" in english.text
    assert 'lang="en"' in client.get("/").text  # remembered in the session
