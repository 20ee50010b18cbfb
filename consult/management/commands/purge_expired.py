"""manage.py purge_expired: delete what Rayzan keeps only for a while. Run it daily (cron or a
systemd timer); it is safe to run at any time and as often as you like."""

from django.conf import settings
from django.core.management.base import BaseCommand

from consult.accounts.privacy import expired_purge


class Command(BaseCommand):
    help = ("Delete expired sessions (like clearsessions) and expired e-mail confirmations, and sign-ups whose "
            "e-mail address was never confirmed within RAYZAN_RETENTION_DAYS days (default 30) and that never "
            "took part. Rayzan's database stores no IP addresses or user agents (write limits count in the cache "
            "and expire within the hour), so there are none to purge. Notifications are kept while the account "
            "exists (they are a person's record of decisions) and deleted when it is erased.")

    def handle(self, *args, **options):
        deleted = expired_purge()
        self.stdout.write(self.style.SUCCESS(
            f"Deleted {deleted['sessions']} expired sessions, {deleted['email_confirmations']} expired e-mail "
            f"confirmations and {deleted['unconfirmed_signups']} sign-ups unconfirmed after "
            f"{settings.RAYZAN_RETENTION_DAYS} days."))
