"""Moderation's HTML pages (they work without JavaScript; with it, the queue has keyboard
shortcuts): report a contribution, the queue, a case with its context and the decision form.

Opening a case claims it for five minutes, so two moderators never work on the same item; a
decision on a case someone else decided or holds answers 409 and changes nothing.
"""

from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from consult.models import Comment, CommentStatus, Statement, StatementStatus
from consult.ratelimit import RateLimited
from consult.web import add_service_errors, rate_limited, safe_next
from moderation import selectors, services
from moderation.forms import REASON_LABELS, BulkDecisionForm, DecisionForm, EscalateForm, FlagForm, QueueFilterForm
from moderation.models import OPEN_STATUSES, Case, CaseStatus
from moderation.rules import moderated_page_ids


def _login(request):
    return redirect(f"{reverse('account_login')}?{urlencode({'next': request.get_full_path()})}")


def _refused(request, exc):
    return render(request, "voting/refused.html", {"message": str(exc)}, status=403)


def _moderator_or_refuse(request, page=None):
    if not request.user.is_authenticated:
        return _login(request)
    try:
        services.require_moderator(request.user, page)
    except PermissionDenied as exc:
        return _refused(request, exc)
    return None


def _may_view_case(user, case: Case) -> bool:
    """Moderators of the case's page; officials for what was escalated to them."""
    if user.has_perm("moderation.moderate_page", case):
        return True
    return bool(case.escalated_at and user.has_perm("moderation.decide_escalated"))


# --- reporting ---------------------------------------------------------------------------------

def _reportable(kind: str, item_id: int):
    if kind == "comment":
        item = Comment.objects.select_related("page").filter(pk=item_id, status=CommentStatus.PUBLISHED).first()
    elif kind == "statement":
        item = Statement.objects.select_related("page").filter(pk=item_id, status=StatementStatus.PUBLISHED).first()
    else:
        item = None
    if item is None:
        raise Http404
    return item


def _item_url(request, item) -> str:
    page = item.page.specific
    anchor = f"comment-{item.pk}" if isinstance(item, Comment) else f"statement-{item.pk}"
    return f"{page.get_url(request)}#{anchor}"


@require_http_methods(["GET", "POST"])
def report(request, kind: str, item_id: int):
    item = _reportable(kind, item_id)
    back = safe_next(request, _item_url(request, item))
    if not request.user.is_authenticated:
        return _login(request)
    form = FlagForm(request.POST or None)
    status = 200
    if request.method == "POST":
        form.is_valid()
        try:
            services.item_flag(actor=request.user, item=item, reason=form.cleaned_data.get("reason", ""),
                               note=form.cleaned_data.get("note", ""))
        except PermissionDenied as exc:
            return render(request, "voting/refused.html", {"message": str(exc), "back_url": back}, status=403)
        except RateLimited as exc:
            return rate_limited(request, exc, back)
        except ValidationError as exc:
            add_service_errors(form, exc)
            status = 400
        else:
            return render(request, "moderation/reported.html", {"back_url": back, "item": item})
    return render(request, "moderation/report.html", {"form": form, "item": item, "kind": kind, "back_url": back,
                                                      "has_errors": status == 400}, status=status)


# --- the queue ---------------------------------------------------------------------------------

def _filters(request, status=CaseStatus.PENDING) -> tuple[QueueFilterForm, selectors.QueueFilters]:
    page_ids = moderated_page_ids(request.user) if status == CaseStatus.PENDING else None
    form = QueueFilterForm(request.GET or None, pages=selectors.pages_with_cases(status, page_ids))
    data = form.cleaned_data if form.is_valid() else {}
    return form, selectors.QueueFilters(page_id=data.get("page"), reason=data.get("reason") or "",
                                        language=data.get("language") or "", status=status, page_ids=page_ids)


def _counts(request) -> dict:
    """The figures in the moderation navigation: escalated cases and appeals waiting."""
    page_ids = moderated_page_ids(request.user)
    return {"escalated_count": selectors.pending_cases(selectors.QueueFilters(status=CaseStatus.ESCALATED)).count(),
            "appeals_count": selectors.appeals_page(page_ids).paginator.count}


def queue(request):
    refused = _moderator_or_refuse(request)
    if refused:
        return refused
    form, filters = _filters(request)
    page = selectors.queue_page(filters, request.GET.get("p") or 1)
    for item in page:
        item.reason_texts = [str(REASON_LABELS.get(code, code)) for code in item.reasons]
    query = request.GET.copy()
    query.pop("p", None)
    return render(request, "moderation/queue.html", {
        "filter_form": form, "cases": page, "reason_labels": REASON_LABELS, "query": query.urlencode(),
        "decision_form": BulkDecisionForm(auto_id="bulk-%s"), "done": request.GET.get("done"), **_counts(request),
    })


def escalated(request):
    """Cases moderators handed to the officials: officials decide them, moderators follow."""
    if not request.user.is_authenticated:
        return _login(request)
    if not request.user.has_perm("moderation.view_escalated"):
        return _refused(request, PermissionDenied(_("Only officials and moderators can see escalated items.")))
    _form, filters = _filters(request, status=CaseStatus.ESCALATED)
    page = selectors.queue_page(filters, request.GET.get("p") or 1)
    for item in page:
        item.reason_texts = [str(REASON_LABELS.get(code, code)) for code in item.reasons]
    return render(request, "moderation/escalated.html", {
        "cases": page, "may_decide": request.user.has_perm("moderation.decide_escalated")})


