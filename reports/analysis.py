"""Run the math on a page's stored votes and comments and keep the result (PageAnalysis).

Never called from a view: the reports worker (reports.worker, `manage.py reports_worker`) calls
these when votes or comments have arrived, at most once every MIN_INTERVAL seconds per page.
The math modules (numpy, scipy, scikit-learn: about 150 MB) are imported inside the compute
functions, so web workers that only read stored results never load them.
Results are plain JSON with targets as "statement:<id>", "comment:<id>" or "section:<id>", so
pages, exports and the API read them without running anything.
"""

import datetime
import time

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from consult import events
from consult.models import Comment, CommentStatus, Statement, StatementStatus
from reports.models import AnalysisKind, PageAnalysis
from voting.models import CommentVote, StatementVote

MIN_INTERVAL = datetime.timedelta(seconds=5)
MAX_CAMPAIGNS = 200  # stored, largest first; the total count is kept too
SAMPLE = 10  # wordings per campaign, comment ids per wording
FEW_STATEMENTS = 5  # fewer statements with votes than this: group by comment votes and stances instead
SEED = 0
STANCE_VALUES = {"support": 1, "oppose": -1, "neutral": 0}


def statement_votes(page_id: int) -> tuple[list[tuple], set[str]]:
    """(participant, "statement:<id>", value) for published and rejected statements; the
    rejected ones are returned as excluded (passes for everyone, as Pol.is does)."""
    rows = (StatementVote.objects.filter(statement__page_id=page_id,
                                         statement__status__in=[StatementStatus.PUBLISHED, StatementStatus.REJECTED])
            .values_list("voter_id", "statement_id", "value"))
    votes = [(voter, f"statement:{statement}", value) for voter, statement, value in rows.iterator(chunk_size=20000)]
    excluded = {f"statement:{pk}" for pk in Statement.objects.filter(page_id=page_id,
                                                                     status=StatementStatus.REJECTED)
                .values_list("pk", flat=True)}
    return votes, excluded


def comment_votes(page_id: int) -> list[tuple]:
    """Where statements are few: support/oppose on published comments, and each person's stance
    per section (their latest top-level comment there)."""
    votes = [(voter, f"comment:{comment}", value) for voter, comment, value in
             CommentVote.objects.filter(comment__page_id=page_id, comment__status=CommentStatus.PUBLISHED)
             .values_list("voter_id", "comment_id", "value")]
    stances = {}
    for author, section, stance in (Comment.objects.filter(page_id=page_id, status=CommentStatus.PUBLISHED, depth=0)
                                    .exclude(stance="").order_by("created_at", "pk")
                                    .values_list("author_id", "section_id", "stance")):
        stances[(author, section or "whole")] = STANCE_VALUES[stance]
    votes += [(author, f"section:{section}", value) for (author, section), value in stances.items()]
    return votes


def _as_json(result, basis: str) -> dict:
    def stance(item):
        return {"target": item.statement, "direction": item.direction, "count": item.count, "seen": item.seen,
                "probability": round(item.probability, 4)}

    return {
        "basis": basis, "k": result.k, "best_k": result.best_k, "n_participants": result.n_participants,
        "n_grouped": len(result.clusters), "n_statements": result.n_statements, "seed": result.seed,
        "silhouettes": {str(k): round(v, 4) for k, v in result.silhouettes.items()},
        "explained_variance": [round(v, 4) for v in result.explained_variance],
        "groups": [{"index": g.index, "size": g.size, "centre": [round(c, 4) for c in g.centre],
                    "representative": [{**stance(r), "ratio": round(r.ratio, 3), "metric": round(r.metric, 3)}
                                       for r in g.representative],
                    "agrees": [stance(s) for s in g.agrees], "disagrees": [stance(s) for s in g.disagrees]}
                   for g in result.groups],
        "consensus_agree": [{"target": c.statement, "score": round(c.score, 4),
                             "probabilities": [round(p, 4) for p in c.probabilities]} for c in result.consensus_agree],
        "consensus_disagree": [{"target": c.statement, "score": round(c.score, 4),
                                "probabilities": [round(p, 4) for p in c.probabilities]}
                               for c in result.consensus_disagree],
        "divisive": [{"target": d.statement, "spread": round(d.spread, 4),
                      "agree_rates": [round(r, 4) for r in d.agree_rates]} for d in result.divisive],
        "points": [[participant, round(x, 4), round(y, 4), result.clusters[participant]]
                   for participant, (x, y) in sorted(result.coordinates.items())],
    }


