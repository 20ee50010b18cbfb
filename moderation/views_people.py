"""A person as moderators see them: decisions about their contributions, sanctions, and the
form to warn, suspend or ban them (site-wide moderators only)."""

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from consult.web import add_service_errors
from moderation import selectors, services_sanctions
from moderation.forms import SanctionForm
from moderation.models import Sanction
from moderation.views import _login, _refused


def _sanctioner_or_refuse(request):
    if not request.user.is_authenticated:
        return _login(request)
    try:
        services_sanctions.require_sanctioner(request.user)
    except PermissionDenied as exc:
        return _refused(request, exc)
    return None


@require_http_methods(["GET", "POST"])
def person(request, user_id: int):
    refused = _sanctioner_or_refuse(request)
    if refused:
        return refused
    subject = get_object_or_404(get_user_model().objects.select_related("profile"), pk=user_id)
    form = SanctionForm(request.POST or None)
    status = 200
    if request.method == "POST":
        form.is_valid()
        data = form.cleaned_data
        if form.errors.get("until"):  # a date the browser could not send as a date
            status = 400
        else:
            try:
                services_sanctions.person_sanction(actor=request.user, person=subject, kind=data.get("kind", ""),
                                                   reason=data.get("reason", ""), note=data.get("note", ""),
                                                   until=data.get("until"))
            except PermissionDenied as exc:
                return _refused(request, exc)
            except ValidationError as exc:
                add_service_errors(form, exc)
                status = 400
            else:
                return redirect(f"{reverse('moderation:person', args=[user_id])}?done=1")
    return render(request, "moderation/person.html", {
        "subject": subject, "history": selectors.author_history(subject.pk), "form": form,
        "has_errors": status == 400, "done": request.GET.get("done"),
    }, status=status)


@require_POST
def lift(request, sanction_id: int):
    refused = _sanctioner_or_refuse(request)
    if refused:
        return refused
    sanction = get_object_or_404(Sanction, pk=sanction_id)
    try:
        services_sanctions.sanction_lift(actor=request.user, sanction=sanction)
    except ValidationError:
        pass  # already lifted: the page shows it so
    return redirect(f"{reverse('moderation:person', args=[sanction.person_id])}?done=1")
