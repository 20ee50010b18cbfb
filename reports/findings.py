"""The stored analyses, made readable: opinion groups with their statements in words, the
consensus and divisive statements, and form-letter campaigns. Reads only (a fixed number of
queries); the worker computes, this never does."""

import datetime
from dataclasses import dataclass

from django.utils.translation import gettext as _

from consult.models import Comment, Statement
from reports import opinion_map
from reports.analysis import latest
from reports.models import AnalysisKind


@dataclass
class Target:
    key: str  # statement:5, comment:17, section:<uuid>
    text: str
    url_name: str = ""
    url_arg: object = None


def _targets(keys: set[str], page) -> dict[str, Target]:
    """Words for each target key: statement text, comment text (shortened) or section heading."""
    statement_ids = {int(k.split(":")[1]) for k in keys if k.startswith("statement:")}
    comment_ids = {int(k.split(":")[1]) for k in keys if k.startswith("comment:")}
    found = {}
    for pk, text in Statement.objects.filter(pk__in=statement_ids).values_list("pk", "text"):
        found[f"statement:{pk}"] = Target(f"statement:{pk}", text)
    for pk, body in Comment.objects.filter(pk__in=comment_ids).values_list("pk", "body"):
        found[f"comment:{pk}"] = Target(f"comment:{pk}", body[:200], "consult:comment", pk)
    for section in getattr(page, "section_list", []):
        key = f"section:{section['id']}"
        if key in keys:
            found[key] = Target(key, _("Stance on: %(heading)s") % {"heading": section["heading"]})
    if "section:whole" in keys:
        found["section:whole"] = Target("section:whole", _("Stance on the consultation as a whole"))
    return found


def _keys(result: dict) -> set[str]:
    keys = set()
    for group in result.get("groups", []):
        for listing in ("representative", "agrees", "disagrees"):
            keys |= {item["target"] for item in group[listing]}
    for listing in ("consensus_agree", "consensus_disagree", "divisive"):
        keys |= {item["target"] for item in result.get(listing, [])}
    return keys


def opinion_groups(page) -> dict | None:
    analysis = latest(page.pk, AnalysisKind.OPINION_GROUPS)
    if analysis is None:
        return None
    result = analysis.result
    targets = _targets(_keys(result), page)

    def words(items):
        return [{**item, "words": targets.get(item["target"], Target(item["target"], "—")),
                 "percent": round(100 * item["count"] / item["seen"]) if item.get("seen") else None}
                for item in items]

    groups = [{**group, "letter": opinion_map.group_letter(group["index"]),
               "representative": words(group["representative"]), "agrees": words(group["agrees"]),
               "disagrees": words(group["disagrees"])} for group in result.get("groups", [])]
    letters = ", ".join(g["letter"] for g in groups)
    svg = opinion_map.render(result, title=_("Opinion map of %(title)s") % {"title": page.title},
                             description=_("%(n)s participants as dots, placed by how alike they voted, in groups "
                                           "%(letters)s.") % {"n": result.get("n_grouped", 0), "letters": letters})
    return {
        "analysis": analysis, "result": result, "groups": groups, "svg": svg,
        "consensus_agree": [{**c, "words": targets.get(c["target"], Target(c["target"], "—"))}
                            for c in result.get("consensus_agree", [])],
        "consensus_disagree": [{**c, "words": targets.get(c["target"], Target(c["target"], "—"))}
                               for c in result.get("consensus_disagree", [])],
        "divisive": [{**d, "words": targets.get(d["target"], Target(d["target"], "—")),
                      "rates": [{"letter": opinion_map.group_letter(i), "percent": round(100 * rate)}
                                for i, rate in enumerate(d["agree_rates"])]} for d in result.get("divisive", [])],
    }


def figures(page):
    """The dashboard's figures and when they were counted: the worker's stored snapshot, or
    counted now when there is none yet (a new consultation, before the worker's first round)."""
    from django.utils import timezone

    from reports import dashboard

    stored = latest(page.pk, AnalysisKind.FIGURES)
    if stored is not None:
        return dashboard.from_json(stored.result), stored.computed_at
    return dashboard.consultation_dashboard(page), timezone.now()


def campaigns(page) -> dict | None:
    analysis = latest(page.pk, AnalysisKind.CAMPAIGNS)
    if analysis is None:
        return None
    result = dict(analysis.result)
    result["bursts"] = [{**burst, "start": datetime.datetime.fromisoformat(burst["start"]),
                         "end": datetime.datetime.fromisoformat(burst["end"])} for burst in result.get("bursts", [])]
    return {"analysis": analysis, **result}
