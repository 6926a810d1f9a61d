"""Forms of the staff screen page."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, RadioField, SelectChoice, SelectField
from wtforms.validators import InputRequired, NumberRange, Optional

from cite_vote.forms import Form, id_field
from cite_vote.results.screen.services import (
    REVEAL_EVERY_MAX,
    REVEAL_EVERY_MIN,
    TIMER_MAX_MINUTES,
)


class DisplayForm(Form):
    mode = RadioField(
        _l("What the screen shows"),
        choices=[
            SelectChoice("rotate", _l("Rotate through the open challenges")),
            SelectChoice("stay", _l("Stay on one challenge")),
        ],
        default="rotate",
        validators=[InputRequired(_l("Choose what the screen shows."))],
    )
    challenge = SelectField(_l("Challenge"), coerce=int, validators=[Optional()])

    def set_challenges(self, challenges) -> None:
        self.challenge.choices = [
            SelectChoice(c.id, f"{c.position}. {c.title}") for c in challenges
        ]

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        if self.mode.data == "stay" and not self.challenge.data:
            self.challenge.errors.append(_l("Choose the challenge to stay on."))
            return False
        return True


class TimerForm(Form):
    minutes = IntegerField(
        _l("Minutes"),
        default=5,
        validators=[
            InputRequired(_l("Give a number of minutes.")),
            NumberRange(
                min=1,
                max=TIMER_MAX_MINUTES,
                message=_l("From 1 to %(max)d minutes.", max=TIMER_MAX_MINUTES),
            ),
        ],
    )


REVEAL_ACTIONS = ("stage", "next", "auto", "pause", "all")


class RevealForm(Form):
    """One step of a staged reveal: each button of the panel posts its ``action``."""

    challenge = id_field(
        _l("Challenge"),
        required=_l("Choose the challenge to reveal."),
        unknown=_l("This challenge does not exist."),
    )
    action = SelectField(
        choices=[SelectChoice(a, a) for a in REVEAL_ACTIONS],
        validators=[InputRequired(_l("Unknown action."))],
    )
    seconds = IntegerField(
        _l("One idea every … seconds"),
        default=10,
        validators=[
            Optional(),
            NumberRange(
                min=REVEAL_EVERY_MIN,
                max=REVEAL_EVERY_MAX,
                message=_l(
                    "One idea every %(min)d to %(max)d seconds.",
                    min=REVEAL_EVERY_MIN,
                    max=REVEAL_EVERY_MAX,
                ),
            ),
        ],
    )

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        if self.action.data == "auto" and self.seconds.data is None:
            self.seconds.errors = [_l("Give a number of seconds.")]
            return False
        return True
