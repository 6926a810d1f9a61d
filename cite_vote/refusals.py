"""Refusals that a person must understand: raised by services, shown by views."""

from __future__ import annotations


class RuleError(Exception):
    """A product rule refuses the action (phase closed, budget spent, ...): HTTP 409."""

    status = 409

    def __init__(self, message: str):
        super().__init__(str(message))
        self.message = message


class Invalid(RuleError):
    """What was typed cannot be kept (a control character, say): HTTP 422."""

    status = 422


class NotAllowed(RuleError):
    """The person may not do this here (tickets required, staff only, ...): HTTP 403."""

    status = 403


class Unknown(RuleError):
    """The thing does not exist here (another forum's idea, say): HTTP 404."""

    status = 404

    def __init__(self, message=None):
        from flask_babel import lazy_gettext as _l

        super().__init__(message or _l("This page does not exist (or no longer does)."))
