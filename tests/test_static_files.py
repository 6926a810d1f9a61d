"""Pages link their stylesheet and scripts under addresses naming their content, which phones
keep for a year: no conditional request per file at each page (cite_vote/static_files.py)."""

from __future__ import annotations

import re
from html import unescape


def static_links(html: str) -> list[str]:
    return [unescape(u) for u in re.findall(r'(?:href|src)="(/static/[^"]+)"', html)]


def test_a_page_links_named_static_files_kept_for_a_year(client, make_forum):
    make_forum(slug="salle")
    links = static_links(client.get("/accessibilite").text)
    assert {"/static/css/app.css", "/static/js/app.js"} <= {u.split("?")[0] for u in links}
    for url in links:
        assert re.search(r"\?v=[0-9a-f]{12}$", url), url
        response = client.get(url)
        assert response.status_code == 200
        cache = response.headers["Cache-Control"]
        assert "max-age=31536000" in cache and "immutable" in cache and "no-cache" not in cache


def test_an_address_without_its_content_name_is_served_without_a_lifetime(client):
    for url in ("/static/css/app.css", "/static/css/app.css?v=000000000000"):
        response = client.get(url)
        assert response.status_code == 200
        assert "max-age=31536000" not in response.headers.get("Cache-Control", "")


def test_a_changed_file_gets_a_new_address(app, tmp_path):
    """The name follows the file (a new release, or an edit while developing)."""
    import os

    from flask import url_for

    from cite_vote import static_files

    app.static_folder = str(tmp_path)
    static_files.init_app(app)  # the app's own one looks in the real folder: no v= for x.css
    (tmp_path / "x.css").write_text("a{}")
    with app.test_request_context():
        first = url_for("static", filename="x.css")
    (tmp_path / "x.css").write_text("b{}")
    os.utime(tmp_path / "x.css", (1, 1))
    with app.test_request_context():
        second = url_for("static", filename="x.css")
    assert first.startswith("/static/x.css?v=") and second.startswith("/static/x.css?v=")
    assert first != second