def next_case(request):
    refused = _moderator_or_refuse(request)
    if refused:
        return refused
    _form, filters = _filters(request)
    case_id = selectors.next_case_id(filters, viewer=request.user)
    if case_id is None:
        return redirect(f"{reverse('moderation:queue')}?done=1")
    return redirect("moderation:case", case_id=case_id)


def _open_case(request, case_id: int):
    """The case, or the response that refuses it (sign in, 403, 404)."""
    if not request.user.is_authenticated:
        return None, _login(request)
    found = selectors.case_detail(case_id)
    if found is None:
        raise Http404
    if not _may_view_case(request.user, found):
        return None, _refused(request, PermissionDenied(_("Only moderators of this consultation can review its "
                                                          "contributions.")))
    return found, None


def _after_decision(request, found: Case):
    if found.status == CaseStatus.ESCALATED:
        return redirect(f"{reverse('moderation:escalated')}?decided={found.pk}")
    filters = selectors.QueueFilters(page_ids=moderated_page_ids(request.user))
    following = selectors.next_case_id(filters, after=found, viewer=request.user)
    if following is None:
        return redirect(f"{reverse('moderation:queue')}?done=1")
    return redirect(f"{reverse('moderation:case', args=[following])}?decided={found.pk}")


def _render_case(request, found: Case, *, form=None, escalate_form=None, conflict="", status=200):
    found.reason_texts = [str(REASON_LABELS.get(code, code)) for code in found.reasons]
    may_decide = found.status in OPEN_STATUSES and _may_decide(request.user, found)
    return render(request, "moderation/case.html", {
        "case": found, "form": form or DecisionForm(),
        "escalate_form": escalate_form or EscalateForm(auto_id="escalate-%s"),
        "conflict": conflict, "reason_labels": REASON_LABELS, "may_decide": may_decide,
        "may_sanction": request.user.has_perm("moderation.sanction_person"),
        "has_errors": status in (400, 409), "decided": request.GET.get("decided"),
    }, status=status)


def _may_decide(user, found: Case) -> bool:
    try:
        services.require_decider(user, found)
    except PermissionDenied:
        return False
    return True


@require_http_methods(["GET", "POST"])
def case(request, case_id: int):
    found, refused = _open_case(request, case_id)
    if refused:
        return refused
    if request.method == "GET":
        conflict = ""
        if found.status in OPEN_STATUSES and _may_decide(request.user, found):
            try:
                services.case_claim(actor=request.user, case=found)
            except services.Conflict as exc:
                conflict = str(exc)
            found = selectors.case_detail(case_id)
        return _render_case(request, found, conflict=conflict)
    form = DecisionForm(request.POST)
    form.is_valid()
    try:
        services.case_decide(actor=request.user, case=found, outcome=form.cleaned_data.get("outcome", ""),
                             reason=form.cleaned_data.get("reason", ""), note=form.cleaned_data.get("note", ""),
                             spans=form.cleaned_data.get("spans", ""))
    except PermissionDenied as exc:
        return _refused(request, exc)
    except services.Conflict as exc:
        return _render_case(request, selectors.case_detail(case_id), form=form, conflict=str(exc), status=409)
    except ValidationError as exc:
        add_service_errors(form, exc)
        return _render_case(request, found, form=form, status=400)
    return _after_decision(request, found)


@require_POST
def escalate(request, case_id: int):
    found, refused = _open_case(request, case_id)
    if refused:
        return refused
    form = EscalateForm(request.POST, auto_id="escalate-%s")
    form.is_valid()
    try:
        services.case_escalate(actor=request.user, case=found, note=form.cleaned_data.get("note", ""))
    except PermissionDenied as exc:
        return _refused(request, exc)
    except services.Conflict as exc:
        return _render_case(request, selectors.case_detail(case_id), conflict=str(exc), status=409)
    except ValidationError as exc:
        add_service_errors(form, exc)
        return _render_case(request, found, escalate_form=form, status=400)
    return _after_decision(request, found)  # found is the case as it was: pending, so on to the next


@require_POST
def bulk(request):
    refused = _moderator_or_refuse(request)
    if refused:
        return refused
    form = BulkDecisionForm(request.POST, auto_id="bulk-%s")
    form.is_valid()
    ids = [int(v) for v in request.POST.getlist("cases") if v.isdigit()][:100]
    if not ids:
        return render(request, "moderation/bulk_result.html", {"error": _("Select at least one item first.")},
                      status=400)
    cases = list(Case.objects.filter(pk__in=ids, status=CaseStatus.PENDING))
    try:
        result = services.cases_decide(actor=request.user, cases=cases, outcome=form.cleaned_data.get("outcome", ""),
                                       reason=form.cleaned_data.get("reason", ""),
                                       note=form.cleaned_data.get("note", ""))
    except ValidationError as exc:
        return render(request, "moderation/bulk_result.html", {"error": " ".join(exc.messages)}, status=400)
    return render(request, "moderation/bulk_result.html", {"result": result})
