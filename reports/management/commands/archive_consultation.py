"""manage.py archive_consultation PAGE_ID [--output FILE.zip|DIR] | --due: freeze the record of
a closed consultation (reports.archive) and print its digest. The reports worker does the same
by itself for consultations that have closed; this is for doing it now, or again."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from consult.models import ConsultationPage
from reports import archive


class Command(BaseCommand):
    help = ("Archive a closed consultation: record.json, record.html and manifest.json; print the digest "
            "(SHA-256 of manifest.json). Archiving unchanged content gives the same digest again.")

    def add_arguments(self, parser):
        parser.add_argument("page_id", type=int, nargs="?", help="The consultation's page id.")
        parser.add_argument("--due", action="store_true",
                            help="Archive every closed consultation whose record is missing or out of date.")
        parser.add_argument("--output", type=Path, help="Also write the bundle: a .zip file, or a directory.")

    def handle(self, *args, page_id=None, due=False, output=None, **options):
        if (page_id is None) == (not due):
            raise CommandError("Give one consultation's page id, or --due (not both).")
        if due and output is not None:
            raise CommandError("--output writes one consultation's record: give its page id.")
        page_ids = archive.due_page_ids() if due else [page_id]
        for pk in page_ids:
            self._archive(pk, output)
        if due and not page_ids:
            self.stdout.write("No consultation is due for archiving.")

    def _archive(self, page_id: int, output: Path | None) -> None:
        page = ConsultationPage.objects.filter(pk=page_id).first()
        if page is None:
            raise CommandError(f"No consultation with page id {page_id}.")
        try:
            stored, created = archive.archive_consultation(actor=None, page=page)
        except archive.NotClosed as exc:
            raise CommandError(f"Consultation {page_id} ({page.title}): {exc}") from None
        state = "archived" if created else "unchanged since it was archived"
        self.stdout.write(self.style.SUCCESS(
            f"Consultation {page_id} ({page.title}): {state}; SHA-256 {stored.digest} ({stored.size} bytes)."))
        if output is not None:
            written = archive.write_bundle(archive.stored_bundle(stored), output)
            self.stdout.write(f"Written to {written}.")
