"""The consultation dashboard's figures, read from the database in a fixed number of queries.

What counts: public contributions only. Comments withdrawn by their authors and comments held
or rejected by moderators are left out of every figure, and the dashboard says how many; votes
count only on published comments and statements. A participant is anyone who commented,
voted, added a statement or answered a poll on the page."""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, F, Window
from django.db.models.functions import RowNumber, TruncDate

from cms.models import Region
from consult.models import Comment, CommentStatus, Profile, Statement, StatementStatus
from voting.models import CommentVote, PollResponse, StatementVote

TOP_PER_SECTION = 3


@dataclass
class SectionFigures:
    id: str
    number: int
    heading: str
    comments: int = 0
    support: int = 0
    oppose: int = 0
    neutral: int = 0
    most_supported: list = field(default_factory=list)
    most_discussed: list = field(default_factory=list)

    @property
    def stances(self) -> int:
        return self.support + self.oppose + self.neutral

    @property
    def balance(self) -> float:
        """-1 (all oppose) … +1 (all support); 0 without stances."""
        return (self.support - self.oppose) / self.stances if self.stances else 0.0


@dataclass
class Dashboard:
    page_id: int
    participants: int
    comments: int
    comment_votes: int
    statement_votes: int
    statements: int
    poll_responses: int
    excluded_comments: dict  # {"withdrawn": n, "hidden": n}
    per_day: list  # [{"date", "comments", "votes", "statements"}] in date order
    by_region: list  # [(region id, count)], most first; None for no region given
    by_language: list  # [(code, count)]
    sections: list[SectionFigures]
    statement_rows: list  # Statement objects with agree/disagree/pass counts, most voted first

    @property
    def votes(self) -> int:
        return self.comment_votes + self.statement_votes


def participant_ids(page_id: int) -> set[int]:
    people = set(Comment.objects.filter(page_id=page_id, status=CommentStatus.PUBLISHED)
                 .values_list("author_id", flat=True))
    people |= set(CommentVote.objects.filter(comment__page_id=page_id, comment__status=CommentStatus.PUBLISHED)
                  .values_list("voter_id", flat=True))
    people |= set(StatementVote.objects.filter(statement__page_id=page_id,
                                               statement__status=StatementStatus.PUBLISHED)
                  .values_list("voter_id", flat=True))
    people |= set(Statement.objects.filter(page_id=page_id, status=StatementStatus.PUBLISHED, author__isnull=False)
                  .values_list("author_id", flat=True))
    people |= set(PollResponse.objects.filter(page_id=page_id).values_list("respondent_id", flat=True))
    return people


def _per_day(page_id: int) -> list[dict]:
    days: dict = defaultdict(lambda: {"comments": 0, "votes": 0, "statements": 0})
    for row in (Comment.objects.filter(page_id=page_id, status=CommentStatus.PUBLISHED)
                .annotate(day=TruncDate("created_at")).values("day").annotate(n=Count("pk"))):
        days[row["day"]]["comments"] += row["n"]
    for model, lookup in ((CommentVote, {"comment__page_id": page_id, "comment__status": CommentStatus.PUBLISHED}),
                          (StatementVote, {"statement__page_id": page_id,
                                           "statement__status": StatementStatus.PUBLISHED})):
        for row in model.objects.filter(**lookup).annotate(day=TruncDate("created_at")).values("day").annotate(
                n=Count("pk")):
            days[row["day"]]["votes"] += row["n"]
    for row in (Statement.objects.filter(page_id=page_id, status=StatementStatus.PUBLISHED)
                .annotate(day=TruncDate("created_at")).values("day").annotate(n=Count("pk"))):
        days[row["day"]]["statements"] += row["n"]
    return [{"date": day, **figures} for day, figures in sorted(days.items())]


def _people_breakdown(people: set[int]) -> tuple[list, list]:
    """[(region id or None, participants)] most first, and [(language, participants)]."""
    if not people:
        return [], []
    profiles = Profile.objects.filter(user_id__in=people)
    regions = dict(profiles.values("region").annotate(n=Count("pk")).values_list("region", "n"))
    languages = [list(pair) for pair in profiles.values("preferred_language").annotate(n=Count("pk"))
                 .values_list("preferred_language", "n").order_by("-n", "preferred_language")]
    by_region = sorted(([region_id, n] for region_id, n in regions.items()),
                       key=lambda pair: (-pair[1], pair[0] or 0))
    no_profile = len(people) - sum(regions.values())  # imported or erased participants
    if no_profile:
        none = next((pair for pair in by_region if pair[0] is None), None)
        if none:
            none[1] += no_profile
        else:
            by_region.append([None, no_profile])
    return by_region, languages


def region_names(by_region) -> dict:
    """Region names in the active language, for the ids in a breakdown (one query)."""
    ids = [region_id for region_id, _n in by_region if region_id]
    return {region.pk: region.localized.name for region in Region.objects.filter(pk__in=ids)}


