from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, StringField
from wtforms.validators import AnyOf, InputRequired, NumberRange, Optional


class DotsForm(FlaskForm):
    """States the target number of dots on an idea ("set to 2"), never "+1"."""

    dots = IntegerField(
        validators=[
            InputRequired(_l("Say how many dots.")),
            NumberRange(min=0, max=99, message=_l("This number of dots is not possible.")),
        ]
    )
    # Which page to return to without JavaScript: a name, never a URL (no open redirect).
    back = StringField(default="challenge", validators=[Optional(), AnyOf(["challenge", "idea"])])
