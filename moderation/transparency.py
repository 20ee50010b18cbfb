"""Transparency figures: read-only selectors for the public moderation report of a consultation
or roundtable, and a moderator's own statistics with the state of the queue.

Everything is counted in the database with filtered aggregates, so a report costs the same
few queries whether a page has three cases or thirty thousand. The median time to a decision
is read from the middle of the decided cases ordered by duration (one row or two), not by
loading every duration.

The public report holds counts only: never a person, an item, a text or an id other than the
page's own. Counts are exact (no suppression of small numbers), because listing nothing but
totals per reason cannot point at anyone.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import CharField, Count, DurationField, ExpressionWrapper, F, Min, Q, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consult.screening import HOLD_REASONS
from moderation.forms import REASON_LABELS
from moderation.models import AppealOutcome, AppealStatus, Case, CaseStatus, Flag, FlagReason, Outcome, RejectReason

# Screener codes (consult.screening) that only a screener gives a case. "personal_data" is both
# a screener code and a flag reason, see _held_by().
SCREENER_ONLY_CODES = tuple(code for code in HOLD_REASONS if code not in FlagReason.values)
PERSONAL_DATA = "personal_data"
NO_REASON = ""
NO_REASON_LABEL = _("No reason recorded")
# The flag form asks "something else (say what)"; a report just says what it was.
PUBLIC_FLAG_LABELS = {**dict(FlagReason.choices), FlagReason.OTHER: _("Something else")}


@dataclass(frozen=True)
class ReasonCount:
    code: str
    label: str
    count: int


@dataclass(frozen=True)
class FlagReasonCount:
    code: str
    label: str
    items: int  # distinct items flagged at least once for this reason
    flags: int


@dataclass(frozen=True)
class DecisionReasonCount:
    code: str  # RejectReason, "" when none was recorded
    label: str
    rejected: int
    redacted: int


@dataclass(frozen=True)
class AppealReasonCount:
    code: str  # the decision's reason (RejectReason), "" when none was recorded
    label: str
    appealed: int
    reinstated: int


@dataclass
class PageReport:
    """The public figures of one consultation or roundtable."""

    page_id: int
    flagged_items: int = 0
    flags: int = 0
    flags_by_reason: list[FlagReasonCount] = field(default_factory=list)
    cases: int = 0
    held: int = 0
    held_by_reason: list[ReasonCount] = field(default_factory=list)
    hidden_by_flags: int = 0
    pending: int = 0
    escalated: int = 0
    decided: int = 0
    approved: int = 0
    rejected: int = 0
    redacted: int = 0
    decisions_by_reason: list[DecisionReasonCount] = field(default_factory=list)
    appealed: int = 0
    appeals_pending: int = 0
    upheld: int = 0
    reinstated: int = 0
    appeals_by_reason: list[AppealReasonCount] = field(default_factory=list)
    median_decision: datetime.timedelta | None = None

    @property
    def rejected_by_reason(self) -> list[ReasonCount]:
        return [ReasonCount(row.code, row.label, row.rejected) for row in self.decisions_by_reason]

    @property
    def redacted_by_reason(self) -> list[ReasonCount]:
        return [ReasonCount(row.code, row.label, row.redacted) for row in self.decisions_by_reason]

    @property
    def median_decision_seconds(self) -> int | None:
        return _seconds(self.median_decision)


@dataclass
class ModeratorReport:
    """One moderator's own figures, and the queue as it stands."""

    decided_last_7_days: int = 0
    decided_last_30_days: int = 0
    median_decision: datetime.timedelta | None = None  # over their decisions of the last 30 days
    appeals_received: int = 0  # appeals against their decisions, ever
    appeals_reinstated: int = 0
    pending: int = 0
    escalated: int = 0
    oldest_pending_since: datetime.datetime | None = None
    oldest_pending_age: datetime.timedelta | None = None
    appeals_pending: int = 0

    @property
    def median_decision_seconds(self) -> int | None:
        return _seconds(self.median_decision)

    @property
    def oldest_pending_seconds(self) -> int | None:
        return _seconds(self.oldest_pending_age)


def _seconds(duration: datetime.timedelta | None) -> int | None:
    return None if duration is None else max(0, round(duration.total_seconds()))


# --- helpers -----------------------------------------------------------------------------------

