"""Compile every .po catalogue under LOCALE_PATHS to .mo with Babel: no system gettext needed,
so `make run` works on a machine that has only Python."""

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Compile the translation catalogues (.po to .mo) in pure Python."

    def handle(self, *args, **options):
        compiled = 0
        for base in map(Path, settings.LOCALE_PATHS):
            for po_path in sorted(base.glob("*/LC_MESSAGES/*.po")):
                mo_path = po_path.with_suffix(".mo")
                if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
                    continue
                with po_path.open("rb") as po_file:
                    try:
                        catalogue = read_po(po_file, locale=po_path.parent.parent.name, abort_invalid=True)
                    except Exception as exc:
                        raise CommandError(f"{po_path}: {exc}") from exc
                with mo_path.open("wb") as mo_file:
                    write_mo(mo_file, catalogue, use_fuzzy=False)
                compiled += 1
        self.stdout.write(f"Compiled {compiled} catalogue(s).")
