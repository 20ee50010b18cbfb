import os
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from consult.demo import load_demo


class Command(BaseCommand):
    help = "Load the demo site (idempotent) and make sure an admin account exists."

    def add_arguments(self, parser):
        parser.add_argument("--data-dir", help="Directory of the real drafts (default: RAYZAN_DEMO_DATA).")
        parser.add_argument("--no-admin", action="store_true", help="Do not create an admin account.")

    def handle(self, *args, data_dir=None, no_admin=False, **options):
        report = load_demo(data_dir=data_dir, log=self.stdout.write)
        self.stdout.write(self.style.SUCCESS(f"Demo content ready: {len(report.pages)} pages."))
        if report.imported:
            self.stdout.write("Imported real drafts: " + ", ".join(report.imported))
        if not no_admin:
            self._ensure_admin()

    def _ensure_admin(self):
        """RAYZAN_ADMIN_USER / RAYZAN_ADMIN_PASSWORD win; otherwise a password is generated once
        and kept in var/admin-credentials.txt (readable by the owner only)."""
        username = os.environ.get("RAYZAN_ADMIN_USER", "admin")
        password = os.environ.get("RAYZAN_ADMIN_PASSWORD", "")
        credentials = settings.VAR_DIR / "admin-credentials.txt"
        user_model = get_user_model()
        user = user_model.objects.filter(username=username).first()
        if user is None:
            password = password or secrets.token_urlsafe(12)
            user_model.objects.create_superuser(username=username, email=f"{username}@localhost",
                                                password=password)
            if not os.environ.get("RAYZAN_ADMIN_PASSWORD"):
                settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
                credentials.write_text(f"{username}\n{password}\n")
                credentials.chmod(0o600)
        elif password:
            user.set_password(password)
            user.save(update_fields=["password"])
        if not password and credentials.exists():
            password = credentials.read_text().splitlines()[1]
        shown = password or "(unchanged; set RAYZAN_ADMIN_PASSWORD to reset it)"
        self.stdout.write(self.style.SUCCESS(f"Admin: http://127.0.0.1:{os.environ.get('PORT', '8000')}/admin/ "
                                             f"user {username!r} password {shown!r}"))
