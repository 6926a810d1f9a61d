from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, SelectChoice, SelectField, StringField
from wtforms.validators import AnyOf, InputRequired, Length, NumberRange, Optional

from cite_vote.forms import NAME_MAX, Form
from cite_vote.votes.paper import PEOPLE_MAX, SHEETS_PER_PRINT


class DotsForm(Form):
    """States the target number of dots on an idea ("set to 2"), never "+1"."""

    dots = IntegerField(
        validators=[
            InputRequired(_l("Say how many dots.")),
            NumberRange(min=0, max=99, message=_l("This number of dots is not possible.")),
        ]
    )
    # Which page to return to without JavaScript: a name, never a URL (no open redirect).
    back = StringField(default="challenge", validators=[Optional(), AnyOf(["challenge", "idea"])])


class AssistedForm(Form):
    """A participant a facilitator votes for (no phone): optional name and category."""

    display_name = StringField(
        _l("Name (optional)"),
        validators=[Optional(), Length(max=NAME_MAX, message=_l("At most %(max)d characters."))],
    )
    category = SelectField(_l("Category (optional)"), choices=[], validate_choice=True)

    def set_categories(self, categories: list[str]) -> None:
        self.category.choices = [SelectChoice("", _("Not given"))] + [
            SelectChoice(c, c) for c in categories
        ]


class PaperSheetForm(Form):
    """A counted printed sheet: its people and category; the dots per idea are the fields
    ``idea-<id>`` the page adds for each idea printed (``votes/paper_manage.py`` reads them)."""

    people = IntegerField(
        _l("People who voted on this sheet"),
        validators=[
            InputRequired(_l("Say how many people voted on this sheet.")),
            NumberRange(
                min=1,
                max=PEOPLE_MAX,
                message=_l("Give a whole number from 1 to %(max)d.", max=PEOPLE_MAX),
            ),
        ],
    )
    # Checked by the service (``paper.enter_sheet``): a forum without categories sends none.
    category = SelectField(_l("Their category (optional)"), choices=[], validate_choice=False)
    correcting = StringField(validators=[Optional(), AnyOf(["", "1"])])

    def set_categories(self, categories: list[str]) -> None:
        self.category.choices = [SelectChoice("", _("Not given"))] + [
            SelectChoice(c, c) for c in categories
        ]


class PaperPrintForm(Form):
    """Which sheets to print: from a number, how many."""

    first = IntegerField(
        _l("First sheet number"),
        default=1,
        validators=[InputRequired(), NumberRange(min=1, max=9999)],
    )
    count = IntegerField(
        _l("How many sheets"),
        default=10,
        validators=[InputRequired(), NumberRange(min=1, max=SHEETS_PER_PRINT)],
    )
