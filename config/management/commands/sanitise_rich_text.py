"""Clean every stored rich text once: rows and page drafts written before the sanitiser was
wired into saves (config.richtext), or written around it (raw SQL, `loaddata`, an old backup).

The cleaning is the one `config.richtext` applies on every save, so running this twice changes
nothing the second time. Rows are updated in place (no new revisions, no publishing, no
signals); `--check` only counts, and exits with status 1 when something would change, so a
deployment can assert that the database is clean.
"""

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from wagtail.models import Revision

from config.richtext import clean_revision, clean_stream_data, rich_fields
from consult.sanitize import sanitise_rich_text

CHUNK = 500


def _cleaned_values(instance, text_fields, stream_fields) -> dict:
    """The fields of `instance` whose cleaned value differs from the stored one."""
    changed = {}
    for field in text_fields:
        value = getattr(instance, field.attname)
        if value and (cleaned := sanitise_rich_text(value)) != value:
            changed[field.attname] = cleaned
    for field in stream_fields:
        stored = field.get_prep_value(getattr(instance, field.attname))
        stored = stored if isinstance(stored, list) else []
        if (cleaned := clean_stream_data(field.stream_block, stored)) != stored:
            changed[field.attname] = cleaned
    return changed


def _models_with_rich_text():
    for model in apps.get_models():
        if model is Revision:
            continue
        text_fields, stream_fields = rich_fields(model)
        own = [f for f in (*text_fields, *stream_fields) if f.model is model]  # each table once
        if own:
            yield model, [f for f in text_fields if f in own], [f for f in stream_fields if f in own]


class Command(BaseCommand):
    help = "Clean the rich text stored in every model and page draft with the site's sanitiser."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true",
                            help="only count what would change; exit with status 1 if anything would")

    def handle(self, *args, check=False, **options):
        total = 0
        for model, text_fields, stream_fields in _models_with_rich_text():
            total += self._report(model._meta.label, self._clean_rows(model, text_fields, stream_fields, check))
        total += self._report("wagtailcore.Revision (drafts)", self._clean_revisions(check))
        verb = "would change" if check else "cleaned"
        self.stdout.write(f"{total} row(s) {verb}.")
        if check and total:
            raise CommandError(f"{total} row(s) hold rich text the sanitiser would change.", returncode=1)

    def _report(self, label: str, count: int) -> int:
        if count:
            self.stdout.write(f"{label}: {count}")
        return count

    def _clean_rows(self, model, text_fields, stream_fields, check: bool) -> int:
        names = ["pk", *(f.name for f in (*text_fields, *stream_fields))]
        count = 0
        rows = model._base_manager.only(*names).order_by("pk").iterator(chunk_size=CHUNK)
        for instance in rows:
            changed = _cleaned_values(instance, text_fields, stream_fields)
            if changed:
                count += 1
                if not check:
                    with transaction.atomic():
                        model._base_manager.filter(pk=instance.pk).update(**changed)
        return count

    def _clean_revisions(self, check: bool) -> int:
        count = 0
        for revision in Revision.objects.select_related("content_type").order_by("pk").iterator(chunk_size=CHUNK):
            before = revision.content
            snapshot = repr(before)
            clean_revision(revision)
            if repr(revision.content) != snapshot:
                count += 1
                if not check:
                    Revision.objects.filter(pk=revision.pk).update(content=revision.content)
        return count