def _has_code(code: str) -> Q:
    """Case.reasons is a JSON list of codes: match one whole quoted code (as the queue does)."""
    return Q(reasons__icontains=f'"{code}"')


def _held_by(code: str) -> Q:
    """Cases a screener opened for this code. Held items are not public, so nobody can flag
    them: a personal-data case without flags was opened by the screener, one with flags by
    people (an item flagged and then edited into a hold is counted as flagged only)."""
    if code == PERSONAL_DATA:
        return _has_code(code) & Q(flag_count=0)
    return _has_code(code)


def _held() -> Q:
    q = _held_by(PERSONAL_DATA)
    for code in SCREENER_ONLY_CODES:
        q |= _held_by(code)
    return q


def _decision_reasons() -> list[tuple[str, str]]:
    return [*RejectReason.choices, (NO_REASON, NO_REASON_LABEL)]


def _key(*parts: str) -> str:
    return "__".join(part or "none" for part in parts)


def _median(durations, count: int) -> datetime.timedelta | None:
    """The median of `durations` (a queryset annotated with `took`) of `count` rows: reads
    only the middle one or two rows, in one query."""
    if not count:
        return None
    low, high = (count - 1) // 2, count // 2
    middle = list(durations.order_by("took").values_list("took", flat=True)[low:high + 1])
    if not middle:
        return None
    return sum(middle, datetime.timedelta()) / len(middle)


def _with_duration(cases):
    took = ExpressionWrapper(F("decided_at") - F("opened_at"), output_field=DurationField())
    return cases.filter(status=CaseStatus.DECIDED, decided_at__isnull=False).annotate(took=took)


# --- the public report -------------------------------------------------------------------------

def _flag_figures(page_id: int) -> dict:
    item = Concat("item_type", Value(":"), Cast("item_id", CharField()), output_field=CharField())
    aggregates = {"items": Count(item, distinct=True), "flags": Count("id")}
    for code in FlagReason.values:
        aggregates[_key("items", code)] = Count(item, distinct=True, filter=Q(reason=code))
        aggregates[_key("flags", code)] = Count("id", filter=Q(reason=code))
    return Flag.objects.filter(page_id=page_id).aggregate(**aggregates)


def _case_aggregates() -> dict:
    decided = Q(status=CaseStatus.DECIDED)
    aggregates = {
        "cases": Count("id"),
        "held": Count("id", filter=_held()),
        "hidden_by_flags": Count("id", filter=Q(hidden_by_flags=True)),
        "pending": Count("id", filter=Q(status=CaseStatus.PENDING)),
        "escalated": Count("id", filter=Q(status=CaseStatus.ESCALATED)),
        "decided": Count("id", filter=decided),
        "timed": Count("id", filter=decided & Q(decided_at__isnull=False)),
        "appealed": Count("appeal"),
        "appeals_pending": Count("appeal", filter=Q(appeal__status=AppealStatus.PENDING)),
        "upheld": Count("appeal", filter=Q(appeal__outcome=AppealOutcome.UPHELD)),
        "reinstated": Count("appeal", filter=Q(appeal__outcome=AppealOutcome.REINSTATED)),
    }
    for code in (PERSONAL_DATA, *SCREENER_ONLY_CODES):
        aggregates[_key("held", code)] = Count("id", filter=_held_by(code))
    for outcome in Outcome.values:
        aggregates[outcome] = Count("id", filter=decided & Q(outcome=outcome))
    for code, _label in _decision_reasons():
        for outcome in (Outcome.REJECTED, Outcome.REDACTED):
            aggregates[_key(outcome, code)] = Count("id", filter=decided & Q(outcome=outcome, decision_reason=code))
        aggregates[_key("appealed", code)] = Count("appeal", filter=Q(decision_reason=code))
        aggregates[_key("reinstated", code)] = Count(
            "appeal", filter=Q(decision_reason=code, appeal__outcome=AppealOutcome.REINSTATED))
    return aggregates


def _decisions_by_reason(figures: dict) -> list[DecisionReasonCount]:
    """Every decision reason, and the "no reason recorded" line only when it is not zero."""
    rows = [DecisionReasonCount(code, str(label), figures[_key(Outcome.REJECTED, code)],
                                figures[_key(Outcome.REDACTED, code)]) for code, label in _decision_reasons()]
    return [row for row in rows if row.code != NO_REASON or row.rejected or row.redacted]


