"""Import a Pol.is open-data export (a directory with comments.csv and votes.csv or
participants-votes.csv) as an ended roundtable: `manage.py import_polis DIR [--language en|fa]
[--parent PAGE_ID] [--title TEXT] [--groups]`. See reports.polis_import."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from reports.polis_export import PolisExportError
from reports.polis_import import polis_import


class Command(BaseCommand):
    help = ("Import a Pol.is export directory as an ended roundtable with its statements, participants "
            "(keeping their Pol.is ids) and votes.")

    def add_arguments(self, parser):
        parser.add_argument("directory", help="The export's folder: comments.csv, votes.csv and/or "
                                              "participants-votes.csv, optionally summary.csv.")
        parser.add_argument("--language", choices=[code for code, _name in settings.LANGUAGES], default="en",
                            help="The site language to publish under (its consultation index page).")
        parser.add_argument("--parent", type=int, metavar="PAGE_ID",
                            help="A ConsultationIndexPage to publish under instead of the language's.")
        parser.add_argument("--title", help="The roundtable's title (default: the export's topic).")
        parser.add_argument("--groups", action="store_true",
                            help="Compute the opinion groups of the new roundtable afterwards.")

    def handle(self, *args, directory, language="en", parent=None, title=None, groups=False, **options):
        from wagtail.models import Page

        parent_page = None
        if parent is not None:
            parent_page = Page.objects.filter(pk=parent).first()
            if parent_page is None:
                raise CommandError(f"No page with id {parent}.")
        try:
            result = polis_import(directory=directory, language=language, parent=parent_page, title=title)
        except (PolisExportError, ValueError) as error:  # PolisImportError is a ValueError too
            raise CommandError(str(error)) from error

        page = result.page
        write = self.stdout.write
        write(self.style.SUCCESS(f"Imported {result.source} as page {page.pk}: {page.title}"))
        write(f"  url: {page.get_full_url() or page.get_url() or page.url_path}")
        write(f"  statements: {result.statements} ({result.rejected} rejected)")
        write(f"  participants: {result.participants} ({result.new_participants} new)")
        write(f"  votes: {result.votes}" + (f" ({result.skipped_votes} skipped)" if result.skipped_votes else ""))
        write(f"  seconds: {result.seconds:.2f}")
        for note in result.notes:
            write(f"  note: {note}")
        if groups:
            from reports.analysis import compute_groups

            analysis = compute_groups(page.pk)
            found = analysis.result
            write(f"  opinion groups: k={found.get('k')} over {found.get('n_grouped')} grouped participants "
                  f"({analysis.seconds:.2f} s); `manage.py opinion_groups {page.pk}` lists them")
