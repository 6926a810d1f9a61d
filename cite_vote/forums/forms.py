"""Forms of the forums domain (joining, profiles, organiser pages, phases): what each field
accepts, with messages a person understands."""

from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    EmailField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    Optional,
    Regexp,
    StopValidation,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from cite_vote.forms import NAME_MAX, Form, id_field
from cite_vote.forums.models import PHASES
from cite_vote.forums.setup import (
    BUDGET_MAX,
    CATEGORIES_MAX,
    CATEGORY_MAX,
    EXPECTED_MAX,
    SLUG_MAX,
    SLUG_PATTERN,
)
from cite_vote.i18n import LANGUAGE_NAMES
from cite_vote.text import text_problem

WHOLE_NUMBER = _l("Type a whole number.")


class JoinCodeForm(Form):
    code = StringField(
        _l("Forum code"),
        validators=[
            DataRequired(_l("Type the code shown in the room.")),
            Length(max=20, message=_l("A forum code is at most 20 characters.")),
        ],
    )


class ProfileForm(Form):
    display_name = StringField(
        _l("Your name (optional)"),
        validators=[
            Optional(),
            Length(max=NAME_MAX, message=_l("At most %(max)d characters.")),
        ],
    )
    category = SelectField(_l("You come as (optional)"), choices=[], default="")

    def set_categories(self, categories: list[str]) -> None:
        self.category.choices = [SelectChoice("", _l("Prefer not to say"))] + [
            SelectChoice(c, c) for c in categories
        ]


