"""consult's models: the Wagtail pages editors publish, and citizens' contributions."""

from consult.models.contributions import (
    Comment,
    CommentEdit,
    CommentStatus,
    Profile,
    Stance,
    Statement,
    StatementStatus,
)
from consult.models.live import LiveEvent, LiveStream
from consult.models.notifications import Notification
from consult.models.pages import (
    ConsultationIndexPage,
    ConsultationPage,
    ConsultationStatus,
    ModerationMode,
    RoundtableFacilitator,
    RoundtablePage,
    RoundtableState,
    SearchEntry,
    html_to_text,
)
from consult.models.responses import OfficialResponse

__all__ = [
    "Comment", "CommentEdit", "CommentStatus", "ConsultationIndexPage", "ConsultationPage",
    "ConsultationStatus", "LiveEvent", "LiveStream", "ModerationMode", "Notification", "OfficialResponse", "Profile",
    "RoundtableFacilitator", "RoundtablePage", "RoundtableState", "SearchEntry", "Stance", "Statement",
    "StatementStatus", "html_to_text",
]
