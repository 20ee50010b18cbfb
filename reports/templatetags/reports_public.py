"""Template tags for public pages that show something reports keeps: the consultation page
loads this library to show the digest and download link of its record (reports.archive).

A template library rather than a Python import keeps consult's code free of reports (the import
rule runs cms → consult → … → reports); the consultation template names the library, and asks
only on closed consultations, so an open page costs no query."""

from django import template

from reports import archive

register = template.Library()


@register.simple_tag
def consultation_record(page):
    """The consultation's current record (digest, dates, size; not its files), or None."""
    return archive.current_archive(page.pk)
