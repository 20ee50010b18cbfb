"""HTML form endpoints for voting (they work without JavaScript): post, let the service
decide, then redirect back (post/redirect/get) or show a page a person can act on.

Refusals: a visitor who is not signed in goes to sign in and comes back; a signed-in person
sees why (403); too many writes in a short time is the 429 page with Retry-After; a value the
service rejects re-shows the form with the GOV.UK error summary (400).
"""

from urllib.parse import urlencode, urlsplit, urlunsplit

from django.core.exceptions import BadRequest, PermissionDenied, ValidationError
from django.core.paginator import InvalidPage, Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from consult.ratelimit import RateLimited
from consult.rules import is_participant, page_is_open
from consult.selectors_statements import statements_published
from consult.services.statements import statement_create
from consult.web import add_service_errors, rate_limited, safe_next
from voting import selectors, services
from voting.forms import StatementForm
from voting.panels import poll_context

LIST_PAGE_SIZE = 50


def _found(obj):
    if obj is None:
        raise Http404
    return obj


def _refused(request, exc: PermissionDenied, back: str):
    if not request.user.is_authenticated:
        return redirect(f"{reverse('account_login')}?{urlencode({'next': back})}")
    return render(request, "voting/refused.html", {"message": str(exc), "back_url": back}, status=403)


def _invalid(request, exc: ValidationError, back: str):
    return render(request, "voting/invalid.html", {"messages_list": exc.messages, "back_url": back,
                                                   "has_errors": True}, status=400)


def _int_or_none(raw):
    try:
        return int(raw)
    except (TypeError, ValueError):
        return raw  # the service rejects it with a message


def _with_query(url: str, **params) -> str:
    parts = urlsplit(url)
    query = "&".join(filter(None, [parts.query, urlencode(params)]))
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


def _vote(request, back: str, *, cast, withdraw):
    """Cast the posted value (or withdraw on "withdraw") and go back; refusals become pages."""
    raw = request.POST.get("value", "")
    try:
        if raw == "withdraw":
            withdraw()
        else:
            cast(_int_or_none(raw))
    except PermissionDenied as exc:
        return _refused(request, exc, back)
    except RateLimited as exc:
        return rate_limited(request, exc, back)
    except ValidationError as exc:
        return _invalid(request, exc, back)
    return redirect(back)


@require_POST
def comment_vote(request, comment_id: int):
    comment = _found(selectors.comment_votable(comment_id))
    back = safe_next(request, f"{comment.page.get_url(request)}#{comment.anchor}")
    return _vote(request, back,
                 cast=lambda value: services.comment_vote_cast(actor=request.user, comment=comment, value=value),
                 withdraw=lambda: services.comment_vote_withdraw(actor=request.user, comment=comment))


@require_POST
def statement_vote(request, statement_id: int):
    statement = _found(selectors.statement_votable(statement_id))
    back = safe_next(request, f"{statement.page.specific.get_url(request)}#statement-{statement.pk}")
    return _vote(request, back,
                 cast=lambda value: services.statement_vote_cast(actor=request.user, statement=statement,
                                                                 value=value),
                 withdraw=lambda: services.statement_vote_withdraw(actor=request.user, statement=statement))


@require_POST
def statement_add(request, page_id: int):
    page = _found(selectors.participation_page(page_id))
    back = safe_next(request, f"{page.get_url(request)}#statements-{page.pk}")
    form = StatementForm(request.POST, page_id=page.pk)
    form.is_valid()
    try:
        statement = statement_create(actor=request.user, page=page, text=form.cleaned_data.get("text", ""))
    except PermissionDenied as exc:
        return _refused(request, exc, back)
    except RateLimited as exc:
        return rate_limited(request, exc, back)
    except ValidationError as exc:
        add_service_errors(form, exc)
        return render(request, "voting/statement_add.html",
                      {"page": page, "statement_form": form, "form": form, "back_url": back, "has_errors": True},
                      status=400)
    base, _hash, _fragment = back.partition("#")
    return redirect(f"{_with_query(base, statement_added=statement.status)}#statements-{page.pk}")


def _posted_answer(request) -> dict:
    return {"choices": request.POST.getlist("choices"), "scale": request.POST.get("scale", ""),
            "other_text": request.POST.get("other_text", "")}


@require_POST
def poll_respond(request, page_id: int, poll_id: str):
    page = _found(selectors.participation_page(page_id))
    poll = _found(selectors.poll_on_page(page, poll_id))
    back = safe_next(request, f"{page.get_url(request)}#poll-{poll.id}")
    posted = _posted_answer(request)
    try:
        services.poll_respond(actor=request.user, page=page, poll_id=poll.id, choices=posted["choices"],
                              scale=posted["scale"] or None, other_text=posted["other_text"])
    except PermissionDenied as exc:
        return _refused(request, exc, back)
    except RateLimited as exc:
        return rate_limited(request, exc, back)
    except ValidationError as exc:
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"choices": exc.messages}
        item = poll_context(page, poll, state=selectors.poll_state(page, poll), response=None, can_answer=True,
                            posted=posted, errors=errors)
        return render(request, "voting/poll_answer.html",
                      {"page": page, "item": item, "back_url": back, "has_errors": True}, status=400)
    return redirect(back)


@require_GET
def statement_next(request, page_id: int):
    """One statement at a time, with the three buttons; voting brings the next one."""
    page = _found(selectors.participation_page(page_id))
    statement = selectors.next_statement(user=request.user, page=page)
    may_vote = is_participant(request.user) and page_is_open(request.user, page)
    return render(request, "voting/statement_next.html", {
        "page": page, "statement": statement, "can_vote": may_vote,
        "here": request.get_full_path(), "state": selectors.page_state(page),
    })


@require_GET
def statement_list(request, page_id: int):
    """Every published statement of a page, paginated, with the person's own votes."""
    page = _found(selectors.participation_page(page_id))
    try:
        page_obj = Paginator(statements_published(page.pk), LIST_PAGE_SIZE).page(request.GET.get("page") or 1)
    except InvalidPage as exc:  # not a number, or past the last page: say so rather than guess
        raise BadRequest(_("That page of statements does not exist.")) from exc
    statements = list(page_obj.object_list)
    return render(request, "voting/statement_list.html", {
        "page": page, "page_obj": page_obj, "statements": statements,
        "my_votes": selectors.my_statement_votes(request.user, [st.pk for st in statements]),
        "can_vote": is_participant(request.user) and page_is_open(request.user, page),
        "here": request.get_full_path(),
    })
