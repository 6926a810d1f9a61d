"""Every page cache (``cite_vote.page_caches.REGISTRY``), checked the same way.

(a) Its template, parsed, shows no path that its key leaves out: each variable path the
template shows (following ``extends``, ``include``, ``import`` and the blocks it renders) must
be a key field, a person's mark or declared fixed, so a template edit that shows something new
fails here until the key says how it enters.

(b) The page served from the cache equals the page rendered with the caches emptied, for two
people and after a change of what it shows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from jinja2 import nodes

from cite_vote.ideas.models import Comment
from cite_vote.ideas.moderation import edit_idea
from cite_vote.page_caches import (
    CHALLENGE_PAGES,
    CSRF_MARK,
    FORUM_PAGES,
    IDEA_CARDS,
    REGISTRY,
    RESULTS_PAGES,
    RESULTS_RANKINGS,
    SAME_FOR_EVERYONE,
    TRANSLATIONS,
    RenderedCache,
)
from cite_vote.phone import challenge_page as challenge_pages
from cite_vote.phone import forum_page as forum_pages
from cite_vote.votes.phases import set_phase
from cite_vote.votes.services import set_dots
from tests.helpers import page_token
from tests.helpers import same_page as same_as_fresh

CACHES = list(REGISTRY.values())
# The caches of whole pages (a frame, the person's parts put in), as against parts of a page.
FRAMES = ("challenge_pages", "forum_pages", "results_pages")
MARKS = (CSRF_MARK, challenge_pages.CARDS_MARK, forum_pages.NAME_MARK, forum_pages.CATEGORY_MARK)


# --- (a) the templates against the keys ----------------------------------------------------------


class Shown:
    """The variable paths a template shows, as dotted strings: ``a.b``; ``a[]`` for an entry
    of ``a`` (``a[x]``, ``a.get(x)``) and ``a[].b`` for a field of it, also through a loop
    variable or a ``set`` that names it."""

    def __init__(self, env, skip_blocks=()):
        self.env, self.skip_blocks = env, set(skip_blocks)
        self.paths: set[str] = set()
        self.seen_templates: set[str] = set()

    # The path an expression stands for, or None (a constant, a computed value).
    def path(self, node, scope) -> str | None:
        if isinstance(node, nodes.Name):
            if node.name in scope:
                return scope[node.name]
            return node.name
        if isinstance(node, nodes.Getattr):
            base = self.path(node.node, scope)
            return f"{base}.{node.attr}" if base else None
        if isinstance(node, nodes.Getitem):
            base = self.path(node.node, scope)
            self.visit(node.arg, scope)
            if base is None:
                return None
            if isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, int):
                return base  # a tuple's part: the tuple is shown
            return f"{base}[]"
        return None

    def add(self, node, scope):
        path = self.path(node, scope)
        if path:
            self.paths.add(path)

    def call(self, node, scope):
        target = node.node
        if isinstance(target, nodes.Getattr) and target.attr == "get":
            base = self.path(target.node, scope)
            if base:
                self.paths.add(f"{base}[]")
        elif isinstance(target, nodes.Getattr):
            self.add(target.node, scope)  # a method: its object is shown
        elif isinstance(target, nodes.Name) and target.name not in scope:
            name = target.name
            self.paths.add("current_locale" if name in TRANSLATIONS else name)
        for child in (*node.args, *node.kwargs, node.dyn_args, node.dyn_kwargs):
            if child is not None:
                self.visit(child, scope)

    def alias(self, node, scope) -> str | None:
        """The path a ``set`` or a loop gives a name to."""
        if isinstance(node, nodes.Call):
            target = node.node
            if isinstance(target, nodes.Getattr) and target.attr == "get":
                base = self.path(target.node, scope)
                return f"{base}[]" if base else None
            return None
        return self.path(node, scope)

    def bind(self, target, value_path, scope):
        if isinstance(target, nodes.Name):
            scope[target.name] = value_path
        elif isinstance(target, nodes.Tuple):
            for item in target.items:
                self.bind(item, value_path, scope)
        elif isinstance(target, nodes.NSRef):
            pass

    def template(self, name: str, scope: dict):
        source = self.env.loader.get_source(self.env, name)[0]
        self.seen_templates.add(name)
        self.body(self.env.parse(source).body, scope)

    def body(self, items, scope):
        for item in items:
            self.visit(item, scope)

    def visit(self, node, scope):
        if node is None:
            return
        if isinstance(node, nodes.Extends):
            # The parent's blocks are overridden by the child's, which are visited too.
            self.template(node.template.value, dict(scope))
        elif isinstance(node, nodes.Block):
            if node.name not in self.skip_blocks:
                self.body(node.body, scope)
        elif isinstance(node, nodes.Include):
            self.template(node.template.value, scope)
        elif isinstance(node, (nodes.FromImport, nodes.Import)):
            name = node.template.value
            if name not in self.seen_templates:
                self.template(name, {})
            names = node.names if isinstance(node, nodes.FromImport) else [node.target]
            for entry in names:
                local = entry[1] or entry[0] if isinstance(entry, tuple) else entry
                scope[local] = None
        elif isinstance(node, nodes.Macro):
            inner = dict(scope)
            for argument in node.args:
                inner[argument.name] = None
            for default in node.defaults:
                self.visit(default, scope)
            inner.update(caller=None, varargs=None, kwargs=None)
            scope[node.name] = None
            self.body(node.body, inner)
        elif isinstance(node, nodes.Assign):
            self.visit(node.node, scope)
            self.bind(node.target, self.alias(node.node, scope), scope)
        elif isinstance(node, nodes.AssignBlock):
            self.body(node.body, scope)
            self.bind(node.target, None, scope)
        elif isinstance(node, nodes.For):
            self.visit(node.iter, scope)
            inner = dict(scope)
            source = self.alias(node.iter, scope)
            self.bind(node.target, f"{source}[]" if source else None, inner)
            inner["loop"] = None
            if node.test is not None:
                self.visit(node.test, inner)
            self.body(node.body, inner)
            self.body(node.else_, scope)
        elif isinstance(node, nodes.Call):
            self.call(node, scope)
        elif isinstance(node, (nodes.Name, nodes.Getattr, nodes.Getitem)):
            self.add(node, scope)
            if isinstance(node, nodes.Getitem):
                self.path(node, scope)
        elif isinstance(node, nodes.Test) and node.name == "defined":
            pass  # "is defined" shows nothing
        elif isinstance(node, nodes.Node):
            for child in node.iter_child_nodes():
                self.visit(child, scope)


def shown_by(app, cache) -> set[str]:
    """Every path ``cache``'s template shows, but the names every template gets alike."""
    shown = Shown(app.jinja_env, cache.skip_blocks)
    source = app.jinja_env.loader.get_source(app.jinja_env, cache.template)[0]
    tree = app.jinja_env.parse(source)
    if cache.block:
        [block] = [b for b in tree.find_all(nodes.Block) if b.name == cache.block]
        for node in tree.body:  # the template's imports serve the block too
            if isinstance(node, (nodes.FromImport, nodes.Import)):
                shown.visit(node, {})
        shown.body(block.body, {})
    else:
        shown.body(tree.body, {})
    return {
        path
        for path in shown.paths
        if path.split(".")[0].split("[")[0] not in SAME_FOR_EVERYONE | {"loop", "caller"}
    }


