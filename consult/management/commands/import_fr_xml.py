"""manage.py import_fr_xml FILE [--open-for-days N] [--language en]"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from consult.importers import DraftImportError
from consult.importers.fr_xml import import_fr_xml
from consult.site_tree import ensure_site_tree


class Command(BaseCommand):
    help = ("Import a US Federal Register document (GPO FR-XML) as a published consultation; "
            "a re-import updates the same page.")

    def add_arguments(self, parser):
        parser.add_argument("file", help="Path to the FR-XML file.")
        parser.add_argument("--open-for-days", type=int, default=None, metavar="N",
                            help="Open for comment from now for N days instead of the document's own period.")
        parser.add_argument("--language", default="en", choices=[code for code, _name in settings.LANGUAGES],
                            help="Which language's consultation index to publish under (default: en).")

    def handle(self, *args, file, open_for_days=None, language="en", **options):
        if open_for_days is not None and open_for_days < 1:
            raise CommandError("--open-for-days must be at least 1.")
        parent = ensure_site_tree().indexes[language]
        try:
            page = import_fr_xml(file, parent=parent, open_for_days=open_for_days)
        except DraftImportError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"Published {page.title!r}: {page.url}"))
        self.stdout.write(f"{len(page.sections)} sections; comments open {page.opens_at:%Y-%m-%d %H:%M %Z}"
                          + (f", close {page.closes_at:%Y-%m-%d %H:%M %Z}" if page.closes_at else ""))