def page_report(page_id: int) -> PageReport:
    """The public moderation figures of one page, in three or four queries whatever its size."""
    flags = _flag_figures(page_id)
    cases = Case.objects.filter(page_id=page_id)
    figures = cases.aggregate(**_case_aggregates())
    appeals = [AppealReasonCount(code, str(label), figures[_key("appealed", code)],
                                 figures[_key("reinstated", code)]) for code, label in _decision_reasons()]
    return PageReport(
        page_id=page_id,
        flagged_items=flags["items"], flags=flags["flags"],
        flags_by_reason=[FlagReasonCount(code, str(label), flags[_key("items", code)], flags[_key("flags", code)])
                         for code, label in PUBLIC_FLAG_LABELS.items()],
        cases=figures["cases"], held=figures["held"],
        held_by_reason=[ReasonCount(code, str(REASON_LABELS.get(code, code)), figures[_key("held", code)])
                        for code in (PERSONAL_DATA, *SCREENER_ONLY_CODES)],
        hidden_by_flags=figures["hidden_by_flags"], pending=figures["pending"], escalated=figures["escalated"],
        decided=figures["decided"], approved=figures[Outcome.APPROVED],
        rejected=figures[Outcome.REJECTED], redacted=figures[Outcome.REDACTED],
        decisions_by_reason=_decisions_by_reason(figures),
        appealed=figures["appealed"], appeals_pending=figures["appeals_pending"], upheld=figures["upheld"],
        reinstated=figures["reinstated"],
        appeals_by_reason=[row for row in appeals if row.code != NO_REASON or row.appealed],
        median_decision=_median(_with_duration(cases), figures["timed"]),
    )


# --- a moderator's statistics ------------------------------------------------------------------

def moderator_report(user, page_ids=None, *, now: datetime.datetime | None = None) -> ModeratorReport:
    """A moderator's own decisions (last 7 and 30 days, median time, appeals against them) and
    the queue now (pending, escalated, the oldest waiting, appeals waiting). `page_ids` narrows
    everything to those consultations and roundtables; None means all. Two queries."""
    now = now or timezone.now()
    month = now - datetime.timedelta(days=30)
    cases = Case.objects.all() if page_ids is None else Case.objects.filter(page_id__in=list(page_ids))
    mine = Q(decided_by=user, status=CaseStatus.DECIDED)
    figures = cases.aggregate(
        week=Count("id", filter=mine & Q(decided_at__gte=now - datetime.timedelta(days=7))),
        month=Count("id", filter=mine & Q(decided_at__gte=month)),
        appeals=Count("appeal", filter=Q(decided_by=user)),
        reinstated=Count("appeal", filter=Q(decided_by=user, appeal__outcome=AppealOutcome.REINSTATED)),
        pending=Count("id", filter=Q(status=CaseStatus.PENDING)),
        escalated=Count("id", filter=Q(status=CaseStatus.ESCALATED)),
        oldest=Min("opened_at", filter=Q(status=CaseStatus.PENDING)),
        appeals_pending=Count("appeal", filter=Q(appeal__status=AppealStatus.PENDING)),
    )
    recent = _with_duration(cases.filter(decided_by=user, decided_at__gte=month))
    oldest = figures["oldest"]
    return ModeratorReport(
        decided_last_7_days=figures["week"], decided_last_30_days=figures["month"],
        median_decision=_median(recent, figures["month"]),
        appeals_received=figures["appeals"], appeals_reinstated=figures["reinstated"],
        pending=figures["pending"], escalated=figures["escalated"],
        oldest_pending_since=oldest, oldest_pending_age=(now - oldest) if oldest else None,
        appeals_pending=figures["appeals_pending"],
    )


# --- presenting a duration ---------------------------------------------------------------------

def duration_parts(duration: datetime.timedelta | None) -> tuple[int, str] | None:
    """A duration as one rounded number and its unit ("minutes", "hours" or "days"), for the
    templates to word in the reader's language: under 90 minutes in minutes, under two days in
    hours, then days."""
    if duration is None:
        return None
    minutes = max(0, round(duration.total_seconds() / 60))
    if minutes < 90:
        return minutes, "minutes"
    if minutes < 48 * 60:
        return round(minutes / 60), "hours"
    return round(minutes / (24 * 60)), "days"
