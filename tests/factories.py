"""Small builders for pages in tests (Wagtail pages need a parent and a publish step)."""

import datetime
import itertools

from django.utils import timezone

from consult import services
from consult.models import ConsultationPage, RoundtablePage

_counter = itertools.count(1)


def sections(*pairs):
    return [{"type": "section", "value": {"heading": heading, "body": body}} for heading, body in pairs]


def consultation(parent, *, title=None, status="open", live=True, translate_to=None, **fields):
    """A published consultation under `parent`; status picks opens/closes around now."""
    now = timezone.now()
    day = datetime.timedelta(days=1)
    dates = {
        "open": (now - day, now + 30 * day),
        "upcoming": (now + 5 * day, now + 40 * day),
        "closed": (now - 40 * day, now - day),
    }[status]
    n = next(_counter)
    fields.setdefault("summary", f"Summary {n}")
    fields.setdefault("sections", sections(("First section", "<p>One</p>"), ("Second section", "<p>Two</p>")))
    page = ConsultationPage(
        title=title or f"Consultation {n}", slug=f"consultation-{n}",
        opens_at=dates[0], closes_at=dates[1], locale=parent.locale, **fields,
    )
    if not live:
        page.live = False
        parent.add_child(instance=page)
        page.save_revision()
        return page
    return services.page_publish_child(parent=parent, page=page)


def roundtable(parent, *, title=None, state="scheduled", **fields):
    n = next(_counter)
    page = RoundtablePage(
        title=title or f"Roundtable {n}", slug=f"roundtable-{n}", summary=f"Roundtable summary {n}",
        starts_at=timezone.now() + datetime.timedelta(days=2), state=state, locale=parent.locale,
        agenda=[{"type": "item", "value": {"title": "Welcome", "description": "", "duration_minutes": 10}}],
        seed_statements=[{"type": "statement", "value": "Parks need more trees."}],
        **fields,
    )
    return services.page_publish_child(parent=parent, page=page)
