"""manage.py verify_archive FILE [--digest HEX]: check a copy of a consultation's record (the zip
file, or a directory holding record.json, record.html and manifest.json). Exits non-zero, naming
each file at fault, when anything differs."""

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from reports import archive


class Command(BaseCommand):
    help = ("Check a consultation record's files against its manifest, and the manifest against the "
            "published digest (--digest, or looked up in this site's database).")

    def add_arguments(self, parser):
        parser.add_argument("path", help="The record's zip file, or a directory with its three files.")
        parser.add_argument("--digest", help="The published digest (64 hex digits), as shown on the consultation "
                                             "page; without it, this site's database is asked.")

    def handle(self, *args, path, digest=None, **options):
        if digest is not None and not archive.DIGEST_PATTERN.fullmatch(digest.strip().lower()):
            raise CommandError("--digest must be a SHA-256: 64 hexadecimal digits.")
        result = archive.verify_bundle(path, expected_digest=digest)
        if digest is None and result.digest is not None:
            self._look_up(result)
        for name in result.checked:
            self.stdout.write(f"{name}: matches the manifest.")
        if not result.ok:
            raise CommandError("The record does not verify:\n  " + "\n  ".join(result.problems))
        self.stdout.write(self.style.SUCCESS(f"The record verifies: manifest.json has SHA-256 {result.digest}, "
                                             f"the published digest."))

    def _look_up(self, result: archive.Verification) -> None:
        try:
            published = archive.published_archive(result.digest)
        except DatabaseError as exc:
            result.problems.append(f"manifest.json: the site's database could not be asked ({exc}); "
                                   "give the published digest with --digest.")
            return
        if published is None:
            result.problems.append(f"manifest.json: its SHA-256 {result.digest} is not a digest this site "
                                   "published.")
        else:
            self.stdout.write(f"Published for consultation {published.page_id} on "
                              f"{published.created_at:%Y-%m-%d %H:%M} UTC.")