def covered(path: str, declared: set[str]) -> bool:
    """Whether a key field, a mark or a fixed value stands for ``path``: the same path, one
    it is part of (``forum`` covers ``forum.slug``), or one of its parts (a template that only
    tests ``pending`` is covered by ``pending[].title``)."""
    for field in declared:
        if path == field:
            return True
        if path.startswith(field) and path[len(field)] in ".[":
            return True
        if field.startswith(path) and field[len(path)] in ".[":
            return True
    return False


@pytest.mark.parametrize("cache", CACHES, ids=lambda cache: cache.name)
def test_every_path_the_template_shows_is_in_the_key(app, cache):
    declared = cache.shown | set(cache.marks) | set(cache.fixed)
    missing = sorted(path for path in shown_by(app, cache) if not covered(path, declared))
    assert missing == [], f"{cache.template} shows {missing}, which {cache.name}'s key lacks"


# --- (b) the cached page is the fresh page -----------------------------------------------------


@dataclass
class Scene:
    """Where a cache shows, and two people who load it."""

    url: str
    first: object  # a client
    second: object  # another person's client
    stage: dict


@pytest.fixture
def phones(make_forum, make_participant, make_idea, client, app, as_participant):
    """Forum "salle" proposing in its first challenge (three ideas); Alice (a name and a
    category) and Bob (neither) on their phones."""
    forum = make_forum(slug="salle", challenges=2, phase="proposing", dot_budget=5, dot_cap=3)
    challenge = forum.challenges[0]
    ideas = [make_idea(challenge, title=f"Idée {n}") for n in range(3)]
    alice = make_participant(forum, category="association", name="Alice")
    bob = make_participant(forum)
    as_participant(client, alice)
    other = as_participant(app.test_client(), bob)
    return {
        "forum": forum,
        "challenge": challenge,
        "ideas": ideas,
        "alice": alice,
        "bob": bob,
        "alice_client": client,
        "bob_client": other,
        "challenge_url": f"/f/salle/c/{challenge.id}",
    }


