"""Editors work in the Wagtail admin: create, translate, schedule and publish; revisions kept."""

import pytest
from django.contrib.auth import get_user_model

from consult.models import ConsultationPage
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor_client(client):
    user = get_user_model().objects.create_superuser("editor", "editor@example.org", "pw-editor-123")
    client.force_login(user)
    return client


def test_editor_can_open_the_add_forms(editor_client, site_tree):
    index = site_tree.indexes["fa"]
    for model in ("consultationpage", "roundtablepage"):
        response = editor_client.get(f"/admin/pages/add/consult/{model}/{index.pk}/")
        assert response.status_code == 200, model


def test_editor_can_edit_and_translate_a_consultation(editor_client, site_tree):
    page = factories.consultation(site_tree.indexes["fa"])
    assert editor_client.get(f"/admin/pages/{page.pk}/edit/").status_code == 200
    # Wagtail's simple_translation: copy the page into the other language for translating.
    response = editor_client.get(f"/admin/translation/submit/page/{page.pk}/")
    assert response.status_code == 200


def test_revisions_are_kept(site_tree):
    page = factories.consultation(site_tree.indexes["en"], title="First title")
    page.title = "Second title"
    page.save_revision().publish()
    assert ConsultationPage.objects.get(pk=page.pk).revisions.count() == 2


def test_scheduled_publishing_keeps_the_page_private_until_then(client, site_tree):
    import datetime

    from django.utils import timezone

    page = factories.consultation(site_tree.indexes["en"], live=False)
    page.go_live_at = timezone.now() + datetime.timedelta(days=1)
    page.save_revision().publish()
    page.refresh_from_db()
    assert not page.live
    assert client.get(f"/en/consultations/{page.slug}/").status_code == 404


def test_closing_before_opening_is_refused(site_tree):
    from django.core.exceptions import ValidationError

    page = factories.consultation(site_tree.indexes["en"])
    page.closes_at = page.opens_at
    with pytest.raises(ValidationError):
        page.full_clean()
