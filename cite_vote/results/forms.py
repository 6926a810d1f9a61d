from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from cite_vote.forms import Form
from cite_vote.results.services import LABEL_MAX


class ReadTokenForm(Form):
    label = StringField(
        _l("What is it for? (optional)"),
        validators=[Optional(), Length(max=LABEL_MAX, message=_l("At most %(max)d characters."))],
    )


class ReceiptForm(Form):
    """A receipt typed from a phone: case, spaces and dashes do not matter."""

    code = StringField(
        _l("Receipt code"),
        validators=[
            DataRequired(message=_l("Type the receipt code.")),
            Length(max=30, message=_l("At most %(max)d characters.")),
            Regexp(r"^[A-Za-z0-9 \-]*$", message=_l("A receipt has only letters and digits.")),
        ],
    )