@pytest.fixture
def staff(scene, client, app, staff_login):
    """Forum "salle" in voting (``scene``), its facilitator and its organiser logged in."""
    staff_login(client, scene["facilitator"])
    organiser = app.test_client()
    staff_login(organiser, scene["organiser"])
    return {**scene, "facilitator_client": client, "organiser_client": organiser}


@pytest.fixture(params=CACHES, ids=lambda cache: cache.name)
def shown(request):
    """Each cache with where it shows (``Scene``)."""
    cache = request.param
    if cache.name in ("idea_cards", "challenge_pages", "forum_pages"):
        stage = request.getfixturevalue("phones")
        url = "/f/salle" if cache.name == "forum_pages" else stage["challenge_url"]
        return cache, Scene(url, stage["alice_client"], stage["bob_client"], stage)
    stage = request.getfixturevalue("staff")
    url = "/staff/f/salle" if cache.name == "staff_navs" else "/f/salle/results"
    return cache, Scene(url, stage["facilitator_client"], stage["organiser_client"], stage)


def same_page(client, url: str) -> str:
    """The page served (from the caches) equals the page rendered with every cache emptied,
    and holds none of the marks."""
    page = same_as_fresh(client, url, *CACHES)
    assert not any(mark in page for mark in MARKS)
    return page


def plain(page: str) -> str:
    return page.replace(page_token(page), "TOKEN")


def test_a_second_load_renders_nothing_new(shown, rendered_into):
    cache, scene = shown
    rendered = rendered_into(cache)
    first = scene.first.get(scene.url)
    made = len(rendered)
    second = scene.first.get(scene.url)
    assert first.status_code == second.status_code == 200
    assert made > 0 and len(rendered) == made
    assert plain(second.text) == plain(first.text)


def test_each_of_two_people_gets_the_fresh_page(shown):
    cache, scene = shown
    for client in (scene.first, scene.second, scene.first):
        same_page(client, scene.url)


def test_the_language_and_the_address_asked_for(shown):
    cache, scene = shown
    scene.first.get(scene.url)
    english = same_page(scene.first, scene.url + "?lang=en")
    assert '<html lang="en">' in english
    scene.first.get("/?lang=fr")  # the person chose French on another page
    french = same_page(scene.first, scene.url)
    assert '<html lang="fr">' in french and plain(french) != plain(english)
    # The link to the other language keeps the address's own query.
    assert "from=qr" in same_page(scene.first, scene.url + "?from=qr")


def test_a_flashed_message_is_shown_once_and_never_kept(shown, rendered_into):
    cache, scene = shown
    rendered = rendered_into(cache)
    scene.first.get(scene.url)
    made = len(rendered)
    with scene.first.session_transaction() as session:
        session["_flashes"] = [("info", "Un message pour une seule personne")]
    assert "Un message pour une seule personne" in scene.first.get(scene.url).text
    if cache.name in FRAMES:
        assert len(rendered) == made  # the page with the message was rendered whole, not kept
    assert "Un message pour une seule personne" not in scene.first.get(scene.url).text


