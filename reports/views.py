"""Reports for decision-makers, under /<lang>/reports/: the list of consultations and each
consultation's dashboard. Officials, editors and admins only; the figures are read from the
database (stored opinion groups are computed off the request path)."""

from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from consult.models import ConsultationPage, RoundtablePage
from reports import dashboard


def _refuse(request):
    if not request.user.is_authenticated:
        return redirect(f"{reverse('account_login')}?{urlencode({'next': request.get_full_path()})}")
    if not request.user.has_perm("reports.view_dashboard"):
        exc = PermissionDenied(_("Reports are for officials, editors and administrators."))
        return render(request, "voting/refused.html", {"message": str(exc)}, status=403)
    return None


def index(request):
    refused = _refuse(request)
    if refused:
        return refused
    pages = list(ConsultationPage.objects.live().order_by("-closes_at", "-pk").select_related("locale")[:200])
    roundtables = list(RoundtablePage.objects.live().order_by("-starts_at", "-pk").select_related("locale")[:100])
    return render(request, "reports/index.html", {"consultations": pages, "roundtables": roundtables})


def consultation(request, page_id: int):
    refused = _refuse(request)
    if refused:
        return refused
    page = (ConsultationPage.objects.live().filter(pk=page_id).first()
            or RoundtablePage.objects.live().filter(pk=page_id).first())
    if page is None:
        raise Http404
    figures = dashboard.consultation_dashboard(page)
    return render(request, "reports/dashboard.html", {
        "page": page, "figures": figures, "heat": dashboard.heat_levels(figures.sections),
        "is_consultation": isinstance(page, ConsultationPage),
    })
