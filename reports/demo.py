"""What reports adds to `manage.py load_demo` (settings.RAYZAN_DEMO_EXTRAS): a real Pol.is
conversation (15-per-hour-seattle, CC BY 4.0, from ../shared/data/polis) imported as an ended
roundtable, so the dashboard, the opinion map and the exports show real data from the start.
Idempotent: a second run finds the roundtable and leaves it. Skipped when the data is absent."""

from pathlib import Path

from django.conf import settings

CONVERSATION = "15-per-hour-seattle"


def add_polis_roundtable(*, tree, report, log) -> None:
    directory = Path(settings.RAYZAN_POLIS_DATA) / CONVERSATION
    if not (directory / "comments.csv").is_file():
        report.skipped.append(str(directory))
        log(f"Pol.is data not found at {directory}: no imported roundtable in the demo.")
        return
    from reports.models import ExternalParticipant

    if ExternalParticipant.objects.filter(source=f"polis:{CONVERSATION}").exists():
        return  # imported by an earlier run
    from reports.polis_import import polis_import

    result = polis_import(directory=directory, language="en", parent=tree.indexes["en"])
    report.pages.append(result.page)
    report.imported.append(f"Pol.is {CONVERSATION}")
    log(f"Imported the Pol.is conversation {CONVERSATION}: {result.statements} statements, "
        f"{result.votes} votes (opinion groups follow from the reports worker).")
