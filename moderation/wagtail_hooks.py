"""Moderation in the Wagtail admin: the blocked-terms list (moderators, editors, admins) and
who moderates which consultation or roundtable (editors and admins)."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, PageChooserPanel
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from consult.models import ConsultationPage, RoundtablePage
from moderation.models import BlockedTerm, ModeratorAssignment


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


class AssignmentForm(WagtailAdminModelForm):
    """The moderator is named by e-mail address or display name: a select of every account
    would not scale to a country's participants."""

    person = forms.CharField(label=_("Moderator (e-mail address or display name)"), max_length=254)

    class Meta:
        model = ModeratorAssignment
        fields = ["page"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.user_id:
            self.fields["person"].initial = self.instance.user.email

    def clean_person(self):
        value = self.cleaned_data["person"].strip()
        users = get_user_model().objects.filter(is_active=True)
        user = users.filter(email__iexact=value).first() or users.filter(profile__display_name__iexact=value).first()
        if user is None:
            raise forms.ValidationError(_("No active account has this e-mail address or display name."))
        return user

    def clean_page(self):
        page = self.cleaned_data["page"]
        if page is not None and page.specific_class not in (ConsultationPage, RoundtablePage):
            raise forms.ValidationError(_("Choose a consultation or a roundtable."))
        return page

    def save(self, commit=True):
        self.instance.user = self.cleaned_data["person"]
        return super().save(commit)


class ModeratorAssignmentViewSet(SnippetViewSet):
    model = ModeratorAssignment
    icon = "user"
    menu_label = _("Moderator assignments")
    add_to_admin_menu = True
    menu_order = 301
    list_display = ["user", "page", "created_at"]
    search_fields = []
    panels = [PageChooserPanel("page", ["consult.ConsultationPage", "consult.RoundtablePage"]), FieldPanel("person")]

    def get_form_class(self, for_update=False):
        return AssignmentForm


register_snippet(ModeratorAssignmentViewSet)