def compute_groups(page_id: int, *, k: int | None = None) -> PageAnalysis:
    """Compute and store the page's opinion groups; announce `groups.updated` on its stream."""
    from reports import opinion

    started = time.perf_counter()
    input_until = StatementVote.objects.filter(statement__page_id=page_id).aggregate(t=Max("updated_at"))["t"]
    votes, excluded = statement_votes(page_id)
    basis = "statements"
    if len({target for _, target, _ in votes}) < FEW_STATEMENTS:
        votes, excluded, basis = comment_votes(page_id), set(), "comments"
    previous = PageAnalysis.objects.filter(page_id=page_id, kind=AnalysisKind.OPINION_GROUPS).first()
    result = opinion.compute_opinion_groups(votes, excluded_statements=excluded, k=k, seed=SEED,
                                            k_state=previous.state if previous else None)
    with transaction.atomic():
        analysis, _created = PageAnalysis.objects.update_or_create(
            page_id=page_id, kind=AnalysisKind.OPINION_GROUPS,
            defaults={"computed_at": timezone.now(), "input_until": input_until, "state": result.k_state.to_dict(),
                      "result": _as_json(result, basis), "seconds": time.perf_counter() - started})
        events.notify(page_id, events.PUBLIC, "groups.updated",
                      {"computed_at": analysis.computed_at.isoformat(), "k": result.k})
    return analysis


def compute_campaigns(page_id: int) -> PageAnalysis:
    """Group the page's public comments into campaigns (form letters) and find bursts of new
    accounts; store the result."""
    from reports import campaigns

    started = time.perf_counter()
    comments = list(Comment.objects.filter(page_id=page_id, status=CommentStatus.PUBLISHED)
                    .values_list("pk", "body", "created_at", "author__date_joined"))
    found = campaigns.find_campaigns((pk, body) for pk, body, _created, _joined in comments)
    bursts = campaigns.bursts((pk, joined, created) for pk, _body, created, joined in comments)
    result = {
        "comments": len(comments),
        "in_campaigns": sum(c.size for c in found.campaigns),
        "campaign_count": len(found.campaigns),
        # Stored lean: a campaign of 40,000 copies keeps its size, not 40,000 ids and wordings.
        "campaigns": [{"size": c.size, "representative": c.representative_key, "text": c.representative_text,
                       "variant_count": len(c.variants),
                       "variants": [{"text": v.text, "count": len(v.keys), "comments": list(v.keys)[:SAMPLE]}
                                    for v in c.variants[:SAMPLE]]}
                      for c in found.campaigns[:MAX_CAMPAIGNS]],
        "bursts": [{"start": b.start.isoformat(), "end": b.end.isoformat(), "count": len(b.keys),
                    "comments": list(b.keys)[:SAMPLE]} for b in bursts],
    }
    latest = max((created for _pk, _body, created, _joined in comments), default=None)
    analysis, _created = PageAnalysis.objects.update_or_create(
        page_id=page_id, kind=AnalysisKind.CAMPAIGNS,
        defaults={"computed_at": timezone.now(), "input_until": latest, "result": result,
                  "seconds": time.perf_counter() - started})
    return analysis


def compute_figures(page_id: int) -> PageAnalysis:
    """The dashboard's figures, stored so the page reads them in a few queries however large
    the consultation (a million votes take seconds to count)."""
    from wagtail.models import Page

    from reports import dashboard

    started = time.perf_counter()
    page = Page.objects.get(pk=page_id).specific
    figures = dashboard.consultation_dashboard(page)
    analysis, _created = PageAnalysis.objects.update_or_create(
        page_id=page_id, kind=AnalysisKind.FIGURES,
        defaults={"computed_at": timezone.now(), "input_until": timezone.now(), "result": dashboard.to_json(figures),
                  "seconds": time.perf_counter() - started})
    return analysis


def latest(page_id: int, kind: str) -> PageAnalysis | None:
    return PageAnalysis.objects.filter(page_id=page_id, kind=kind).first()
