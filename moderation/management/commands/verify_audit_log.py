"""manage.py verify_audit_log: check the moderation audit log's hash chain."""

from django.core.management.base import BaseCommand, CommandError

from moderation.audit import verify


class Command(BaseCommand):
    help = "Check that no moderation audit entry was changed, removed or inserted; name the first broken one."

    def handle(self, *args, **options):
        result = verify()
        if result.ok:
            self.stdout.write(self.style.SUCCESS(f"The audit log is intact: {result.checked} entries verified."))
            return
        where = f"entry #{result.first_broken}" if result.first_broken is not None else "the end of the log"
        raise CommandError(f"The audit log is broken at {where}: {result.problem}. "
                           f"{result.checked} entries before it verified.")
