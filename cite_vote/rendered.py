"""HTML rendered once and reused by this worker, under a key that names everything it shows.

The key is read from the database in the request that uses it (the rows shown, or the forum's
version, ``forums.versions``), so a worker on any host never serves what is no longer true: a
change makes a new key, and the old entry just ages out of the bounded cache.
"""

from __future__ import annotations

import threading
from collections import OrderedDict


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
