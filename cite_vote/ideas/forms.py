from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from cite_vote.forms import Form, id_field
from cite_vote.ideas.models import TEXT_MAX, TITLE_MAX


class IdeaForm(Form):
    title = StringField(
        _l("Your idea in a few words"),
        validators=[
            DataRequired(_l("Give your idea a title.")),
            Length(max=TITLE_MAX, message=_l("At most %(max)d characters.")),
        ],
    )
    description = TextAreaField(
        _l("Details (optional)"),
        validators=[Optional(), Length(max=TEXT_MAX, message=_l("At most %(max)d characters."))],
    )
    show_name = BooleanField(_l("Show my name with this idea"))


class CommentForm(Form):
    body = TextAreaField(
        _l("Your comment"),
        validators=[
            DataRequired(_l("Write a comment first.")),
            Length(max=TEXT_MAX, message=_l("At most %(max)d characters.")),
        ],
    )


class EditForm(Form):
    """A facilitator's rewording of an idea (the original wording is kept)."""

    title = StringField(
        _l("Title"),
        validators=[
            DataRequired(_l("Give your idea a title.")),
            Length(max=TITLE_MAX, message=_l("At most %(max)d characters.")),
        ],
    )
    description = TextAreaField(
        _l("Details"),
        validators=[Optional(), Length(max=TEXT_MAX, message=_l("At most %(max)d characters."))],
    )


class MergeForm(Form):
    into = id_field(
        _l("Merge into idea no."),
        required=_l("Say which idea to merge into."),
        unknown=_l("This idea does not exist."),
    )