def test_a_head_request_leaves_no_frame(shown):
    """HEAD runs the GET view, but the language links of a page answered to HEAD point home
    (``language_url``): such a page must not become everyone's frame."""
    cache, scene = shown
    assert scene.first.head(scene.url).status_code == 200
    assert f"{scene.url}?lang=en" in scene.first.get(scene.url).text


def _vote(stage, db):
    set_phase(stage["forum"], "voting", stage["challenge"])
    db.session.commit()
    set_dots(stage["alice"], stage["ideas"][0], 2)


def _comment(stage, db):
    db.session.add(Comment(idea_id=stage["ideas"][2].id, body="Oui"))


def _phase(phase):
    return lambda stage, db: set_phase(stage["forum"], phase, stage["challenge"])


def _set(where: str, value):
    """``forum.title``: set the stage's forum's title; ``second.phase``: the forum's second
    challenge's phase."""
    name, attribute = where.split(".")

    def change(stage, db):
        target = stage["forum"].challenges[1] if name == "second" else stage[name]
        setattr(target, attribute, value)

    return change


def _edit(idea, title, description):
    def change(stage, db):
        target = stage["ideas"][idea] if isinstance(idea, int) else stage[idea]
        edit_idea(target, title, description)

    return change


# What each cache shows, changed: (cache, what, change(stage, db), a text then shown or None).
CHANGES = [
    ("idea_cards", "idea edited", _edit(1, "Un titre corrigé", "Et décrit"), "Et décrit"),
    ("idea_cards", "comment", _comment, "1 commentaire"),
    ("idea_cards", "own dots", _vote, 'data-dots="2"'),
    ("idea_cards", "closed", _phase("closed"), "N° 1"),
    ("challenge_pages", "challenge title", _set("challenge.title", "Défi renommé"), "Défi renommé"),
    ("challenge_pages", "question", _set("challenge.question", "Et demain ?"), "Et demain ?"),
    ("challenge_pages", "position", _set("challenge.position", 7), "Défi 7"),
    ("challenge_pages", "forum title", _set("forum.title", "Forum renommé"), "Forum renommé"),
    ("challenge_pages", "languages", _set("forum.languages", "fr"), None),
    ("challenge_pages", "voting", _phase("voting"), 'data-left="5"'),
    ("challenge_pages", "dots left", _vote, 'data-left="3"'),
    ("forum_pages", "forum title", _set("forum.title", "Forum renommé"), "Forum renommé"),
    ("forum_pages", "join code", _set("forum.join_code", "NOUVEAU"), "NOUVEAU"),
    ("forum_pages", "results early", _set("forum.results_public_early", True), "results-link"),
    ("forum_pages", "languages", _set("forum.languages", "fr"), None),
    ("forum_pages", "challenge title", _set("challenge.title", "Défi renommé"), "Défi renommé"),
    ("forum_pages", "question", _set("challenge.question", "Et demain ?"), "Et demain ?"),
    ("forum_pages", "position", _set("second.position", 9), "9</span>"),
    ("forum_pages", "draft", _set("second.phase", "draft"), None),
    ("forum_pages", "dots left", _vote, "3 points restants"),
    (
        "results_rankings",
        "vote",
        lambda s, db: set_dots(s["voter"], s["kept"], 1),
        "3 points placés",
    ),
    ("results_rankings", "idea edited", _edit("kept", "Un titre tout neuf", None), "tout neuf"),
    (
        "results_rankings",
        "challenge title",
        _set("challenge.title", "Défi renommé"),
        "Défi renommé",
    ),
    ("results_pages", "forum title", _set("forum.title", "Forum renommé"), "Forum renommé"),
    ("results_pages", "shortlist", _set("forum.shortlist_size", 7), "7 premières"),
    ("results_pages", "languages", _set("forum.languages", "fr"), None),
]


def test_every_cache_has_changes_checked():
    assert {name for name, *_ in CHANGES} | {"staff_navs"} == set(REGISTRY)


