"""`manage.py load_demo`: always the own sample; the real drafts when present; never doubled."""

import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from wagtail.models import Page

from cms.models import Region, Topic
from consult.models import ConsultationPage, ConsultationStatus, RoundtablePage

pytestmark = pytest.mark.django_db
DRAFTS = Path(settings.RAYZAN_DEMO_DATA)


def run_demo(data_dir):
    out = io.StringIO()
    call_command("load_demo", "--data-dir", str(data_dir), "--no-admin", stdout=out)
    return out.getvalue()


def counts():
    return (Page.objects.count(), ConsultationPage.objects.count(), RoundtablePage.objects.count(),
            Topic.objects.count(), Region.objects.count())


def test_demo_without_shared_drafts_twice(tmp_path, client):
    output = run_demo(tmp_path / "absent")
    assert "loaded Rayzan's own sample only" in output
    first = counts()
    run_demo(tmp_path / "absent")
    assert counts() == first
    budget = ConsultationPage.objects.get(slug="participatory-budget", locale__language_code="fa")
    english = budget.get_translation(budget.get_translations().first().locale).specific
    assert 8 <= len(budget.section_list) <= 12
    assert [s["id"] for s in budget.section_list] == [s["id"] for s in english.section_list]
    assert budget.status == ConsultationStatus.OPEN
    roundtable = RoundtablePage.objects.get(slug="budget-roundtable", locale__language_code="fa")
    assert roundtable.get_translations().live().count() == 1
    assert len(roundtable.statements) >= 3 and len(roundtable.agenda_items) >= 3
    # The roundtable discusses the consultation in each language: its comments can be spotlit.
    english_roundtable = roundtable.get_translations().get().specific
    assert (roundtable.consultation_id, english_roundtable.consultation_id) == (budget.pk, english.pk)
    for url in ("/fa/", "/en/", budget.url, english.url, roundtable.url, "/fa/about/", "/en/about/"):
        assert client.get(url).status_code == 200, url


def test_demo_with_shared_drafts_twice(client):
    if not DRAFTS.is_dir():
        pytest.skip("shared drafts are not on this machine")
    output = run_demo(DRAFTS)
    assert "va-herbicide-proposed-rule.xml" in output
    first = counts()
    run_demo(DRAFTS)
    assert counts() == first
    va = ConsultationPage.objects.get(title__startswith="Updating VA Adjudication Regulations")
    assert va.locale.language_code == "en"
    assert va.status == ConsultationStatus.OPEN, "the demo opens imported drafts for 60 days"
    udhr = ConsultationPage.objects.filter(slug="udhr")
    assert udhr.count() == 2
    assert all(page.status == ConsultationStatus.OPEN and page.closes_at for page in udhr)
    revisions = {page.pk: page.revisions.count() for page in ConsultationPage.objects.all()}
    run_demo(DRAFTS)
    assert {page.pk: page.revisions.count() for page in ConsultationPage.objects.all()} == revisions
    assert client.get(va.url).status_code == 200


def test_admin_account_is_created_once(tmp_path, monkeypatch, settings):
    from django.contrib.auth import get_user_model

    settings.VAR_DIR = tmp_path
    monkeypatch.setenv("RAYZAN_ADMIN_USER", "operator")
    monkeypatch.delenv("RAYZAN_ADMIN_PASSWORD", raising=False)
    out = io.StringIO()
    call_command("load_demo", "--data-dir", str(tmp_path / "absent"), stdout=out)
    password = (tmp_path / "admin-credentials.txt").read_text().splitlines()[1]
    assert password in out.getvalue()
    call_command("load_demo", "--data-dir", str(tmp_path / "absent"), stdout=io.StringIO())
    user = get_user_model().objects.get(username="operator")
    assert user.is_superuser and user.check_password(password)
