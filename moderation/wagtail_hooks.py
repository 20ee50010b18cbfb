"""The blocked-terms list in the Wagtail admin, for moderators, editors and admins."""

from django.utils.translation import gettext_lazy as _
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from moderation.models import BlockedTerm


class BlockedTermViewSet(SnippetViewSet):
    model = BlockedTerm
    icon = "warning"
    menu_label = _("Blocked terms")
    add_to_admin_menu = True
    menu_order = 300
    list_display = ["term", "language", "note", "created_at"]
    list_filter = ["language"]
    search_fields = ["term", "note"]


register_snippet(BlockedTermViewSet)
