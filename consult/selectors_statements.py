"""Reads for statements on a page (consult content; votes on them are voting's). Never writes."""

from django.db.models import Case, F, IntegerField, QuerySet, Value, When

from consult.models import Statement, StatementStatus


def statements_published(page_id: int) -> QuerySet[Statement]:
    """A page's published statements: the editors' seeds first in their page order, then
    citizens' statements newest first."""
    is_citizens = Case(When(seed_id="", then=Value(1)), default=Value(0), output_field=IntegerField())
    within = Case(When(seed_id="", then=-F("pk")), default=F("pk"), output_field=IntegerField())
    return (Statement.objects.filter(page_id=page_id, status=StatementStatus.PUBLISHED)
            .order_by(is_citizens, within))


def statement_visible(statement_id: int) -> Statement | None:
    """A published statement on a live page, or None (unknown, pending, rejected or draft)."""
    return (Statement.objects.select_related("page")
            .filter(pk=statement_id, status=StatementStatus.PUBLISHED, page__live=True).first())


def my_held_statements(page_id: int, user, limit: int = 5) -> list[Statement]:
    """The person's own statements on the page that wait for a moderator (only they see them)."""
    if not (user and user.is_authenticated):
        return []
    return list(Statement.objects.filter(page_id=page_id, author=user, status=StatementStatus.PENDING)
                .order_by("-created_at")[:limit])
