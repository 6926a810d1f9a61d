from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, HiddenField

from cite_vote.forms import Form


class ImportFileForm(Form):
    file = FileField(
        _l("File of ideas (CSV, XLSX or JSON)"),
        validators=[FileRequired(_l("Choose a file first."))],
    )


class ImportConfirmForm(Form):
    """The preview's rows come back signed (``imports.services.sign_rows``)."""

    rows = HiddenField()
    skip_duplicates = BooleanField(_l("Leave out the likely duplicates"), default=True)
