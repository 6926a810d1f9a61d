from flask_babel import lazy_gettext as _l
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, EqualTo, Length

from cite_vote.accounts.tickets import TICKETS_PER_BATCH
from cite_vote.forms import Form
from cite_vote.forums.forms import whole_number


class LoginForm(Form):
    email = EmailField(
        _l("Email"), validators=[DataRequired(_l("Type your email address.")), Length(max=254)]
    )
    password = PasswordField(
        _l("Password"), validators=[DataRequired(_l("Type your password.")), Length(max=200)]
    )


class ChangePasswordForm(Form):
    """Length rules live in the service (accounts.services.set_password), shared with the CLI."""

    current_password = PasswordField(
        _l("Current password"),
        validators=[DataRequired(_l("Type your current password.")), Length(max=200)],
    )
    new_password = PasswordField(
        _l("New password (at least 10 characters)"),
        validators=[DataRequired(_l("Type the new password.")), Length(max=200)],
    )
    confirm_password = PasswordField(
        _l("New password again"),
        validators=[
            DataRequired(_l("Type the new password a second time.")),
            EqualTo("new_password", _l("The two new passwords are not the same.")),
        ],
    )


class TicketsForm(Form):
    count = whole_number(
        _l("Number of tickets"),
        1,
        TICKETS_PER_BATCH,
        _l("Generate between 1 and 500 tickets at a time."),
    )