@pytest.mark.parametrize(
    "name, change, text",
    [(n, c, t) for n, _what, c, t in CHANGES],
    ids=[f"{n}-{w}" for n, w, *_ in CHANGES],
)
def test_a_change_shows_at_once_to_both(request, db, name, change, text):
    phone = name in ("idea_cards", "challenge_pages", "forum_pages")
    stage = request.getfixturevalue("phones" if phone else "staff")
    if phone:
        url = "/f/salle" if name == "forum_pages" else stage["challenge_url"]
        people = stage["alice_client"], stage["bob_client"]
    else:
        url, people = "/f/salle/results", (stage["facilitator_client"], stage["organiser_client"])
    before = [plain(person.get(url).text) for person in people]
    change(stage, db)
    db.session.commit()
    for person, earlier in zip(people, before, strict=True):
        page = same_page(person, url)
        assert plain(page) != earlier or person is people[1]
        if text and person is people[0]:
            assert text in page


# --- the challenge page and its cards -----------------------------------------------------------


def card_of(page: str, idea) -> str:
    match = re.search(rf'<li id="idea-{idea.id}".*?</li>', page, re.S)
    assert match, f"no card for idea {idea.id}"
    return match.group(0)


def test_the_cards_and_the_frame_are_each_person_s_own_in_voting(phones, db, client, rendered_into):
    set_phase(phones["forum"], "voting")
    phones["alice"].display_name = None  # as Bob: the frame differs by whether a name is held
    db.session.commit()
    frames, cards = rendered_into(CHALLENGE_PAGES), rendered_into(IDEA_CARDS)
    url, bob = phones["challenge_url"], phones["bob"]
    client.get(url)
    page = phones["bob_client"].get(url).text
    assert len(frames) == 1 and len(cards) == 3  # the same frame and cards: no dots yet
    token = page_token(page)
    assert set(re.findall(r'name="csrf_token" value="([^"]+)"', page)) == {token}
    shown = [int(n) for n in re.findall(r'<li id="idea-(\d+)"', page)]
    assert shown == [idea.id for idea in challenge_pages.personal_order(phones["ideas"], bob)]
    assert not any(mark in page for mark in MARKS)
    vote = phones["bob_client"].post(
        f"/f/salle/i/{phones['ideas'][0].id}/dots",
        data={"csrf_token": token, "dots": 1, "back": "challenge"},
    )
    assert vote.status_code == 303


def test_the_person_s_own_dots_are_theirs(phones, db, client):
    ideas = phones["ideas"]
    set_phase(phones["forum"], "voting")
    db.session.commit()
    set_dots(phones["bob"], ideas[0], 2)
    db.session.commit()
    client.get(phones["challenge_url"])
    set_dots(phones["alice"], ideas[0], 1)
    db.session.commit()
    assert 'data-dots="1"' in card_of(same_page(client, phones["challenge_url"]), ideas[0])


def test_a_hidden_comment_is_not_counted(phones, client, make_comment):
    url, idea = phones["challenge_url"], phones["ideas"][2]
    assert "0 commentaire" in card_of(client.get(url).text, idea)
    make_comment(idea, body="Oui")
    assert "1 commentaire" in card_of(client.get(url).text, idea)
    make_comment(idea, body="Caché", status="hidden")
    assert "1 commentaire" in card_of(same_page(client, url), idea)


def test_totals_shown_during_voting_follow_the_votes(phones, client, db):
    forum, ideas, url = phones["forum"], phones["ideas"], phones["challenge_url"]
    set_phase(forum, "voting")
    forum.show_totals_during_voting = True
    db.session.commit()
    assert "0 point" in card_of(client.get(url).text, ideas[0])
    set_dots(phones["bob"], ideas[0], 2)
    db.session.commit()
    card = card_of(same_page(client, url), ideas[0])
    assert "2 points" in card and "1 soutien" in card


def test_the_budget_and_cap_the_page_states_follow_the_forum(phones, client, db):
    forum, url = phones["forum"], phones["challenge_url"]
    set_phase(forum, "voting")
    db.session.commit()
    client.get(url)
    forum.dot_budget = 8
    db.session.commit()
    assert 'data-left="8"' in same_page(client, url)
    forum.dot_cap = 2
    db.session.commit()
    assert "au plus 2 sur une même idée" in same_page(client, url)


