"""Static files under addresses that name their content, kept by phones for a year.

Every page loads the same stylesheet and scripts. Served as Flask serves them (``no-cache``,
with an ETag), a phone asks for them again (a conditional request, answered 304) at each page:
three more round trips on a crowded Wi-Fi, and at the opening of the vote, when 2,000 pages
reload within seconds, 6,000 more requests in the server's queue.

Each ``url_for('static', …)`` now carries ``v=``, a hash of the file's content: the file at that
address never changes, so it is served ``immutable`` for a year, and a new release makes new
addresses. An address without ``v`` (or with an old one) is served as before.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from flask import Flask, redirect, request, url_for

YEAR = 365 * 24 * 3600


def init_app(app: Flask) -> None:
    versions: dict[str, tuple[float, str]] = {}
    folder = Path(app.static_folder or "static")

    def version_of(filename: str) -> str | None:
        path = folder / filename
        try:
            changed = os.stat(path).st_mtime
        except OSError:
            return None
        known = versions.get(filename)
        if known is None or known[0] != changed:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
            known = versions[filename] = (changed, digest)
        return known[1]

    @app.url_defaults
    def name_the_content(endpoint: str, values: dict) -> None:
        if endpoint == "static" and "v" not in values and "filename" in values:
            version = version_of(values["filename"])
            if version:
                values["v"] = version

    def favicon():
        """Browsers and tools ask for /favicon.ico before reading any page: our icon, not a 404
        on every first load. Every page also names it (``<link rel="icon">``)."""
        return redirect(url_for("static", filename="favicon.svg"), code=301)

    if "favicon" not in app.view_functions:
        app.add_url_rule("/favicon.ico", "favicon", favicon)

    @app.after_request
    def keep_named_content(response):
        if request.endpoint == "static" and response.status_code == 200:
            asked = request.args.get("v")
            filename = (request.view_args or {}).get("filename")
            if asked and filename and asked == version_of(filename):
                response.cache_control.no_cache = None  # Flask's default: ask again each time
                response.cache_control.public = True
                response.cache_control.max_age = YEAR
                response.cache_control.immutable = True
        return response
