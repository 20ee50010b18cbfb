"""Running a live roundtable: the facilitator console's actions (HTML form, API, same service).

Each action changes the session's state on the page (not a revision: see
RoundtablePage.SESSION_FIELDS) and appends a `roundtable.state` event with the whole state, so a
participant who joins late, or resumes, needs only the latest one.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from consult import events, readcache
from consult.models import Comment, CommentStatus, RoundtablePage, RoundtableState, Statement, StatementStatus

ACTIONS = ("start", "end", "next_item", "previous_item", "go_to_item", "spotlight", "clear_spotlight",
           "open_poll", "close_poll")


def _spotlight_item(page: RoundtablePage, target: str) -> dict | None:
    kind, _sep, number = (target or "").partition(":")
    if not number.isdigit() or len(number) > 10:
        return None
    if kind == "statement":
        statement = Statement.objects.filter(pk=int(number), page_id=page.pk,
                                             status=StatementStatus.PUBLISHED).first()
        return {"kind": "statement", "id": statement.pk, "text": statement.text} if statement else None
    if kind == "comment" and page.consultation_id:
        comment = Comment.objects.filter(pk=int(number), page_id=page.consultation_id,
                                         status=CommentStatus.PUBLISHED).first()
        return {"kind": "comment", "id": comment.pk, "text": comment.body} if comment else None
    return None


def spotlight_candidates(page: RoundtablePage, limit: int = 10) -> list[Comment]:
    """The consultation's most supported public comments, for the console's spotlight buttons."""
    if not page.consultation_id:
        return []
    comments = (Comment.objects.filter(page_id=page.consultation_id, status=CommentStatus.PUBLISHED)
                .select_related("author__profile").order_by("-support_count", "-created_at", "-pk")[:limit])
    for comment in comments:
        comment.live_target = f"comment:{comment.pk}"
    return list(comments)


def spotlit_item_gone(kind: str, pk: int, *, page_id: int) -> None:
    """A spotlighted comment or statement of page `page_id` left public view: take it off the
    screens of the roundtables showing it (a new `roundtable.state`), in the caller's transaction."""
    if kind == "statement":
        roundtables = RoundtablePage.objects.filter(pk=page_id)
    else:
        roundtables = RoundtablePage.objects.filter(consultation_id=page_id)
    for page in roundtables.select_for_update().filter(spotlight=f"{kind}:{pk}"):
        page.spotlight = ""
        RoundtablePage.objects.filter(pk=page.pk).update(spotlight="")
        readcache.discussion_changed(page.pk)
        events.record(page.pk, "roundtable.state", roundtable_state(page))


def roundtable_state(page: RoundtablePage) -> dict:
    """The session as participants see it: the payload of `roundtable.state`."""
    item = page.current_item
    return {
        "state": page.state,
        "agenda_item": ({"id": item["id"], "number": item["number"], "title": item["title"]} if item else None),
        "spotlight": _spotlight_item(page, page.spotlight) if page.spotlight else None,
        "polls": dict(page.poll_states),
    }


def _poll_ids(page: RoundtablePage) -> set[str]:
    return {str(child.id) for child in page.polls}


@transaction.atomic
def roundtable_control(*, actor, page: RoundtablePage, action: str, target: str = "") -> dict:
    """Apply one facilitator action; returns the new state. Refuses with PermissionDenied for
    anyone who is not facilitating this roundtable, ValidationError for an impossible action."""
    page = RoundtablePage.objects.select_for_update().get(pk=page.pk)
    if not actor.has_perm("consult.facilitate_roundtable", page):
        raise PermissionDenied(_("Only this roundtable's facilitators can run it."))
    if action not in ACTIONS:
        raise ValidationError({"action": [_("Choose one of the console's actions.")]})
    if page.state == RoundtableState.ENDED:
        raise ValidationError({"action": [_("This roundtable has ended; its record can no longer change.")]})
    if action != "start" and page.state != RoundtableState.LIVE:
        raise ValidationError({"action": [_("Start the roundtable first.")]})
    items = [item["id"] for item in page.agenda_items]
    position = items.index(page.current_agenda_item) if page.current_agenda_item in items else -1
    changes: dict = {}
    if action == "start":
        if page.state == RoundtableState.LIVE:
            raise ValidationError({"action": [_("The roundtable is already live.")]})
        changes = {"state": RoundtableState.LIVE, "current_agenda_item": items[0] if items else ""}
    elif action == "end":
        closed = {poll_id: "closed" for poll_id in page.poll_states}
        changes = {"state": RoundtableState.ENDED, "spotlight": "", "poll_states": closed}
    elif action in {"next_item", "previous_item"}:
        step = 1 if action == "next_item" else -1
        if not 0 <= position + step < len(items):
            raise ValidationError({"action": [_("There is no agenda item in that direction.")]})
        changes = {"current_agenda_item": items[position + step]}
    elif action == "go_to_item":
        if target not in items:
            raise ValidationError({"target": [_("That is not an item of this agenda.")]})
        changes = {"current_agenda_item": target}
    elif action == "spotlight":
        if _spotlight_item(page, target) is None:
            raise ValidationError({"target": [_("Spotlight a published statement of this roundtable, or a "
                                                "published comment on the consultation it discusses.")]})
        changes = {"spotlight": target}
    elif action == "clear_spotlight":
        changes = {"spotlight": ""}
    else:  # open_poll / close_poll
        if target not in _poll_ids(page):
            raise ValidationError({"target": [_("That poll is not part of this roundtable.")]})
        changes = {"poll_states": {**page.poll_states, target: "open" if action == "open_poll" else "closed"}}
    for name, value in changes.items():
        setattr(page, name, value)
    RoundtablePage.objects.filter(pk=page.pk).update(**changes)
    if action == "end" and not page.ends_at:
        RoundtablePage.objects.filter(pk=page.pk).update(ends_at=timezone.now())
    state = roundtable_state(page)
    events.record(page.pk, "roundtable.state", state)
    readcache.discussion_changed(page.pk)
    return state
