"""Print a page's current opinion groups: `external_id,group` as CSV (to compare with other tools
such as Pol.is), or the whole stored result as JSON."""

import csv
import json

from django.core.management.base import BaseCommand, CommandError

from reports import analysis
from reports.models import AnalysisKind, ExternalParticipant


class Command(BaseCommand):
    help = "Print a page's opinion groups: CSV external_id,group (imported participants keep their source id)."

    def add_arguments(self, parser):
        parser.add_argument("page_id", type=int)
        parser.add_argument("--format", choices=["csv", "json"], default="csv")
        parser.add_argument("--recompute", action="store_true",
                            help="Compute the groups now instead of printing the stored ones.")

    def handle(self, *args, page_id, format="csv", recompute=False, **options):
        from wagtail.models import Page

        if not Page.objects.filter(pk=page_id).exists():
            raise CommandError(f"No page with id {page_id}.")
        stored = analysis.latest(page_id, AnalysisKind.OPINION_GROUPS)
        if stored is None or recompute:
            stored = analysis.compute_groups(page_id)
        result = stored.result
        if format == "json":
            self.stdout.write(json.dumps({"computed_at": stored.computed_at.isoformat(), **result},
                                         ensure_ascii=False, indent=1))
            return
        points = result.get("points", [])
        external = dict(ExternalParticipant.objects.filter(user_id__in=[p[0] for p in points])
                        .values_list("user_id", "external_id"))
        writer = csv.writer(self.stdout)
        writer.writerow(["external_id", "group"])
        for user_id, _x, _y, group in points:
            writer.writerow([external.get(user_id, f"user:{user_id}"), group])
