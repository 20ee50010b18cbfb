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
from reports import dashboard, findings


def _login(request):
    return redirect(f"{reverse('account_login')}?{urlencode({'next': request.get_full_path()})}")


def _refuse(request):
    if not request.user.is_authenticated:
        return _login(request)
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
    page = _report_page(page_id)
    return render(request, "reports/dashboard.html", _report_context(page))


def _report_page(page_id: int):
    page = (ConsultationPage.objects.live().filter(pk=page_id).first()
            or RoundtablePage.objects.live().filter(pk=page_id).first())
    if page is None:
        raise Http404
    return page


def _report_context(page) -> dict:
    figures, as_of = findings.figures(page)
    return {"page": page, "figures": figures, "as_of": as_of, "region_names": dashboard.region_names(figures.by_region),
            "heat": dashboard.heat_levels(figures.sections),
            "is_consultation": isinstance(page, ConsultationPage), "groups": findings.opinion_groups(page),
            "campaigns": findings.campaigns(page)}


def printable(request, page_id: int):
    """One document for a memo: the summary, the heat-map, the opinion map and the response."""
    refused = _refuse(request)
    if refused:
        return refused
    return render(request, "reports/print.html", _report_context(_report_page(page_id)))
