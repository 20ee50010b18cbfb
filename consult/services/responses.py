"""The official response: officials write a summary and a response per section, link them to
the comments and campaigns they answer, save a draft, and publish.

Publishing writes the summary into the page's official_response through a new page revision,
so the page history keeps every published version, and the page_published signal announces it
on the live stream (response.published). Telling the participants is the caller's part (reports
knows who took part, votes included)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from consult.models import Comment, CommentStatus, ConsultationPage, OfficialResponse
from consult.sanitize import clean_text, render_markdown
from consult.textnorm import localised_number

SUMMARY_MAX_CHARS = 20000
SECTION_MAX_CHARS = 10000


def require_responder(actor, page) -> None:
    if not actor.has_perm("consult.respond_consultation", page):
        raise PermissionDenied(_("Only officials can write the official response."))


def _clean(text, *, limit: int, field: str) -> str:
    text = clean_text(text) if isinstance(text, str) else ""
    if len(text) > limit:
        raise ValidationError({field: [_("Shorten this to %(max)s characters or fewer (now %(count)s).")
                                       % {"max": localised_number(limit), "count": localised_number(len(text))}]})
    return text


def _linked_comments(page, ids, field: str) -> list[int]:
    try:
        ids = sorted({int(value) for value in ids or []})
    except (TypeError, ValueError):
        raise ValidationError({field: [_("Give comment numbers, separated by commas.")]}) from None
    found = set(Comment.objects.filter(pk__in=ids, page=page, status=CommentStatus.PUBLISHED)
                .values_list("pk", flat=True))
    missing = [pk for pk in ids if pk not in found]
    if missing:
        raise ValidationError({field: [_("These are not published comments on this consultation: %(ids)s.")
                                       % {"ids": ", ".join(localised_number(pk) for pk in missing)}]})
    return ids


@transaction.atomic
def response_save(*, actor, page: ConsultationPage, summary, sections: dict, publish: bool = False,
                  campaign_sizes: dict | None = None) -> OfficialResponse:
    """Save (and with publish=True, publish) the response. `sections` maps a section id to
    {"body": text, "comments": [ids], "campaigns": [representative comment ids]};
    `campaign_sizes` gives each campaign's size by its representative comment."""
    page = ConsultationPage.objects.select_for_update().get(pk=page.pk)
    require_responder(actor, page)
    summary = _clean(summary, limit=SUMMARY_MAX_CHARS, field="summary")
    known = {s["id"] for s in page.section_list}
    stored = []
    for section_id, given in (sections or {}).items():
        if section_id not in known:
            raise ValidationError({"sections": [_("That section is not part of this consultation.")]})
        body = _clean(given.get("body", ""), limit=SECTION_MAX_CHARS, field=f"section-{section_id}-body")
        comments = _linked_comments(page, given.get("comments"), f"section-{section_id}-comments")
        campaigns = _linked_comments(page, given.get("campaigns"), f"section-{section_id}-comments")
        if body or comments or campaigns:
            stored.append({"section_id": section_id, "body": body, "body_html": render_markdown(body) if body else "",
                           "comments": comments,
                           "campaigns": [{"comment": pk, "size": int((campaign_sizes or {}).get(pk, 0))}
                                         for pk in campaigns]})
    if publish and not summary:
        raise ValidationError({"summary": [_("Write the summary of the response before publishing it.")]})
    now = timezone.now()
    response, _created = OfficialResponse.objects.get_or_create(page=page)
    response.summary, response.summary_html = summary, render_markdown(summary) if summary else ""
    response.sections, response.updated_by, response.updated_at = stored, actor, now
    if publish:
        response.published_at, response.published_by = now, actor
        response.published_sections = stored
        page.official_response = response.summary_html
        page.response_published_at = page.response_published_at or now
        revision = page.save_revision(user=actor, log_action=True)
        revision.publish(user=actor, skip_permission_checks=True)  # consult.respond_consultation decided
    response.save()
    return response
