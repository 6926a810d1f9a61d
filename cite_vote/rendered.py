"""HTML rendered once and reused by this worker, under a key that names everything it shows.

The key is read from the database in the request that uses it (the rows shown, or the forum's
version, ``forums.versions``), so a worker on any host never serves what is no longer true: a
change makes a new key, and the old entry just ages out of the bounded cache.
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable

from flask import current_app, request, session
from flask_wtf.csrf import generate_csrf

# Stands for the person's CSRF token in cached HTML (unguessable: no text shown can hold it).
CSRF_MARK = f"csrf-{secrets.token_hex(16)}"


class RenderedCache:
    """Least recently used first out, at most ``size`` entries; safe across threads."""

    def __init__(self, size: int = 1024) -> None:
        self.size = size
        self._entries: OrderedDict[tuple, str] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple) -> str | None:
        with self._lock:
            html = self._entries.get(key)
            if html is not None:
                self._entries.move_to_end(key)
            return html

    def put(self, key: tuple, html: str) -> None:
        with self._lock:
            self._entries[key] = html
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def mark(name: str) -> str:
    """A stand-in for one person's text in a frame (``framed``): unguessable, so that no text
    shown on the page can hold it, and safe in HTML as it is."""
    return f"{name}-{secrets.token_hex(16)}"


def frames_allowed() -> bool:
    """Whether a page may come from a frame: only for a GET (a HEAD runs the same view, but
    its language links point home, ``request_hooks.language_url``), not while a flashed
    message waits for this person (the frame would keep it, or lose it), nor while templates
    reload from disk (development)."""
    return (
        request.method == "GET"
        and not session.get("_flashes")
        and not current_app.jinja_env.auto_reload
    )


def framed(
    cache: RenderedCache,
    key: tuple,
    render: Callable[[], str],
    fills: Iterable[tuple[str, str]] = (),
) -> str:
    """A page that is mostly everyone's: its frame rendered once per ``key`` (everything the
    frame shows), then this person's parts put in. ``render`` renders the frame with a mark
    (``mark``) where each of the person's texts goes, and ``fills`` gives each mark its text,
    escaped; the person's CSRF token is put back in too."""
    token = generate_csrf()
    html = cache.get(key)
    if html is None:
        html = render().replace(token, CSRF_MARK)
        cache.put(key, html)
    html = html.replace(CSRF_MARK, token)
    for where, text in fills:
        html = html.replace(where, text)
    return html