def test_each_phase_and_the_person_s_dots_left(phones, client, db):
    forum, ideas, alice, url = (phones[k] for k in ("forum", "ideas", "alice", "challenge_url"))
    proposing = same_page(client, url)
    assert 'id="propose"' in proposing
    set_phase(forum, "voting")
    db.session.commit()
    voting = same_page(client, url)
    assert 'id="propose"' not in voting and 'data-left="5"' in voting
    assert "dot-button" in voting
    set_dots(alice, ideas[0], 2)
    db.session.commit()
    assert 'data-left="3"' in same_page(client, url)
    set_dots(alice, ideas[0], 0)
    db.session.commit()
    set_phase(forum, "closed")
    db.session.commit()
    closed = same_page(client, url)
    assert "data-left" not in closed and "dot-button" not in closed
    assert "N° 1" in card_of(closed, ideas[0])


def test_the_person_s_pending_ideas_and_name(phones, client, db, make_idea):
    alice, url = phones["alice"], phones["challenge_url"]
    alice.display_name = None
    db.session.commit()
    assert 'name="show_name"' not in same_page(client, url)
    make_idea(phones["challenge"], author=alice, title="Mon idée en attente", status="pending")
    assert "Mon idée en attente" in same_page(client, url)
    alice.display_name = "Alice"
    db.session.commit()
    assert 'name="show_name"' in same_page(client, url)


def test_no_idea_yet(phones, client, db):
    client.get(phones["challenge_url"])
    for idea in phones["ideas"]:
        db.session.delete(idea)
    db.session.commit()
    page = same_page(client, phones["challenge_url"])
    assert 'class="empty"' in page and "<li id=" not in page


def test_the_cards_follow_each_other_as_rendered(phones, client):
    """The frame puts the cards in as one text, as the template joins them: nothing but each
    card's own markup between two cards."""
    page = same_page(client, phones["challenge_url"])
    assert len(re.findall(r"</li>\s*<li id=\"idea-", page)) == 2


def test_each_person_sees_their_own_receipt(phones, db):
    forum, ideas, alice, bob = (phones[k] for k in ("forum", "ideas", "alice", "bob"))
    set_phase(forum, "voting")
    db.session.commit()
    set_dots(alice, ideas[0], 1)
    set_dots(bob, ideas[1], 1)
    db.session.commit()
    set_phase(forum, "closed")
    db.session.commit()
    codes = [
        set(re.findall(r"\b[0-9A-Z]{5}-[0-9A-Z]{5}\b", who.get(phones["challenge_url"]).text))
        for who in (phones["alice_client"], phones["bob_client"])
    ]
    assert all(len(found) == 1 for found in codes) and codes[0] != codes[1]


def test_a_vote_answers_the_cached_card_with_the_voter_s_token(
    phones, db, client, htmx_client, as_participant, rendered_into
):
    ideas, url = phones["ideas"], phones["challenge_url"]
    set_phase(phones["forum"], "voting")
    db.session.commit()
    renders = rendered_into(IDEA_CARDS)
    other = phones["bob_client"]
    token = page_token(other.get(url).text)
    bob_vote = other.post(
        f"/f/salle/i/{ideas[0].id}/dots",
        data={"csrf_token": token, "dots": 1, "back": "challenge"},
        headers={"HX-Request": "true"},
    )
    assert bob_vote.status_code == 200 and len(renders) == 4  # the card with one dot on it
    as_participant(htmx_client, phones["alice"])
    mine = page_token(client.get(url).text)
    answer = htmx_client.post(
        f"/f/salle/i/{ideas[0].id}/dots",
        data={"csrf_token": mine, "dots": 1, "back": "challenge"},
    )
    assert answer.status_code == 200 and len(renders) == 4
    assert 'data-dots="1"' in answer.text and 'hx-swap-oob="true"' in answer.text
    assert set(re.findall(r'name="csrf_token" value="([^"]+)"', answer.text)) == {
        re.search(r'name="csrf_token" value="([^"]+)"', answer.text).group(1)
    }
    assert token not in answer.text and CSRF_MARK not in answer.text


