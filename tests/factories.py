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
        **{"agenda": [{"type": "item", "value": {"title": "Welcome", "description": "", "duration_minutes": 10}}],
           "seed_statements": [{"type": "statement", "value": "Parks need more trees."}], **fields},
    )
    return services.page_publish_child(parent=parent, page=page)


def participant(name=None, *, roles=(), profile=True, **user_fields):
    """A signed-up person: a user with a verified e-mail, a profile and the given role groups."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from consult.models import Profile

    n = next(_counter)
    name = name or f"Participant {n}"
    user = get_user_model().objects.create_user(username=f"user-{n}", email=f"user{n}@example.org",
                                                password="pw-correct-horse-9", **user_fields)
    if profile:
        Profile.objects.create(user=user, display_name=name, consent_version="test", consented_at=timezone.now())
    for role in roles:
        user.groups.add(Group.objects.get_or_create(name=role)[0])  # a flushed (transactional) test has none
    return user


def comment(page, author, *, text="A comment", stance="support", section_id=None, status="published", parent=None,
            **fields):
    """A comment row written directly (tests of reading; writes go through the services)."""
    from consult.models import Comment

    section_id = page.section_list[0]["id"] if section_id is None else section_id
    return Comment.objects.create(
        page=page, author=author, body=text, body_html=f"<p>{text}</p>", stance=stance, status=status,
        section_id=parent.section_id if parent else section_id, parent=parent,
        depth=(parent.depth + 1) if parent else 0, **fields)
