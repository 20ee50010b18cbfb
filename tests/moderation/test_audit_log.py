"""The audit log: append-only by the ORM, a hash chain that names the first tampered entry."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from moderation import audit
from moderation.models import AppendOnlyError, AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def log():
    return [audit.append(action="screener.hold", item_type="comment", item_id=n, page_id=7,
                         reason="personal_data", after={"status": "pending", "n": n}) for n in range(1, 6)]


def run_verify() -> str:
    from io import StringIO

    out = StringIO()
    call_command("verify_audit_log", stdout=out)
    return out.getvalue()


def test_an_untouched_log_verifies(log):
    assert "5 entries verified" in run_verify()
    assert log[0].previous_digest == audit.GENESIS and log[1].previous_digest == log[0].digest


def test_the_orm_refuses_to_change_or_delete_entries(log):
    entry = AuditEntry.objects.get(pk=log[2].pk)
    entry.note = "quietly changed"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(pk=entry.pk).update(note="changed")
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.all().delete()
    assert "5 entries verified" in run_verify()


def _sql(statement: str, params: list) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def test_a_changed_entry_is_named(log):
    _sql('UPDATE moderation_auditentry SET reason = %s WHERE id = %s', ["spam", log[2].pk])
    with pytest.raises(CommandError, match=rf"entry #{log[2].pk}: its content does not match"):
        run_verify()


def test_a_removed_entry_is_named_by_the_one_after_it(log):
    _sql("DELETE FROM moderation_auditentry WHERE id = %s", [log[1].pk])
    with pytest.raises(CommandError, match=rf"entry #{log[2].pk}: its link"):
        run_verify()


def test_a_removed_last_entry_is_detected(log):
    _sql("DELETE FROM moderation_auditentry WHERE id = %s", [log[-1].pk])
    with pytest.raises(CommandError, match="the end of the log"):
        run_verify()


def test_a_rewritten_chain_still_fails_at_the_first_change(log):
    """Recomputing one entry's digest does not help: the next entry's link no longer matches."""
    entry = AuditEntry.objects.get(pk=log[1].pk)
    entry.reason = "spam"
    _sql("UPDATE moderation_auditentry SET reason = %s, digest = %s WHERE id = %s",
         ["spam", entry.compute_digest(), entry.pk])
    with pytest.raises(CommandError, match=rf"entry #{log[2].pk}"):
        run_verify()