def section_figures(page) -> list[SectionFigures]:
    sections = [SectionFigures(id=s["id"], number=s["number"], heading=s["heading"])
                for s in getattr(page, "section_list", [])]
    general = SectionFigures(id="", number=0, heading="")
    by_id = {s.id: s for s in sections} | {"": general}
    public = Comment.objects.filter(page_id=page.pk, status=CommentStatus.PUBLISHED)
    for row in public.values("section_id", "depth", "stance").annotate(n=Count("pk")):
        entry = by_id.get(row["section_id"])
        if entry is None:  # a section since removed from the draft: counted under the whole
            entry = general
        entry.comments += row["n"]
        if row["depth"] == 0 and row["stance"]:
            setattr(entry, row["stance"], getattr(entry, row["stance"]) + row["n"])
    top = public.filter(depth=0).select_related("author__profile")
    for order, attribute in (("-support_count", "most_supported"), ("-reply_count", "most_discussed")):
        # one query: rank within each section by a window function
        ranked = top.annotate(rank=Window(RowNumber(), partition_by=[F("section_id")],
                                          order_by=[F(order.lstrip("-")).desc(), F("pk").asc()]))
        for comment in ranked.order_by("section_id", "rank"):
            if comment.rank > TOP_PER_SECTION:
                continue
            entry = by_id.get(comment.section_id, general)
            if getattr(comment, order.lstrip("-")) > 0:
                getattr(entry, attribute).append(comment)
    return [*sections, general] if general.comments else sections


def consultation_dashboard(page) -> Dashboard:
    page = page.specific
    people = participant_ids(page.pk)
    comment_states = dict(Comment.objects.filter(page_id=page.pk).values("status").annotate(n=Count("pk"))
                          .values_list("status", "n"))
    statements = list(Statement.objects.filter(page_id=page.pk, status=StatementStatus.PUBLISHED)
                      .annotate(votes_total=F("agree_count") + F("disagree_count") + F("pass_count"))
                      .order_by("-votes_total", "pk"))
    by_region, by_language = _people_breakdown(people)
    return Dashboard(
        page_id=page.pk,
        participants=len(people),
        comments=comment_states.get(CommentStatus.PUBLISHED, 0),
        comment_votes=CommentVote.objects.filter(comment__page_id=page.pk,
                                                 comment__status=CommentStatus.PUBLISHED).count(),
        statement_votes=sum(s.votes_total for s in statements),
        statements=len(statements),
        poll_responses=PollResponse.objects.filter(page_id=page.pk).count(),
        excluded_comments={"withdrawn": comment_states.get(CommentStatus.WITHDRAWN, 0),
                           "hidden": comment_states.get(CommentStatus.PENDING, 0)
                           + comment_states.get(CommentStatus.REJECTED, 0)},
        per_day=_per_day(page.pk),
        by_region=by_region,
        by_language=by_language,
        sections=section_figures(page),
        statement_rows=statements,
    )


def heat_levels(sections: list[SectionFigures]) -> dict[str, dict]:
    """For the clause heat-map: per section, where it leans (support / oppose / split / quiet)
    and how strongly people spoke about it (0-4, relative to the busiest section)."""
    busiest = max((s.comments for s in sections), default=0)
    result = {}
    for section in sections:
        volume = 0 if not busiest or not section.comments else 1 + round(3 * section.comments / busiest)
        if not section.stances:
            lean = "quiet"
        elif section.balance >= 0.2:
            lean = "support"
        elif section.balance <= -0.2:
            lean = "oppose"
        else:
            lean = "split"
        result[section.id] = {"lean": lean, "volume": min(volume, 4),
                              "support_pct": round(100 * section.support / section.stances) if section.stances else 0,
                              "oppose_pct": round(100 * section.oppose / section.stances) if section.stances else 0,
                              "neutral_pct": round(100 * section.neutral / section.stances) if section.stances else 0}
    return result


# --- the stored snapshot (computed by the reports worker; the page reads it) ------------------

def _comment_json(comment) -> dict:
    return {"pk": comment.pk, "body": comment.body, "support_count": comment.support_count,
            "reply_count": comment.reply_count}


def to_json(figures: Dashboard) -> dict:
    return {
        **{key: getattr(figures, key) for key in ("page_id", "participants", "comments", "comment_votes",
                                                  "statement_votes", "statements", "poll_responses",
                                                  "excluded_comments", "by_region", "by_language")},
        "per_day": [{**day, "date": day["date"].isoformat()} for day in figures.per_day],
        "sections": [{"id": s.id, "number": s.number, "heading": s.heading, "comments": s.comments,
                      "support": s.support, "oppose": s.oppose, "neutral": s.neutral,
                      "most_supported": [_comment_json(c) for c in s.most_supported],
                      "most_discussed": [_comment_json(c) for c in s.most_discussed]} for s in figures.sections],
        "statement_rows": [{"pk": s.pk, "text": s.text, "agree_count": s.agree_count,
                            "disagree_count": s.disagree_count, "pass_count": s.pass_count}
                           for s in figures.statement_rows],
    }


def from_json(data: dict) -> Dashboard:
    from types import SimpleNamespace

    sections = [SectionFigures(**{**s, "most_supported": [SimpleNamespace(**c) for c in s["most_supported"]],
                                  "most_discussed": [SimpleNamespace(**c) for c in s["most_discussed"]]})
                for s in data["sections"]]
    per_day = [{**day, "date": datetime.date.fromisoformat(day["date"])} for day in data["per_day"]]
    return Dashboard(**{**data, "sections": sections, "per_day": per_day,
                        "statement_rows": [SimpleNamespace(**row) for row in data["statement_rows"]]})
