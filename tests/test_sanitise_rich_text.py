"""`manage.py sanitise_rich_text`: rich text stored before the sanitiser ran on every save (or
written around it) is cleaned once, in place; `--check` lets a deployment assert a clean
database. The proof is the rendered page: the smuggled script is gone, the editor's text stays."""

import json

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from wagtail.models import Revision

from consult.models import ConsultationPage
from tests import factories

HOSTILE = '<p>Hello<script>alert(1)</script><img src="x" onerror="alert(2)"><a href="javascript:alert(3)">x</a></p>'
CLEAN = "<p>Hello<a>x</a></p>"

pytestmark = pytest.mark.django_db


def smuggle(page):
    """Write hostile rich text as an old database would hold it: straight to the rows."""
    ConsultationPage.objects.filter(pk=page.pk).update(
        introduction=HOSTILE, sections=factories.sections(("Heading", HOSTILE)))
    revision = page.save_revision()
    content = {**revision.content, "introduction": HOSTILE}
    Revision.objects.filter(pk=revision.pk).update(content=content)
    return revision


def run(*args) -> str:
    from io import StringIO

    out = StringIO()
    call_command("sanitise_rich_text", *args, stdout=out)
    return out.getvalue()


def test_old_rich_text_is_cleaned_once_and_the_page_renders_without_script(en):
    page = factories.consultation(en, introduction="<p>Fine</p>")
    revision = smuggle(page)
    assert "alert(" in Client().get(page.url).content.decode()  # the state an old database is in

    output = run()

    assert "consult.ConsultationPage: 1" in output and "wagtailcore.Revision (drafts): 1" in output
    page.refresh_from_db()
    assert page.introduction == CLEAN
    assert page.sections[0].value["body"].source == CLEAN
    revision.refresh_from_db()
    assert "alert(" not in json.dumps(revision.content) and revision.content["introduction"] == CLEAN
    html = Client().get(page.url).content.decode()
    assert "Hello" in html and "alert(" not in html.lower() and "onerror" not in html.lower()
    assert run().strip() == "0 row(s) cleaned."  # idempotent


def test_check_counts_without_changing_and_fails_when_dirty(en):
    page = factories.consultation(en)
    smuggle(page)
    with pytest.raises(CommandError) as failed:
        run("--check")
    assert failed.value.returncode == 1 and "2 row(s)" in str(failed.value)
    page.refresh_from_db()
    assert page.introduction == HOSTILE  # nothing changed
    run()
    assert run("--check").strip() == "0 row(s) would change."


def test_clean_rich_text_and_formatting_are_left_alone(en):
    body = ('<h3 data-block-key="k1">Title</h3><p data-block-key="k2"><b>bold</b> '
            '<a linktype="page" id="3">home</a> <a href="https://example.org/x">out</a></p>')
    page = factories.consultation(en, introduction=body)
    page.save_revision()
    assert run().strip() == "0 row(s) cleaned."
    page.refresh_from_db()
    assert page.introduction == body
