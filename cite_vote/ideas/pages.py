"""What the participant's challenge and idea pages show, built once for the views of ideas and
of votes (a vote re-renders the card it changed): a fixed number of queries per page."""

from __future__ import annotations

from flask import current_app, render_template, request
from flask_babel import get_locale
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from cite_vote.accounts.models import Participant
from cite_vote.forums.models import Challenge, Forum
from cite_vote.forums.services import can_comment, can_propose, can_vote, totals_visible
from cite_vote.ideas.forms import CommentForm, IdeaForm
from cite_vote.ideas.models import Idea
from cite_vote.ideas.services import (
    card_ideas,
    comment_counts,
    own_pending_ideas,
    personal_order,
    visible_comments,
)
from cite_vote.rendered import CSRF_MARK, RenderedCache, framed, frames_allowed, mark
from cite_vote.results.services import rank_ideas
from cite_vote.votes.chain import receipt_of
from cite_vote.votes.services import dots_spent, idea_totals, my_dots


def cards_context(
    forum: Forum,
    challenge: Challenge,
    participant: Participant,
    ideas: list[Idea],
    spent: int | None = None,
    mine: dict[int, int] | None = None,
    counts: dict[int, int] | None = None,
):
    """What an idea card needs, for a list of ideas, in a fixed number of queries.

    ``spent`` and ``mine`` (the person's dots on the ideas shown), and ``counts`` (their
    comments), are given when the caller already knows them (a vote just returned them).
    """
    ids = [idea.id for idea in ideas]
    show = totals_visible(challenge)
    return {
        "forum": forum,
        "challenge": challenge,
        "participant": participant,
        "mine": my_dots(participant, challenge) if mine is None else mine,
        "totals": idea_totals([challenge.id]) if show else {},
        "show_totals": show,
        "comment_counts": comment_counts(ids) if counts is None else counts,
        "voting": can_vote(challenge),
        "spent": dots_spent(participant, challenge) if spent is None else spent,
    }


# Rendered idea cards of this worker (keyed by everything a card shows: ``card_key``).
CARDS = RenderedCache(size=1024)


def card_key(idea: Idea, context: dict, shared: tuple) -> tuple:
    """Everything ``templates/ideas/_idea.html`` shows on the challenge page, as a key: the
    idea's own part here, the part every card of the page shares (``shared_key``) given."""
    ranked = context.get("ranked")
    rank = ranked.get(idea.id) if ranked else None
    author = idea.author.display_name if idea.show_author_name and idea.author else None
    show = context["show_totals"]
    return (
        idea.id,
        idea.title,
        idea.description,
        idea.author_category,
        author,
        context["comment_counts"].get(idea.id, 0),
        context["totals"].get(idea.id) if show else None,
        context["mine"].get(idea.id, 0),
        (rank.rank, rank.tied) if rank else None,
        shared,
    )


def shared_key(context: dict, locale: str) -> tuple:
    """What every card of a page shows alike (computed once per page, not once per card)."""
    forum = context["forum"]
    return (
        context["show_totals"],
        context["voting"],
        forum.slug,
        forum.dot_cap,
        context["back"],
        locale,
        request.script_root,
    )


def idea_cards(context: dict) -> list[Markup]:
    """The cards of ``context["ideas"]``: each rendered once per content, then reused.

    A card differs between people only by their own dots on it (part of the key: at most
    cap + 1 versions of a card) and by the CSRF token of its forms, which is put back here.
    """
    template = current_app.jinja_env.get_template("ideas/_idea.html")
    token = generate_csrf()
    shared = shared_key(context, str(get_locale()))
    cards = []
    for idea in context["ideas"]:
        key = card_key(idea, context, shared)
        html = CARDS.get(key)
        if html is None:
            html = template.render(**context, idea=idea, error=None).replace(token, CSRF_MARK)
            CARDS.put(key, html)
        cards.append(Markup(html.replace(CSRF_MARK, token)))
    return cards


