"""A live roundtable's facilitator console and presenter view (no JavaScript needed).

The console is a set of small forms, one per action, each a POST to the same URL that calls
consult.services.roundtables and redirects back (post/redirect/get). The presenter view is for
a projector: the current agenda item, the spotlight and the statements' results in large type.
With JavaScript, consult's live client refreshes both when a `roundtable.state`,
`statement.created` or `tally.updated` event arrives.
"""

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from consult import events, selectors
from consult.forms import ConsoleForm
from consult.models import RoundtablePage, Statement, StatementStatus
from consult.services.roundtables import roundtable_control, roundtable_state, spotlight_candidates

PRESENTER_STATEMENTS = 8


def _roundtable(page_id: int) -> RoundtablePage:
    page = selectors.live_roundtable(page_id)
    if page is None:
        raise Http404
    return page


def _statements(page: RoundtablePage, limit: int | None = None):
    statements = (Statement.objects.filter(page_id=page.pk, status=StatementStatus.PUBLISHED)
                  .order_by("-agree_count", "-created_at", "-pk"))
    statements = list(statements[:limit] if limit else statements)
    for statement in statements:
        statement.live_target = f"statement:{statement.pk}"
    return statements


def _context(page: RoundtablePage, **extra) -> dict:
    seq = events.current_seq(page.pk)  # before the state it numbers, so nothing falls between
    return {"page": page, "session": roundtable_state(page), "seq": seq, "polls": _polls(page), **extra}


def _polls(page: RoundtablePage) -> list[dict]:
    return [{"id": str(child.id), "question": child.value.get("question", ""),
             "state": page.poll_states.get(str(child.id), "not_opened")} for child in page.polls]


@require_http_methods(["GET", "POST"])
def console(request, page_id: int):
    page = _roundtable(page_id)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not request.user.has_perm("consult.facilitate_roundtable", page):
        raise PermissionDenied
    form = ConsoleForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                roundtable_control(actor=request.user, page=page, action=form.cleaned_data["action"],
                                   target=form.cleaned_data["target"])
            except ValidationError as exc:
                for message in exc.messages:
                    form.add_error(None, message)
            else:
                return redirect(f"{reverse('consult:console', args=[page.pk])}?done={form.cleaned_data['action']}")
        status = 400
        page.refresh_from_db()
    return render(request, "consult/roundtable_console.html",
                  _context(page, form=form, statements=_statements(page), comments=spotlight_candidates(page),
                           has_errors=status == 400,
                           done=request.GET.get("done", "")), status=status)


def presenter(request, page_id: int):
    page = _roundtable(page_id)
    return render(request, "consult/roundtable_presenter.html",
                  _context(page, statements=_statements(page, PRESENTER_STATEMENTS)))
