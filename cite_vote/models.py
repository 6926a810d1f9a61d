"""Every model, imported once so that SQLAlchemy and Alembic see the whole schema."""

from cite_vote.accounts.models import ForumStaff, Participant, StaffUser, Ticket
from cite_vote.forums.models import Challenge, Forum, ForumVersion
from cite_vote.ideas.models import Comment, Idea
from cite_vote.results.models import CahierFile, ReadToken
from cite_vote.votes.models import (
    Ballot,
    LedgerEntry,
    LedgerSeal,
    Notice,
    PaperEntry,
    PaperPolicy,
    PaperSheet,
    Receipt,
    Vote,
)

__all__ = [
    "Ballot",
    "CahierFile",
    "Challenge",
    "Comment",
    "Forum",
    "ForumVersion",
    "ForumStaff",
    "Idea",
    "LedgerEntry",
    "LedgerSeal",
    "Notice",
    "PaperEntry",
    "PaperPolicy",
    "PaperSheet",
    "Participant",
    "ReadToken",
    "Receipt",
    "StaffUser",
    "Ticket",
    "Vote",
]
