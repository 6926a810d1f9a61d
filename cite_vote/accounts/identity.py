"""Reading and writing the participant's cookie (the only place that knows its name).

What a phone's page does without a participant (the forum's door) and with one (the notices
waiting, shown) is the phone's: ``phone/participant.py``."""

from __future__ import annotations

from flask import Response, current_app, request

from cite_vote.accounts.models import Participant
from cite_vote.accounts.services import participant_for_token
from cite_vote.forums.models import Forum


def cookie_token() -> str | None:
    return request.cookies.get(current_app.config["PARTICIPANT_COOKIE_NAME"])


def current_participant(forum: Forum) -> Participant | None:
    return participant_for_token(forum, cookie_token())


def remember(response: Response, token: str) -> Response:
    config = current_app.config
    response.set_cookie(
        config["PARTICIPANT_COOKIE_NAME"],
        token,
        max_age=config["PARTICIPANT_COOKIE_DAYS"] * 24 * 3600,
        httponly=True,
        samesite="Lax",
        secure=config["SESSION_COOKIE_SECURE"],
    )
    return response
