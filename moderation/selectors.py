"""Moderation's reads: the queue, a case with its context. A constant number of queries per
page of the queue, however long it is."""

from dataclasses import dataclass

from django.core.paginator import Paginator
from django.db import models
from django.utils import timezone

from consult.models import Comment, ConsultationPage, Statement
from moderation.models import Appeal, AppealStatus, Case, CaseStatus, Flag, Redaction, Sanction

QUEUE_PAGE_SIZE = 25


@dataclass
class QueueFilters:
    page_id: int | None = None
    reason: str = ""
    language: str = ""
    status: str = CaseStatus.PENDING
    # None: every page (a global moderator); else only these pages (assigned moderators)
    page_ids: frozenset[int] | None = None


def pending_cases(filters: QueueFilters):
    cases = Case.objects.filter(status=filters.status)
    if filters.page_ids is not None:
        cases = cases.filter(page_id__in=filters.page_ids)
    if filters.page_id:
        cases = cases.filter(page_id=filters.page_id)
    if filters.reason:  # reasons are a JSON list of codes; match one whole quoted code
        cases = cases.filter(reasons__icontains=f'"{filters.reason}"')
    if filters.language:
        cases = cases.filter(language=filters.language)
    return cases.order_by("-priority", "opened_at", "pk")


def pages_with_cases(status: str, page_ids=None) -> list[tuple[int, str]]:
    """(page id, title) of the pages with cases in this state, for the queue's filter (one query)."""
    from wagtail.models import Page

    cases = Case.objects.filter(status=status)
    if page_ids is not None:
        cases = cases.filter(page_id__in=page_ids)
    return list(Page.objects.filter(pk__in=cases.values("page_id")).order_by("title").values_list("pk", "title"))


def attach_items(cases: list[Case]) -> list[Case]:
    """Give each case its item (`case.item`, with author profile) and page title: two queries
    for the items and one for the pages, whatever the number of cases."""
    comment_ids = [c.item_id for c in cases if c.item_type == "comment"]
    statement_ids = [c.item_id for c in cases if c.item_type == "statement"]
    comments = Comment.objects.select_related("author__profile").in_bulk(comment_ids) if comment_ids else {}
    statements = Statement.objects.select_related("author__profile").in_bulk(statement_ids) if statement_ids else {}
    from wagtail.models import Page

    pages = Page.objects.in_bulk({c.page_id for c in cases}) if cases else {}
    now = timezone.now()
    for case in cases:
        case.item = (comments if case.item_type == "comment" else statements).get(case.item_id)
        case.page_title = pages[case.page_id].title if case.page_id in pages else ""
        case.claim_active = bool(case.claimed_by_id and case.claimed_until and case.claimed_until > now)
    return cases


def queue_page(filters: QueueFilters, number: int = 1):
    paginator = Paginator(pending_cases(filters).select_related("claimed_by__profile"), QUEUE_PAGE_SIZE)
    page = paginator.get_page(number)
    attach_items(list(page.object_list))
    return page


def case_detail(case_id: int) -> Case | None:
    case = (Case.objects.select_related("claimed_by__profile", "decided_by__profile", "escalated_by__profile")
            .filter(pk=case_id).first())
    if case is None:
        return None
    attach_items([case])
    case.flags = list(Flag.objects.filter(item_type=case.item_type, item_id=case.item_id).order_by("created_at"))
    case.context = _context(case)
    case.appeal_record = Appeal.objects.select_related("decided_by__profile").filter(case=case).first()
    case.was_redacted = Redaction.objects.filter(case=case).exists()
    author_id = getattr(case.item, "author_id", None)
    case.author_history = author_history(author_id) if author_id else None
    return case


def author_history(user_id: int) -> dict:
    """What a moderator should know about a contribution's author: earlier decisions against
    them and sanctions (three queries)."""
    from consult.models import Comment, Statement

    comment_ids = Comment.objects.filter(author_id=user_id).values("pk")
    statement_ids = Statement.objects.filter(author_id=user_id).values("pk")
    decided = Case.objects.filter(status=CaseStatus.DECIDED).filter(
        models.Q(item_type="comment", item_id__in=comment_ids) | models.Q(item_type="statement",
                                                                          item_id__in=statement_ids))
    counts = dict(decided.values_list("outcome").annotate(n=models.Count("pk")))
    sanctions = list(Sanction.objects.filter(person_id=user_id).select_related("created_by__profile")[:10])
    return {"user_id": user_id, "rejected": counts.get("rejected", 0), "redacted": counts.get("redacted", 0),
            "approved": counts.get("approved", 0), "sanctions": sanctions,
            "in_force": next((s for s in sanctions if s.in_force), None)}


def appeals_page(page_ids: frozenset[int] | None, number: int = 1):
    """Pending appeals, oldest first, with their cases and items."""
    appeals = (Appeal.objects.filter(status=AppealStatus.PENDING).select_related("case", "case__decided_by__profile")
               .order_by("created_at", "pk"))
    if page_ids is not None:
        appeals = appeals.filter(case__page_id__in=page_ids)
    page = Paginator(appeals, QUEUE_PAGE_SIZE).get_page(number)
    cases = attach_items([appeal.case for appeal in page.object_list])
    for appeal, case in zip(page.object_list, cases, strict=True):
        appeal.case = case
    return page


def appeal_detail(appeal_id: int) -> Appeal | None:
    appeal = Appeal.objects.select_related("case", "appellant__profile", "decided_by__profile").filter(
        pk=appeal_id).first()
    if appeal is None:
        return None
    appeal.case = case_detail(appeal.case_id)
    return appeal


def _context(case: Case) -> dict:
    """What a moderator needs to judge the item: the section it is about and, for a reply,
    the comments above it."""
    item = case.item
    if item is None:
        return {}
    page = ConsultationPage.objects.filter(pk=case.page_id).first()
    section = page.section_by_id(item.section_id) if page and getattr(item, "section_id", "") else None
    ancestors = []
    parent_id = getattr(item, "parent_id", None)
    while parent_id and len(ancestors) < 3:
        parent = Comment.objects.select_related("author__profile").filter(pk=parent_id).first()
        if parent is None:
            break
        ancestors.insert(0, parent)
        parent_id = parent.parent_id
    return {"section": section, "ancestors": ancestors, "page": page}


def next_case_id(filters: QueueFilters, *, after: Case | None = None, viewer=None) -> int | None:
    """The first pending case nobody else holds, for "next"."""
    now = timezone.now()
    cases = pending_cases(filters)
    if after is not None:
        cases = cases.exclude(pk=after.pk)
    for case in cases.only("pk", "claimed_by_id", "claimed_until")[:50]:
        if not case.claimed_by_id or case.claimed_until < now or case.claimed_by_id == getattr(viewer, "pk", None):
            return case.pk
    return None
