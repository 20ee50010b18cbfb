"""Reports in the Wagtail admin: importing a Pol.is conversation from an uploaded zip
(/admin/reports/import-polis/), for editors and admins only.

Wagtail's own gate (the `wagtailadmin.access_admin` permission) runs first and sends people without
admin access to the admin login; people with admin access who are not editors or admins get a 403
here (raising PermissionDenied inside the admin would be turned into a redirect to the dashboard).
"""

import os
import tempfile
from pathlib import Path

from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import get_resolver, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods
from wagtail import hooks
from wagtail.admin import messages
from wagtail.admin.menu import MenuItem

from consult.roles import has_role
from reports.polis_export import PolisExportError
from reports.polis_import import MAX_UPLOAD_BYTES, PolisImportError, polis_import, unpack_export_zip

ROLES = ("editor", "admin")
TEMPLATE = "reports/admin/import_polis.html"


def may_import(user) -> bool:
    return has_role(user, *ROLES)


class PolisImportForm(forms.Form):
    export = forms.FileField(label=gettext_lazy("Pol.is export (.zip)"),
                             widget=forms.ClearableFileInput(attrs={"accept": ".zip,application/zip"}))
    language = forms.ChoiceField(label=gettext_lazy("Language"), choices=settings.LANGUAGES, initial="en",
                                 help_text=gettext_lazy("The roundtable is published under this language's "
                                                        "consultations."))
    title = forms.CharField(label=gettext_lazy("Title"), max_length=255, required=False,
                            help_text=gettext_lazy("Leave empty to use the conversation's topic."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["export"].help_text = _(
            "A zip of the export's comments.csv and votes.csv (or participants-votes.csv), optionally "
            "summary.csv; at most %(mb)d MB.") % {"mb": MAX_UPLOAD_BYTES // 2**20}

    def clean_export(self):
        upload = self.cleaned_data["export"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than %(mb)d MB.") % {"mb": MAX_UPLOAD_BYTES // 2**20})
        head = upload.read(4)
        upload.seek(0)
        if head != b"PK\x03\x04":
            raise forms.ValidationError(_("This is not a zip file. Upload a .zip holding comments.csv and "
                                          "votes.csv (or participants-votes.csv) from the Pol.is export."))
        return upload


def _forbidden(request):
    """The site's own 403 page (config's handler403), without importing config."""
    return get_resolver().resolve_error_handler(403)(request, exception=PermissionDenied())


@require_http_methods(["GET", "POST"])
def import_polis_view(request):
    if not may_import(request.user):
        return _forbidden(request)
    form = PolisImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        with tempfile.TemporaryDirectory(prefix="polis-upload-") as scratch:
            try:
                directory = unpack_export_zip(form.cleaned_data["export"], Path(scratch))
                result = polis_import(actor=request.user, directory=directory,
                                      language=form.cleaned_data["language"],
                                      title=form.cleaned_data["title"] or None)
            except (PolisExportError, PolisImportError) as error:
                # Messages name the file and line; the temporary folder means nothing to the person.
                form.add_error("export", str(error).replace(str(Path(scratch)) + os.sep, ""))
            else:
                page = result.page
                buttons = [messages.button(reverse("wagtailadmin_pages:edit", args=[page.pk]), _("Edit"))]
                live_url = page.get_url(request)
                if live_url:
                    buttons.insert(0, messages.button(live_url, _("View live"), new_window=True))
                messages.success(request, _("Imported “%(title)s”: %(statements)d statements, %(participants)d "
                                            "participants, %(votes)d votes.")
                                 % {"title": page.title, "statements": result.statements,
                                    "participants": result.participants, "votes": result.votes},
                                 buttons=buttons)
                for note in result.notes:
                    messages.warning(request, note)
                return redirect("reports_import_polis")
    return TemplateResponse(request, TEMPLATE, {"form": form})


class ImportMenuItem(MenuItem):
    def is_shown(self, request):
        return may_import(request.user)


@hooks.register("register_admin_urls")
def register_import_polis_url():
    return [path("reports/import-polis/", import_polis_view, name="reports_import_polis")]


@hooks.register("register_admin_menu_item")
def register_import_polis_menu_item():
    return ImportMenuItem(gettext_lazy("Import from Pol.is"), reverse("reports_import_polis"), name="import-polis",
                          icon_name="upload", order=900)
