"""Every page cache of this worker, in one place: HTML rendered once and reused under a key
that names everything it shows.

Each cache in ``REGISTRY`` declares, next to it, the template it renders, its key fields (paths
into the context the template is given, from which its key function is compiled once) and the
person's own parts (``marks``), put in per request. ``tests/test_page_caches.py`` parses each
template and fails when a path it shows is neither a key field, nor a mark, nor declared
``fixed`` (a value set by when the cache is used, with the reason): a template edit that shows
something new must say here how it enters the key.

The key is read from the database in the request that uses it (the rows shown, or the forum's
version, ``forums.versions``), so a worker on any host never serves what is no longer true: a
change makes a new key, and the old entry just ages out of the bounded cache.
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from flask import current_app, request, session
from flask_babel import get_locale
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


# --- the declarations ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Derived:
    """A key field computed from the context, standing for the template paths ``shows``: for
    what a path alone cannot say (a truth value, a dictionary entry, the request). ``read``
    is a Python expression of the context ``c`` (and of the item, for an item's field), of
    ``request`` and ``get_locale``, written into the key function: no call per field."""

    shows: tuple[str, ...]
    read: str


def derived(shows: str | tuple[str, ...], read: str) -> Derived:
    return Derived((shows,) if isinstance(shows, str) else shows, read)


# The names every template is given alike (app globals and constants, pure of the request
# beyond their arguments): showing them needs no key field. Translations (``_``, ``ngettext``)
# stand for ``current_locale``, ``url_for`` for the address's script root, ``language_url`` for
# the address asked for: each cache declares those in its key.
SAME_FOR_EVERYONE = frozenset(
    {
        "dict",
        "namespace",
        "range",
        "languages",
        "language_names",
        "phase_labels",
        "idea_status_labels",
        "role_labels",
        "hide_reasons",
        "note_max",
        "dots_left",
        "field_max",
        "phase_poll_key",
        "moderation_actions",
        "identity_colour",
        "identity_css",
        "public_url",
    }
)
TRANSLATIONS = frozenset({"_", "gettext", "ngettext"})

LOCALE = derived("current_locale", "str(get_locale())")
SCRIPT_ROOT = derived("url_for", "request.script_root")
# The language links keep the address asked for (``request_hooks.language_url``).
ADDRESS = derived(
    ("language_url", "request.path", "request.endpoint", "request.view_args"),
    "(request.path, request.query_string)",
)
# The person's CSRF token, in every cache that shows a form: put back per request (``framed``).
CSRF = {"csrf_token": "the person's token, put back per request (CSRF_MARK)"}
# Shown by ``base.html`` around every page, and set by when a frame is used.
PAGE_FIXED = {
    "messages": "not given to a page as loaded",
    "flashed": "no frame while a flashed message waits (frames_allowed)",
}


def _expression(path: str, item: str | None) -> str:
    """Python for one key path: ``a.b`` reads ``c["a"].b`` (or the item ``a`` itself);
    ``a.b[]`` is ``tuple(c["a"].b)``; ``a[].b`` is the ``b`` of each element of ``c["a"]``."""
    head, each, tail = path.partition("[]")
    names = head.split(".")
    if not all(name.isidentifier() for name in names) or (tail and not tail.startswith(".")):
        raise ValueError(f"not a key path: {path!r}")
    root, *attributes = names
    value = root if root == item else f"c[{root!r}]"
    value += "".join(f".{name}" for name in attributes)
    if not each:
        return value
    if not tail:
        return f"tuple({value})"
    if not all(name.isidentifier() for name in tail[1:].split(".")):
        raise ValueError(f"not a key path: {path!r}")
    return f"tuple(_x{tail} for _x in {value})"


def compile_key(fields: Iterable[str | Derived], item: str | None = None) -> Callable:
    """The key function of ``fields``, compiled once into one tuple expression (the keys are
    built on every page load, some once per card): ``key(c)``, or ``key(c, item, shared)``
    for the fields of each item of a page, ``shared`` (the page's part) ending the key."""
    scope: dict = {"request": request, "get_locale": get_locale}
    parts = [
        f"({field.read})" if isinstance(field, Derived) else _expression(field, item)
        for field in fields
    ]
    arguments = f"c, {item}, shared" if item else "c"
    if item:
        parts.append("shared")
    source = f"def key({arguments}):\n    return ({', '.join(parts)},)\n"
    exec(compile(source, f"<page_caches key {arguments}>", "exec"), scope)
    return scope["key"]


class PageCache(RenderedCache):
    """A registered cache: ``template`` (its ``block`` alone, when given) rendered under
    ``key(context)``; with ``item``, one entry per element (``item_key(context, element,
    shared)`` where ``shared = key(context)``)."""

    def __init__(
        self,
        name: str,
        template: str,
        *,
        size: int,
        key_fields: tuple[str | Derived, ...],
        marks: Mapping[str, str] = {},  # noqa: B006 (read only)
        fixed: Mapping[str, str] = {},  # noqa: B006 (read only)
        block: str | None = None,
        skip_blocks: tuple[str, ...] = (),
        item: str | None = None,
        item_fields: tuple[str | Derived, ...] = (),
    ) -> None:
        super().__init__(size)
        self.name, self.template, self.block, self.skip_blocks = name, template, block, skip_blocks
        self.key_fields, self.item, self.item_fields = key_fields, item, item_fields
        self.marks, self.fixed = dict(marks), dict(fixed)
        self.key = compile_key(key_fields)
        self.item_key = compile_key(item_fields, item) if item else None

    @property
    def shown(self) -> set[str]:
        """Every template path the key stands for."""
        paths = set()
        for field in (*self.key_fields, *self.item_fields):
            paths.update(field.shows if isinstance(field, Derived) else (field,))
        return paths

    def __repr__(self) -> str:
        return f"<PageCache {self.name}>"


# A phone's idea card (challenge page, idea page, a vote's answer), per content and per
# person's dots on it: at most cap + 1 versions of a card.
IDEA_CARDS = PageCache(
    "idea_cards",
    "ideas/_idea.html",
    size=1024,
    key_fields=(
        "show_totals",
        "voting",
        "forum.slug",
        "forum.dot_cap",
        "back",
        LOCALE,
        SCRIPT_ROOT,
    ),
    item="idea",
    item_fields=(
        "idea.id",
        "idea.title",
        "idea.description",
        "idea.author_category",
        derived(
            ("idea.show_author_name", "idea.author.display_name"),
            "idea.author.display_name if idea.show_author_name and idea.author else None",
        ),
        derived("comment_counts[]", "c['comment_counts'].get(idea.id, 0)"),
        derived("totals[]", "c['totals'].get(idea.id) if c['show_totals'] else None"),
        derived("mine[]", "c['mine'].get(idea.id, 0)"),
        derived(
            "ranked[]",
            "(c['ranked'][idea.id].rank, c['ranked'][idea.id].tied)"
            " if c.get('ranked') and idea.id in c['ranked'] else None",
        ),
    ),
    marks=CSRF,
    fixed={"error": "None: a card with a refusal is rendered whole"},
)

# The challenge page as a phone loads it, with the person's cards and token left as marks.
CHALLENGE_PAGES = PageCache(
    "challenge_pages",
    "ideas/challenge.html",
    size=256,
    key_fields=(
        "forum.id",
        "forum.slug",
        "forum.title",
        "forum.language_list[]",
        "forum.dot_budget",
        "forum.dot_cap",
        "challenge.id",
        "challenge.position",
        "challenge.phase",
        "challenge.title",
        "challenge.question",
        "voting",
        "proposing",
        "spent",
        "pending[].id",
        "pending[].title",
        "questions[].id",
        "questions[].label",
        "questions[].required",
        "questions[].max_length",
        derived("participant.display_name", "bool(c['participant'].display_name)"),
        derived("cards", "bool(c['cards'])"),
        LOCALE,
        SCRIPT_ROOT,
        ADDRESS,
    ),
    marks={
        **CSRF,
        "cards": "the person's cards in their order, from IDEA_CARDS (whether any: key)",
    },
    fixed={
        **PAGE_FIXED,
        "form": "the empty form, shown when proposing (key)",
        "notice": "None on a page as loaded",
        "counter_id": "not given on this page (the assisted ballot's counters)",
        "inline": "not given on this page (the assisted ballot's counters)",
        "oob": "not given on this page (a vote's answer)",
        "similar": "not given on a page as loaded",
        "receipts": "no frame for a page with a receipt (phone.challenge_page)",
    },
)


# A phone's forum page, with the person's name and category left as marks.
FORUM_PAGES = PageCache(
    "forum_pages",
    "forums/forum.html",
    size=256,
    key_fields=(
        "forum.id",
        "forum.slug",
        "forum.title",
        "forum.join_code",
        "forum.results_public_early",
        "forum.dot_budget",
        "forum.language_list[]",
        "challenges[].id",
        "challenges[].position",
        "challenges[].title",
        "challenges[].question",
        "challenges[].phase",
        derived("idea_counts[]", "tuple(sorted(c['idea_counts'].items()))"),
        derived(
            "spent[]",
            "tuple(c['spent'].get(ch.id, 0) for ch in c['challenges'] if ch.phase == 'voting')",
        ),
        "any_closed",
        derived("participant.display_name", "bool(c['participant'].display_name)"),
        derived("participant.category", "bool(c['participant'].category)"),
        LOCALE,
        SCRIPT_ROOT,
        ADDRESS,
    ),
    marks={
        **CSRF,
        "participant.display_name": "the person's name (whether they have one: key)",
        "participant.category": "the person's category (whether they have one: key)",
    },
    fixed=PAGE_FIXED,
)
# The rankings of a results page: the same for every viewer who may see the same challenges,
# rendered again after any change to what they show (the forum's version moves).
RESULTS_RANKINGS = PageCache(
    "results_rankings",
    "results/results.html",
    block="sections",
    size=64,
    key_fields=(
        # Staff see each challenge's order bias beside its ranking.
        derived(("viewer.sees_order_bias", "show_positions"), "c['viewer'].sees_order_bias"),
        # Staff also see the seal's hash and each idea's dots from paper (only its truth counts).
        derived("viewer.staff", "c['viewer'].staff is not None"),
        # Everything read from the forum: its version, with the database (one process may serve
        # several) and the forum's creation (a database emptied or restored under a running
        # server may give another forum the same id and version number).
        derived(("forum", "results", "heads", "colours", "paper", "paper_sheets"), "c['version']"),
        "challenges[].id",
        "order",
        "scope",
        LOCALE,
        SCRIPT_ROOT,
    ),
    fixed={
        "sections": "not given when the block is rendered alone",
        "bar_segments": "a function",
        "group_label": "a function",
        "merged_names": "a function",
        "min_voters": "a constant",
        "ranking_rule": "a constant",
        "cross_rule": "a constant",
        "idea_heading": "not set on this page (results/challenge.html sets it)",
    },
)

# Whole results pages: the rankings' key and what the page shows around them.
RESULTS_PAGES = PageCache(
    "results_pages",
    "results/results.html",
    skip_blocks=("sections",),
    size=64,
    key_fields=(
        # The rankings' key: the forum's version, the view, the language and the script root.
        derived(
            ("sections", "forum", "order", "scope", "viewer.staff", "current_locale", "url_for"),
            "c['rankings']",
        ),
        "viewer.is_organiser",
        derived("staff_nav", "c['staff_role']"),
        "forum.slug",
        "forum.title",
        "forum.shortlist_size",
        "forum.language_list[]",
        ADDRESS,
    ),
    marks=CSRF,
    fixed={
        **PAGE_FIXED,
        # Not given to the whole page (only to its rankings): its rule hint is empty.
        "ranking_rule": "not given to the page",
        "cross_rule": "not given to the page",
    },
)

# The staff navigation, per page, forum, role and language (it shows nothing else): every
# staff page shows it, and its twenty links cost a third of a results page.
STAFF_NAVS = PageCache(
    "staff_navs",
    "_staff_nav.html",
    size=256,
    key_fields=(
        derived("request.endpoint", "request.endpoint"),
        derived(("forum", "forum.slug"), "c['forum'].slug if c['forum'] else None"),
        "staff_role",
        LOCALE,
        SCRIPT_ROOT,
    ),
)

REGISTRY: dict[str, PageCache] = {
    cache.name: cache
    for cache in (
        IDEA_CARDS,
        CHALLENGE_PAGES,
        FORUM_PAGES,
        RESULTS_RANKINGS,
        RESULTS_PAGES,
        STAFF_NAVS,
    )
}
