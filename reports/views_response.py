"""The official response editor, /<lang>/reports/<id>/response/: officials write a summary and
a response per section, tick the comments and campaigns each part answers, save a draft or
publish. Publishing the first time tells everyone who took part (in the app and by e-mail)."""

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F, Window
from django.db.models.functions import RowNumber
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from consult.models import Comment, CommentStatus, ConsultationPage, OfficialResponse
from consult.services.notifications import notify_many
from consult.services.responses import SECTION_MAX_CHARS, SUMMARY_MAX_CHARS, require_responder, response_save
from consult.web import add_service_errors
from reports import dashboard, findings
from reports.views import _login

CHOICES_PER_SECTION = 8


def _section_choices(page, campaigns: dict | None) -> dict[str, dict]:
    """Per section: its most supported comments (then the most discussed, the newest), and the
    campaigns whose representative comment is there (two queries)."""
    ranked = (Comment.objects.filter(page=page, status=CommentStatus.PUBLISHED, depth=0)
              .annotate(rank=Window(RowNumber(), partition_by=[F("section_id")],
                                    order_by=[F("support_count").desc(), F("reply_count").desc(), F("pk").desc()]))
              .order_by("section_id", "rank").values_list("section_id", "pk", "body", "rank"))
    top: dict[str, list] = {}
    for section_id, pk, body, rank in ranked:
        if rank <= CHOICES_PER_SECTION:
            top.setdefault(section_id, []).append((pk, body[:140]))
    representative = {c["representative"]: c for c in (campaigns or {}).get("campaigns", [])}
    sections_of = dict(Comment.objects.filter(pk__in=list(representative), page=page,
                                              status=CommentStatus.PUBLISHED).values_list("pk", "section_id"))
    choices = {}
    for section in page.section_list:
        choices[section["id"]] = {
            "comments": top.get(section["id"], []),
            "campaigns": [(pk, representative[pk]["text"][:140], representative[pk]["size"])
                          for pk, section_id in sections_of.items() if section_id == section["id"]],
        }
    return choices


class ResponseForm(forms.Form):
    summary = forms.CharField(label=gettext_lazy("Summary of the response"), required=False,
                              help_text=gettext_lazy("What you heard and what you will do. Paragraphs, lists, "
                                                     "emphasis and links are allowed."),
                              widget=forms.Textarea(attrs={"rows": 10, "maxlength": SUMMARY_MAX_CHARS, "dir": "auto"}))

    def __init__(self, *args, page, choices, response=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.page, self.section_fields = page, []
        if response is not None and not self.is_bound:
            self.fields["summary"].initial = response.summary
        for section in page.section_list:
            key, saved = section["id"], (response.section(section["id"]) if response else None) or {}
            body = forms.CharField(label=gettext_lazy("Response"), required=False, initial=saved.get("body", ""),
                                   widget=forms.Textarea(attrs={"rows": 4, "maxlength": SECTION_MAX_CHARS,
                                                                "dir": "auto"}))
            comments = forms.MultipleChoiceField(
                label=gettext_lazy("Comments this answers"), required=False, widget=forms.CheckboxSelectMultiple,
                choices=[(str(pk), text) for pk, text in choices[key]["comments"]],
                initial=[str(pk) for pk in saved.get("comments", [])])
            campaigns = forms.MultipleChoiceField(
                label=gettext_lazy("Campaigns this answers"), required=False, widget=forms.CheckboxSelectMultiple,
                choices=[(str(pk), f"{text} ({size})") for pk, text, size in choices[key]["campaigns"]],
                initial=[str(c["comment"]) for c in saved.get("campaigns", [])])
            extra = forms.CharField(label=gettext_lazy("Other comment numbers"), required=False,
                                    help_text=gettext_lazy("Numbers from the comments' links, separated by commas."))
            names = {name: f"section-{key}-{name}" for name in ("body", "comments", "campaigns", "extra")}
            self.fields.update({names["body"]: body, names["comments"]: comments, names["campaigns"]: campaigns,
                                names["extra"]: extra})
            self.section_fields.append((section, [self[names[n]] for n in ("body", "comments", "campaigns",
                                                                          "extra")]))

    def sections_data(self) -> dict:
        data = {}
        for section in self.page.section_list:
            key = section["id"]
            extra = [v for v in self.cleaned_data.get(f"section-{key}-extra", "").replace("،", ",").split(",")
                     if v.strip()]
            data[key] = {"body": self.cleaned_data.get(f"section-{key}-body", ""),
                         "comments": [*self.cleaned_data.get(f"section-{key}-comments", []), *extra],
                         "campaigns": self.cleaned_data.get(f"section-{key}-campaigns", [])}
        return data


@require_http_methods(["GET", "POST"])
def response(request, page_id: int):
    if not request.user.is_authenticated:
        return _login(request)
    page = get_object_or_404(ConsultationPage.objects.live(), pk=page_id)
    try:
        require_responder(request.user, page)
    except PermissionDenied as exc:
        return render(request, "voting/refused.html", {"message": str(exc)}, status=403)
    saved = OfficialResponse.objects.filter(page=page).first()
    campaigns = findings.campaigns(page)
    form = ResponseForm(request.POST or None, page=page, choices=_section_choices(page, campaigns), response=saved)
    status = 200
    if request.method == "POST":
        form.is_valid()
        publish = request.POST.get("action") == "publish"
        first_time = publish and not page.response_published_at
        sizes = {c["representative"]: c["size"] for c in (campaigns or {}).get("campaigns", [])}
        try:
            response_save(actor=request.user, page=page, summary=form.cleaned_data.get("summary", ""),
                          sections=form.sections_data(), publish=publish, campaign_sizes=sizes)
        except ValidationError as exc:
            add_service_errors(form, exc)
            status = 400
        else:
            if first_time:
                _tell_participants(page)
            done = "published" if publish else "saved"
            return redirect(f"{reverse('reports:response', args=[page.pk])}?done={done}")
    return render(request, "reports/response.html", {"page": page, "form": form, "saved": saved,
                                                     "has_errors": status == 400, "done": request.GET.get("done")},
                  status=status)


def _tell_participants(page) -> int:
    from django.contrib.auth import get_user_model

    people = get_user_model().objects.filter(pk__in=dashboard.participant_ids(page.pk), is_active=True) \
        .select_related("profile")

    def compose():
        return (_("The official response to “%(title)s” is published") % {"title": page.title},
                _("You took part in this consultation. The responsible office has published its response: what it "
                  "heard and what it will do."), f"{page.url}#response-{page.pk}")
    return notify_many(recipients=people, kind="consultation.response", compose=compose)
