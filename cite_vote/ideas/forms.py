from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from cite_vote.ideas.models import TEXT_MAX, TITLE_MAX


class IdeaForm(FlaskForm):
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


class CommentForm(FlaskForm):
    body = TextAreaField(
        _l("Your comment"),
        validators=[
            DataRequired(_l("Write a comment first.")),
            Length(max=TEXT_MAX, message=_l("At most %(max)d characters.")),
        ],
    )
