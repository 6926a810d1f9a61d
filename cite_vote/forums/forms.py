from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from cite_vote.accounts.services import NAME_MAX


class JoinCodeForm(FlaskForm):
    code = StringField(
        _l("Forum code"),
        validators=[
            DataRequired(_l("Type the code shown in the room.")),
            Length(max=20, message=_l("A forum code is at most 20 characters.")),
        ],
    )


class ProfileForm(FlaskForm):
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
