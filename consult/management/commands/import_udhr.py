"""manage.py import_udhr FA_FILE EN_FILE [--open-for-days N]"""

from django.core.management.base import BaseCommand, CommandError

from consult.importers import DraftImportError
from consult.importers.udhr import import_udhr
from consult.site_tree import ensure_site_tree


class Command(BaseCommand):
    help = ("Import the Universal Declaration of Human Rights (Persian and English HTML) as a published "
            "Persian consultation and its English translation; a re-import updates both pages.")

    def add_arguments(self, parser):
        parser.add_argument("fa_file", help="Path to the Persian HTML (udhr-fa.html).")
        parser.add_argument("en_file", help="Path to the English HTML (udhr-en.html).")
        parser.add_argument("--open-for-days", type=int, default=None, metavar="N",
                            help="Open for comment from now for N days (default: open, no closing date).")

    def handle(self, *args, fa_file, en_file, open_for_days=None, **options):
        if open_for_days is not None and open_for_days < 1:
            raise CommandError("--open-for-days must be at least 1.")
        indexes = ensure_site_tree().indexes
        try:
            pages = import_udhr(fa_file, en_file, indexes=indexes, open_for_days=open_for_days)
        except DraftImportError as exc:
            raise CommandError(str(exc)) from exc
        for page in pages:
            self.stdout.write(self.style.SUCCESS(f"Published {page.title!r} ({page.locale.language_code}): "
                                                 f"{page.url}, {len(page.sections)} sections"))
