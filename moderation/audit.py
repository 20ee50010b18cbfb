"""The audit log's two operations: append an entry to the chain, and verify the chain."""

from dataclasses import dataclass

from django.db import transaction

from moderation.models import AuditEntry, AuditHead

GENESIS = "0" * 64


@transaction.atomic
def append(*, action: str, actor=None, item=None, item_type: str = "", item_id: int | None = None,
           page_id: int | None = None, reason: str = "", note: str = "", before: dict | None = None,
           after: dict | None = None) -> AuditEntry:
    """Append one entry, chained to the previous one. Runs in the caller's transaction: an
    action that rolls back leaves no entry, and an entry never exists without its action."""
    if item is not None:
        item_type = item_type or item._meta.model_name
        item_id = item.pk
        page_id = page_id if page_id is not None else getattr(item, "page_id", None)
    head, _created = AuditHead.objects.get_or_create(pk=1)
    head = AuditHead.objects.select_for_update().get(pk=1)
    entry = AuditEntry(actor=actor, action=action, item_type=item_type, item_id=item_id, page_id=page_id,
                       reason=reason, note=note, before=before or {}, after=after or {},
                       previous_digest=head.last_digest)
    entry.digest = entry.compute_digest()
    entry.save()
    AuditHead.objects.filter(pk=1).update(last_digest=entry.digest, entries=head.entries + 1)
    return entry


@dataclass
class Verification:
    ok: bool
    checked: int
    first_broken: int | None = None
    problem: str = ""


def verify() -> Verification:
    """Walk the chain from the start; name the first entry whose digest or link is wrong, or
    the point where entries are missing."""
    previous = GENESIS
    checked = 0
    for entry in AuditEntry.objects.order_by("pk").iterator(chunk_size=2000):
        if entry.previous_digest != previous:
            return Verification(False, checked, entry.pk, "its link to the previous entry does not match: an "
                                "entry before it was removed or changed")
        if entry.compute_digest() != entry.digest:
            return Verification(False, checked, entry.pk, "its content does not match its digest: it was changed")
        previous = entry.digest
        checked += 1
    head = AuditHead.objects.filter(pk=1).first()
    if head is not None and (head.last_digest != previous or head.entries != checked):
        return Verification(False, checked, None, "the last entries are missing (the chain ends early)")
    return Verification(True, checked)
