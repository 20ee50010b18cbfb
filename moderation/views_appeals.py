"""Appeals in HTML: the author's appeal page (what was decided, why, and the appeal form),
the moderators' list of appeals, and the page where another moderator decides one."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from consult.web import add_service_errors
from moderation import selectors, services, services_appeals
from moderation.forms import REASON_LABELS, AppealDecisionForm, AppealForm
from moderation.rules import moderated_page_ids
from moderation.views import _counts, _login, _moderator_or_refuse, _refused


@require_http_methods(["GET", "POST"])
def appeal(request, case_id: int):
    """The author's page about a decision on their contribution (linked from the notification)."""
    if not request.user.is_authenticated:
        return _login(request)
    found = selectors.case_detail(case_id)
    if found is None or found.item is None:
        raise Http404
    is_author = found.item.author_id == request.user.pk
    if not (is_author or request.user.has_perm("moderation.moderate_page", found)):
        return _refused(request, PermissionDenied(_("Only the author of a contribution can see this page.")))
    form = AppealForm(request.POST or None)
    status = 200
    if request.method == "POST":
        form.is_valid()
        try:
            services_appeals.case_appeal(actor=request.user, case=found, note=form.cleaned_data.get("note", ""))
        except PermissionDenied as exc:
            return _refused(request, exc)
        except ValidationError as exc:
            add_service_errors(form, exc)
            status = 400
        else:
            return redirect(f"{reverse('moderation:appeal', args=[case_id])}?sent=1")
    return render(request, "moderation/appeal.html", {
        "case": found, "form": form, "has_errors": status == 400, "sent": request.GET.get("sent"),
        "may_appeal": is_author and services_appeals.may_appeal(request.user, found, found.item),
        "deadline": services_appeals.appeal_deadline(found), "appeal": found.appeal_record,
        "reason_label": REASON_LABELS.get(found.decision_reason, ""),
    }, status=status)


def appeals(request):
    refused = _moderator_or_refuse(request)
    if refused:
        return refused
    page = selectors.appeals_page(moderated_page_ids(request.user), request.GET.get("p") or 1)
    return render(request, "moderation/appeals.html", {"appeals": page, "done": request.GET.get("done"),
                                                       **_counts(request)})


@require_http_methods(["GET", "POST"])
def appeal_decide(request, appeal_id: int):
    if not request.user.is_authenticated:
        return _login(request)
    found = selectors.appeal_detail(appeal_id)
    if found is None:
        raise Http404
    refused = _moderator_or_refuse(request, found.case)
    if refused:
        return refused
    form = AppealDecisionForm(request.POST or None)
    status, conflict = 200, ""
    own_decision = found.case.decided_by_id == request.user.pk
    if request.method == "POST":
        form.is_valid()
        try:
            services_appeals.appeal_decide(actor=request.user, appeal=found, outcome=form.cleaned_data.get(
                "outcome", ""), note=form.cleaned_data.get("note", ""))
        except PermissionDenied as exc:
            return _refused(request, exc)
        except services.Conflict as exc:
            conflict, status = str(exc), 409
            found = selectors.appeal_detail(appeal_id)
        except ValidationError as exc:
            add_service_errors(form, exc)
            status = 400
        else:
            return redirect(f"{reverse('moderation:appeals')}?done={appeal_id}")
    found.case.reason_texts = [str(REASON_LABELS.get(code, code)) for code in found.case.reasons]
    return render(request, "moderation/appeal_decide.html", {
        "appeal": found, "case": found.case, "form": form, "conflict": conflict, "own_decision": own_decision,
        "has_errors": status in (400, 409), "reason_label": REASON_LABELS.get(found.case.decision_reason, ""),
    }, status=status)