# Rendered challenge pages of this worker, with the person's own parts left as marks: the
# CSRF token and the cards (``CARDS_MARK``). Keyed by ``page_key``.
PAGES = RenderedCache(size=256)
CARDS_MARK = mark("cards")
# What the template writes between two cards of ``{% for card in cards %}``.
CARD_GAP = "\n    \n      "


def page_key(context: dict) -> tuple | None:
    """Everything ``templates/ideas/challenge.html`` (and ``base.html``) shows on a challenge
    page as loaded (no form sent, no notice), besides the cards and the CSRF token, as a key;
    None when the page holds something of this person's alone (a flashed message, a receipt),
    which is rendered whole instead, and while templates reload from disk (development)."""
    if context["receipts"] or not frames_allowed():
        return None
    forum, challenge = context["forum"], context["challenge"]
    return (
        forum.id,
        forum.slug,
        forum.title,
        tuple(forum.language_list),
        forum.dot_budget,
        forum.dot_cap,
        challenge.id,
        challenge.position,
        challenge.phase,
        challenge.title,
        challenge.question,
        context["voting"],
        context["proposing"],
        context["spent"],
        tuple((idea.id, idea.title) for idea in context["pending"]),
        bool(context["participant"].display_name),
        bool(context["cards"]),
        str(get_locale()),
        request.script_root,
        request.path,
        request.query_string,
    )


def challenge_page(
    forum: Forum,
    challenge: Challenge,
    participant: Participant,
    *,
    spent: int | None = None,
    pending: bool | None = None,
) -> str:
    """The challenge page as a phone loads it: its frame rendered once per ``page_key``, then
    this person's cards and CSRF token put in (a phone's page is mostly everyone's).

    ``spent`` and ``pending`` are the person's dots spent and whether ideas of theirs wait for
    review, when the caller read them already (``votes.target.challenge_target``)."""
    context = challenge_context(forum, challenge, participant, spent=spent, pending=pending)
    key = page_key(context)
    if key is None:
        return render_template("ideas/challenge.html", **context)
    marked = [Markup(CARDS_MARK)] if context["cards"] else []
    return framed(
        PAGES,
        key,
        lambda: render_template("ideas/challenge.html", **{**context, "cards": marked}),
        [(CARDS_MARK, CARD_GAP.join(context["cards"]))],
    )


def challenge_context(
    forum, challenge, participant, form=None, notice=None, *, spent=None, pending=None
):
    """What the challenge page shows. ``spent`` and ``pending`` as for ``challenge_page``: with
    nothing spent, the person holds no dot on any idea (a ballot is the sum of its votes,
    which ``flask verify`` checks), so their dots per idea are not read."""
    ranked, counts = None, None
    if challenge.phase == "closed":
        ranked = {r.idea.id: r for r in rank_ideas(challenge)}
        ideas = [r.idea for r in ranked.values()]
    else:
        ideas = card_ideas(challenge.id)
        counts = {idea.id: idea.comments for idea in ideas}
        if challenge.phase == "voting":
            ideas = personal_order(ideas, participant)
    waiting = own_pending_ideas(challenge, participant) if pending is not False else []
    receipt = receipt_of(participant.id, challenge.id) if challenge.phase == "closed" else None
    context = {
        "receipts": {challenge.id: receipt} if receipt else {},
        **cards_context(
            forum,
            challenge,
            participant,
            ideas,
            spent=spent,
            mine={} if spent == 0 else None,
            counts=counts,
        ),
        "ideas": ideas,
        "pending": waiting,
        "ranked": ranked,
        # The form to propose, made only where it shows (WTForms costs on every page).
        "form": form or (IdeaForm(formdata=None) if can_propose(challenge) else None),
        "proposing": can_propose(challenge),
        "notice": notice,
        "back": "challenge",
    }
    context["cards"] = idea_cards(context)
    return context


def idea_context(forum, idea, participant, form=None, notice=None):
    challenge = idea.challenge
    return {
        **cards_context(forum, challenge, participant, [idea]),
        "idea": idea,
        "comments": visible_comments(idea, participant),
        "form": form or CommentForm(formdata=None),
        "commenting": can_comment(challenge) and idea.status == "visible",
        "notice": notice,
        "back": "idea",
    }
