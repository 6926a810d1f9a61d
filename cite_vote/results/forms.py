from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import Length, Optional

from cite_vote.forms import Form
from cite_vote.results.services import LABEL_MAX


class ReadTokenForm(Form):
    label = StringField(
        _l("What is it for? (optional)"),
        validators=[Optional(), Length(max=LABEL_MAX, message=_l("At most %(max)d characters."))],
    )
