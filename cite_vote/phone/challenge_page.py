"""What the participant's challenge and idea pages show, built once for the views of ideas and
of votes (a vote re-renders the card it changed): a fixed number of queries per page."""

from __future__ import annotations

from flask import current_app, render_template
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from cite_vote.accounts.models import Participant
from cite_vote.forums.models import Challenge, Forum
from cite_vote.forums.services import can_comment, can_propose, can_vote, totals_visible
from cite_vote.ideas.forms import CommentForm
from cite_vote.ideas.models import Idea
from cite_vote.ideas.questions.forms import idea_form
from cite_vote.ideas.questions.services import form_questions, idea_sheets
from cite_vote.ideas.services import (
    card_ideas,
    comment_counts,
    own_pending_ideas,
    personal_order,
    visible_comments,
)
from cite_vote.page_caches import (
    CHALLENGE_PAGES,
    CSRF_MARK,
    IDEA_CARDS,
    framed,
    frames_allowed,
    mark,
)
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


def idea_cards(context: dict) -> list[Markup]:
    """The cards of ``context["ideas"]``: each rendered once per content, then reused.

    A card differs between people only by their own dots on it (part of the key: at most
    cap + 1 versions of a card) and by the CSRF token of its forms, which is put back here.
    """
    template = current_app.jinja_env.get_template(IDEA_CARDS.template)
    token = generate_csrf()
    shared = IDEA_CARDS.key(context)
    card_key = IDEA_CARDS.item_key
    cards = []
    for idea in context["ideas"]:
        key = card_key(context, idea, shared)
        html = IDEA_CARDS.get(key)
        if html is None:
            html = template.render(**context, idea=idea, error=None).replace(token, CSRF_MARK)
            IDEA_CARDS.put(key, html)
        cards.append(Markup(html.replace(CSRF_MARK, token)))
    return cards


# Stands for the person's cards in a challenge page's frame (``page_caches.CHALLENGE_PAGES``).
CARDS_MARK = mark("cards")


def page_key(context: dict) -> tuple | None:
    """The challenge page's key (``page_caches.CHALLENGE_PAGES``); None when the page holds
    something of this person's alone (a flashed message, a receipt), which is rendered whole
    instead, and while templates reload from disk (development)."""
    if context["receipts"] or not frames_allowed():
        return None
    return CHALLENGE_PAGES.key(context)


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
        return render_template(CHALLENGE_PAGES.template, **context)
    marked = [Markup(CARDS_MARK)] if context["cards"] else []
    return framed(
        CHALLENGE_PAGES,
        key,
        lambda: render_template(CHALLENGE_PAGES.template, **{**context, "cards": marked}),
        [(CARDS_MARK, "".join(context["cards"]))],
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
    proposing = can_propose(challenge)
    questions = form_questions(forum.id) if proposing else []  # the idea form's own questions
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
        "form": form or (idea_form(questions, formdata=None) if proposing else None),
        "questions": questions,
        "proposing": proposing,
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
        "sheet": idea_sheets(challenge.forum_id, [idea.id]).get(idea.id, []),
        "comments": visible_comments(idea, participant),
        "form": form or CommentForm(formdata=None),
        "commenting": can_comment(challenge) and idea.status == "visible",
        "notice": notice,
        "back": "idea",
    }