class PhaseForm(Form):
    """Move one challenge (or all of them) to a phase; ``confirm`` after a warning."""

    phase = SelectField(choices=[SelectChoice(p, p) for p in PHASES], validate_choice=True)
    challenge = id_field()
    confirm = BooleanField()


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class WholeNumberField(IntegerField):
    """An integer field that says in the user's words what it wants, once."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(str(WHOLE_NUMBER)) from None


def in_range(low: int, high: int, message):
    def check(_form, field) -> None:
        if field.data is None:
            raise StopValidation()  # not a number: already said so
        if not low <= field.data <= high:
            raise ValidationError(message)

    return check


def whole_number(label, low: int, high: int, message):
    return WholeNumberField(
        label, validators=[InputRequired(WHOLE_NUMBER), in_range(low, high, message)]
    )


class ForumForm(Form):
    title = StringField(
        _l("Title"),
        validators=[
            DataRequired(_l("Give the forum a title.")),
            Length(max=200, message=_l("At most %(max)d characters.")),
        ],
    )
    slug = StringField(
        _l("Address"),
        description=_l(
            "Lowercase letters, digits and dashes. Left empty, it is made from the title."
        ),
        validators=[
            Optional(),
            Length(max=SLUG_MAX, message=_l("At most %(max)d characters.")),
            Regexp(
                SLUG_PATTERN,
                message=_l("The address may use only lowercase letters, digits and dashes."),
            ),
        ],
    )
    description = TextAreaField(
        _l("Description"),
        validators=[Optional(), Length(max=5000, message=_l("At most %(max)d characters."))],
    )
    languages = CheckboxesField(_l("Languages"), choices=[])
    categories = TextAreaField(
        _l("Categories (collèges), one per line"),
        validators=[Optional(), Length(max=4000, message=_l("At most %(max)d characters."))],
    )
    dot_budget = whole_number(
        _l("Dots per person and per challenge"),
        1,
        BUDGET_MAX,
        _l("The dot budget is between 1 and 100."),
    )
    dot_cap = whole_number(
        _l("Most dots on one idea"), 1, BUDGET_MAX, _l("The cap per idea is between 1 and 100.")
    )
    # Left empty, the forum keeps what it had (200 for a new one).
    expected_participants = WholeNumberField(
        _l("People expected"),
        validators=[Optional(), in_range(1, EXPECTED_MAX, _l("Between 1 and 100,000 people."))],
    )
    show_totals_during_voting = BooleanField(_l("Participants see the totals while voting"))
    premoderation = BooleanField(_l("Ideas and comments wait for a facilitator before showing"))
    tickets_required = BooleanField(_l("Joining needs a printed ticket (one person, one budget)"))
    join_code_rotates = BooleanField(
        _l("The join code changes every 5 minutes on the screen (only the room can join)")
    )
    open_link = BooleanField(
        _l("Anyone with the forum’s link may join (no code asked)"),
        description=_l(
            "Off, a person who opens a link to the forum is asked for the code shown in the room. "
            "On, anyone who sees one link (a message, a photo, an address easy to guess) can "
            "join and vote from anywhere, without ever being in the room. With tickets "
            "required, the link still asks for a ticket."
        ),
    )
    projection_mode = SelectField(
        _l("Projection during the vote"),
        choices=[
            SelectChoice("blind", _l("Blind: totals hidden until the vote closes")),
            SelectChoice("live", _l("Live: the ranking moves with each vote")),
        ],
    )
    shortlist_size = whole_number(
        _l("Ideas in the shortlist of each challenge"),
        1,
        50,
        _l("The shortlist holds between 1 and 50 ideas."),
    )
    cross_group_min = whole_number(
        _l("Categories needed for an idea to count as carried across groups"),
        1,
        20,
        _l("Between 1 and 20 categories."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.languages.choices = [
            SelectChoice(code, LANGUAGE_NAMES.get(code, code))
            for code in current_app.config["LANGUAGES"]
        ]

    def validate_languages(self, field) -> None:
        if not field.data:
            raise ValidationError(_l("Choose at least one language."))

    def validate_categories(self, field) -> None:
        lines = [line.strip() for line in (field.data or "").splitlines() if line.strip()]
        for line in lines:  # each category is a text of one line (no tab either)
            problem = text_problem(line)
            if problem is not None:
                raise StopValidation(problem)  # said once: not again by the field's own check
        if any(len(line) > CATEGORY_MAX for line in lines):
            raise ValidationError(_l("A category is at most 80 characters."))
        if len(set(lines)) > CATEGORIES_MAX:
            raise ValidationError(_l("A forum has at most 30 categories."))

    def validate_dot_cap(self, field) -> None:
        budget = self.dot_budget.data
        if isinstance(budget, int) and isinstance(field.data, int) and field.data > budget:
            raise ValidationError(_l("The cap per idea cannot be more than the dot budget."))

    def values(self) -> dict:
        """The settings as the services take them."""
        return {
            "title": self.title.data.strip(),
            "slug": (self.slug.data or "").strip(),
            "description": (self.description.data or "").strip(),
            "languages": ",".join(self.languages.data),
            "categories": (self.categories.data or "").splitlines(),
            "dot_budget": self.dot_budget.data,
            "dot_cap": self.dot_cap.data,
            "show_totals_during_voting": self.show_totals_during_voting.data,
            "premoderation": self.premoderation.data,
            "tickets_required": self.tickets_required.data,
            "join_code_rotates": self.join_code_rotates.data,
            "open_link": self.open_link.data,
            "projection_mode": self.projection_mode.data,
            "shortlist_size": self.shortlist_size.data,
            "cross_group_min": self.cross_group_min.data,
            **(
                {"expected_participants": self.expected_participants.data}
                if self.expected_participants.data is not None
                else {}
            ),
        }


class ForumSettingsForm(ForumForm):
    """Editing: the address is required (it is never silently made up for an existing forum)."""

    slug = StringField(
        _l("Address"),
        description=_l("Changing it breaks the links and QR codes already shared."),
        validators=[
            DataRequired(_l("Give the forum an address.")),
            Length(max=SLUG_MAX, message=_l("At most %(max)d characters.")),
            Regexp(
                SLUG_PATTERN,
                message=_l("The address may use only lowercase letters, digits and dashes."),
            ),
        ],
    )


class ChallengeForm(Form):
    title = StringField(
        _l("Title"),
        validators=[
            DataRequired(_l("Give the challenge a title.")),
            Length(max=200, message=_l("At most %(max)d characters.")),
        ],
    )
    question = TextAreaField(
        _l("Question (“How might we…?”)"),
        validators=[Optional(), Length(max=1000, message=_l("At most %(max)d characters."))],
    )
    description = TextAreaField(
        _l("Description"),
        validators=[Optional(), Length(max=5000, message=_l("At most %(max)d characters."))],
    )


class TeamMemberForm(Form):
    email = EmailField(
        _l("Email of a staff account"),
        validators=[
            DataRequired(_l("Type the email address of a staff account.")),
            Length(max=254, message=_l("At most %(max)d characters.")),
        ],
    )
