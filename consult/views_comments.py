"""Comment pages of the no-JavaScript path: a section's discussion, replies, edits, withdrawal
and permalinks. Every POST calls consult.services and redirects (post/redirect/get)."""

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import BadRequest, PermissionDenied, ValidationError
from django.core.paginator import EmptyPage
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from consult import events, selectors, services, submissions
from consult.forms import CommentForm, SortForm
from consult.models import Comment, ConsultationPage
from consult.ratelimit import RateLimited
from consult.web import add_service_errors, rate_limited

SORT_LABELS = {"newest": gettext_lazy("Newest"), "oldest": gettext_lazy("Oldest"),
               "supported": gettext_lazy("Most supported"), "discussed": gettext_lazy("Most discussed")}


def _consultation(page_id: int) -> ConsultationPage:
    page = ConsultationPage.objects.live().public().filter(pk=page_id).first()
    if page is None:
        raise Http404
    return page


def discussion_url(page: ConsultationPage, section_id: str) -> str:
    if section_id:
        return reverse("consult:section", args=[page.pk, section_id])
    return reverse("consult:general", args=[page.pk])


def _require_sign_in(request):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not hasattr(request.user, "profile"):
        return redirect(f"{reverse('accounts:welcome')}?next={request.get_full_path()}")
    return None


def _submit(request, form, write):
    """Call a service for a valid form: redirect to what `write` returns, put a refusal's
    reasons on the form (None: re-render it), or answer 429 when the person must slow down.
    A form already sent once writes nothing and goes where the first sending went."""
    key = form.cleaned_data.get("submission")
    earlier = submissions.claim(request.user.pk, key)
    if earlier is not None:
        messages.info(request, _("This form had already been sent, so it was not sent again."))
        return redirect(earlier or request.path)
    try:
        target = write()
    except ValidationError as exc:
        submissions.release(request.user.pk, key)
        add_service_errors(form, exc)
        return None
    except RateLimited as exc:
        submissions.release(request.user.pk, key)
        return rate_limited(request, exc, back_url=request.path)
    except BaseException:
        submissions.release(request.user.pk, key)
        raise
    submissions.remember(request.user.pk, key, target)
    return redirect(target)


def discussion(request, page_id: int, section_id: str = ""):
    page = _consultation(page_id)
    section = page.section_by_id(section_id) if section_id else None
    if section_id and section is None:
        raise Http404
    form = CommentForm()
    if request.method == "POST":
        if (refusal := _require_sign_in(request)) is not None:
            return refusal
        form = CommentForm(request.POST)

        def write():
            comment = services.comment_create(actor=request.user, page=page, section_id=section_id,
                                              text=form.cleaned_data["text"], stance=form.cleaned_data["stance"])
            return f"{discussion_url(page, section_id)}#{comment.anchor}"

        if form.is_valid() and (response := _submit(request, form, write)) is not None:
            return response
    return _render_discussion(request, page, section, section_id, form)


def _render_discussion(request, page, section, section_id, form, status=None):
    sorting = SortForm(request.GET)
    if not sorting.is_valid():
        raise BadRequest(_("Choose one of the ways of sorting shown on the page."))
    sort = sorting.cleaned_data.get("sort") or "newest"
    # the seq first: an event committed while the list is read is then announced, not lost
    live_seq = events.current_seq(page.pk)
    try:
        threads = selectors.comment_threads(page=page, section_id=section_id, viewer=request.user, sort=sort,
                                            number=sorting.cleaned_data.get("page") or 1)
    except EmptyPage as exc:
        raise BadRequest(_("That page of comments does not exist.")) from exc
    stats = selectors.section_comment_stats(page).get(section_id, {})
    status = status or (400 if form.errors else 200)
    return render(request, "consult/comments/discussion.html", {
        "page": page, "consultation": page, "section": section, "section_id": section_id, "form": form,
        "threads": threads, "sort": sort, "sorts": SORT_LABELS, "stats": stats,
        "may_comment": request.user.has_perm("consult.add_comment", page),
        "has_errors": bool(form.errors), "live_seq": live_seq,
    }, status=status)


def _comment(request, pk: int) -> Comment:
    comment = get_object_or_404(Comment.objects.select_related("page", "author__profile"), pk=pk,
                                page__live=True)
    if not request.user.has_perm("consult.view_comment", comment):
        raise Http404
    return comment


def permalink(request, pk: int):
    comment = _comment(request, pk)
    root = selectors.comment_thread_root(comment)
    selectors.attach_replies([root], request.user)
    page = comment.page.specific
    return render(request, "consult/comments/thread.html", {
        "page": page, "consultation": page, "root": root, "focus": comment,
        "section": page.section_by_id(comment.section_id) if comment.section_id else None,
        "back_url": discussion_url(page, comment.section_id),
    })


def reply(request, pk: int):
    parent = _comment(request, pk)
    page = parent.page.specific
    form = CommentForm(reply=True)
    if request.method == "POST":
        if (refusal := _require_sign_in(request)) is not None:
            return refusal
        form = CommentForm(request.POST, reply=True)

        def write():
            comment = services.comment_create(actor=request.user, page=page, parent=parent,
                                              text=form.cleaned_data["text"], stance=form.cleaned_data["stance"])
            return f"{discussion_url(page, comment.section_id)}#{comment.anchor}"

        if form.is_valid() and (response := _submit(request, form, write)) is not None:
            return response
    return render(request, "consult/comments/reply.html", {
        "page": page, "consultation": page, "parent": parent, "form": form, "has_errors": bool(form.errors),
        "may_comment": request.user.has_perm("consult.add_comment", page),
    }, status=400 if form.errors else 200)


def edit(request, pk: int):
    comment = _comment(request, pk)
    if (refusal := _require_sign_in(request)) is not None:
        return refusal
    if not request.user.has_perm("consult.change_comment", comment):
        raise PermissionDenied
    page = comment.page.specific
    form = CommentForm(initial={"text": comment.body, "stance": comment.stance}, reply=comment.parent_id is not None)
    if request.method == "POST":
        form = CommentForm(request.POST, reply=comment.parent_id is not None)

        def write():
            services.comment_edit(actor=request.user, comment=comment, text=form.cleaned_data["text"],
                                  stance=form.cleaned_data["stance"])
            return f"{discussion_url(page, comment.section_id)}#{comment.anchor}"

        if form.is_valid() and (response := _submit(request, form, write)) is not None:
            return response
    return render(request, "consult/comments/edit.html", {
        "page": page, "consultation": page, "comment": comment, "form": form, "has_errors": bool(form.errors),
    }, status=400 if form.errors else 200)


def withdraw(request, pk: int):
    comment = _comment(request, pk)
    if (refusal := _require_sign_in(request)) is not None:
        return refusal
    if not request.user.has_perm("consult.withdraw_comment", comment):
        raise PermissionDenied
    page = comment.page.specific
    if request.method == "POST":
        services.comment_withdraw(actor=request.user, comment=comment)
        return redirect(f"{discussion_url(page, comment.section_id)}#{comment.anchor}")
    return render(request, "consult/comments/withdraw.html", {"page": page, "consultation": page,
                                                              "comment": comment})