def test_the_cache_keeps_a_bounded_number_of_entries():
    cache = RenderedCache(size=2)
    for n in range(5):
        cache.put((n,), f"card {n}")
    assert cache.get((0,)) is None and cache.get((4,)) == "card 4"
    cache.get((3,))
    cache.put((5,), "card 5")
    assert cache.get((3,)) == "card 3" and cache.get((4,)) is None


# --- the forum page ------------------------------------------------------------------------------


def test_each_person_sees_their_own_name_and_category_escaped(
    phones, app, client, make_participant, as_participant, rendered_into
):
    frames = rendered_into(FORUM_PAGES)
    page = client.get("/f/salle").text
    assert "Alice" in page and "association" in page
    bob = make_participant(phones["forum"], category="citoyen·ne", name="<b>Bob</b> & co")
    page = as_participant(app.test_client(), bob).get("/f/salle").text
    assert len(frames) == 1  # the same frame: both have a name and a category
    assert "&lt;b&gt;Bob&lt;/b&gt; &amp; co" in page and "<b>Bob</b>" not in page
    assert "citoyen·ne" in page and "Alice" not in page and "association" not in page
    page = same_page(phones["bob_client"], "/f/salle")  # neither name nor category
    assert 'class="tag"' not in page and "Alice" not in page


def test_the_person_s_name_and_category_come_and_go(phones, client, db):
    alice = phones["alice"]
    client.get("/f/salle")
    alice.display_name = None
    db.session.commit()
    assert "Alice" not in same_page(client, "/f/salle")
    alice.category = None
    db.session.commit()
    assert 'class="tag"' not in same_page(client, "/f/salle")


def test_ideas_phases_and_dots_left_on_the_forum_page(phones, client, db, make_idea):
    forum, alice = phones["forum"], phones["alice"]
    client.get("/f/salle")
    make_idea(forum.challenges[0], title="Une autre idée")
    assert "4 idées" in same_page(client, "/f/salle")
    set_phase(forum, "voting", forum.challenges[0])
    db.session.commit()
    assert "5 points restants" in same_page(client, "/f/salle")
    set_dots(alice, phones["ideas"][0], 2)
    db.session.commit()
    assert "3 points restants" in same_page(client, "/f/salle")
    forum.dot_budget = 8
    db.session.commit()
    assert "6 points restants" in same_page(client, "/f/salle")
    set_phase(forum, "closed", forum.challenges[0])
    db.session.commit()
    assert "results-link" in same_page(client, "/f/salle")


# --- the results page ----------------------------------------------------------------------------


def without_token(page) -> str:
    """The page without its CSRF token (signed with the second it was made)."""
    return re.sub(r'"X-CSRFToken": "[^"]+"', "", page.text)


def test_the_second_load_reads_no_ranking(staff, count_queries):
    facilitator = staff["facilitator_client"]
    RESULTS_RANKINGS.clear()
    RESULTS_PAGES.clear()
    with count_queries() as first:
        page = facilitator.get("/f/salle/results")
    with count_queries() as second:
        again = facilitator.get("/f/salle/results")
    assert page.status_code == again.status_code == 200
    assert without_token(again) == without_token(page)
    assert second.count <= first.count - 4, "\n".join(second.statements)


def test_the_view_options_are_part_of_the_key(staff):
    facilitator, url = staff["facilitator_client"], "/f/salle/results"
    whole = without_token(facilitator.get(url))
    shortlist = without_token(facilitator.get(url + "?scope=shortlist"))
    assert whole != shortlist
    assert without_token(facilitator.get(url)) == whole
    assert "order=cross" in same_page(facilitator, url + "?order=cross")


def test_each_role_sees_its_own_panels(staff, app):
    url = "/f/salle/results"
    facilitator = same_page(staff["facilitator_client"], url)
    organiser = same_page(staff["organiser_client"], url)
    assert 'id="downloads"' in organiser
    assert 'id="downloads"' not in facilitator
    assert 'id="downloads"' not in app.test_client().get(url).text
