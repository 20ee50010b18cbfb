"""The official response: officials draft and publish a summary and per-section answers
linked to comments and campaigns; the page shows it, the live stream announces it, everyone
who took part is told in their language; overdue responses are listed publicly."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from consult.models import ConsultationPage, LiveEvent, Notification, Profile
from consult.services.notifications import send_pending_emails
from reports.models import PageAnalysis
from tests import factories
from tests.web import client_for
from voting.models import StatementVote

pytestmark = pytest.mark.django_db


def setup_consultation(en):
    page = factories.consultation(en, status="closed")
    first = page.section_list[0]["id"]
    author, voter = factories.participant("Author"), factories.participant("Voter")
    Profile.objects.filter(user=voter).update(preferred_language="fa")
    comment = factories.comment(page, author, text="Keep the night buses running", section_id=first)
    campaign_rep = factories.comment(page, factories.participant("Sender"), text="Form letter text", section_id=first)
    from consult.models import Statement

    statement = Statement.objects.create(page=page, text="A statement")
    StatementVote.objects.create(statement=statement, voter=voter, value=1)
    PageAnalysis.objects.create(page=page, kind="campaigns", result={
        "comments": 2, "in_campaigns": 40, "bursts": [], "campaign_count": 1,
        "campaigns": [{"size": 40, "representative": campaign_rep.pk, "text": "Form letter text",
                       "variant_count": 1, "variants": [{"text": "Form letter text", "count": 40,
                                                         "comments": [campaign_rep.pk]}]}]})
    return page, first, comment, campaign_rep, author, voter


def test_draft_then_publish_shows_it_announces_it_and_tells_participants(en, official):
    page, first, comment, campaign_rep, author, voter = setup_consultation(en)
    client = client_for(official)
    url = f"/en/reports/{page.pk}/response/"
    form = client.get(url)
    assert form.status_code == 200 and "Keep the night buses running" in form.content.decode()
    draft = {"summary": "We heard you: **night buses stay**.", f"section-{first}-body": "Line 12 keeps running.",
             f"section-{first}-comments": [str(comment.pk)], f"section-{first}-campaigns": [str(campaign_rep.pk)]}
    assert client.post(url, {**draft, "action": "save"}).status_code == 302
    public = client_for(None).get(page.url).content.decode()
    assert "night buses stay" not in public and "Line 12 keeps running." not in public  # a draft is not public

    assert client.post(url, {**draft, "action": "publish"}).status_code == 302
    page = ConsultationPage.objects.get(pk=page.pk)
    assert page.response_published_at is not None and "night buses stay" in page.official_response
    public = client_for(None).get(page.url).content.decode()
    assert "<strong>night buses stay</strong>" in public and "Line 12 keeps running." in public
    assert f"/participate/comment/{comment.pk}/" in public and "a campaign of 40 similar comments" in public
    assert LiveEvent.objects.filter(page_id=page.pk, type="response.published").count() == 1

    told = Notification.objects.filter(kind="consultation.response")
    assert set(told.values_list("recipient_id", flat=True)) == {author.pk, voter.pk, campaign_rep.author_id}
    assert told.get(recipient=voter).language == "fa"
    assert send_pending_emails() == 3 and len(mail.outbox) == 3
    assert not Notification.objects.filter(email_pending=True).exists()

    # a later draft does not leak, and publishing again does not notify everyone again
    client.post(url, {**draft, f"section-{first}-body": "Secret second thoughts", "action": "save"})
    assert "Secret second thoughts" not in client_for(None).get(page.url).content.decode()
    client.post(url, {**draft, "action": "publish"})
    assert told.count() == 3


@pytest.mark.parametrize("body, message", [
    ({"summary": "", "action": "publish"}, "Write the summary"),
    ({"summary": "x" * 20001, "action": "save"}, "Shorten this"),
])
def test_bad_responses_are_400_and_publish_nothing(en, official, body, message):
    page, *_ = setup_consultation(en)
    response = client_for(official).post(f"/en/reports/{page.pk}/response/", body)
    assert response.status_code == 400 and message in response.content.decode()
    assert ConsultationPage.objects.get(pk=page.pk).response_published_at is None
    assert not Notification.objects.exists()


def test_a_comment_from_elsewhere_cannot_be_linked(en, official):
    page, first, *_ = setup_consultation(en)
    other = factories.comment(factories.consultation(en), factories.participant(), text="Elsewhere")
    response = client_for(official).post(f"/en/reports/{page.pk}/response/", {
        "summary": "Fine", f"section-{first}-extra": str(other.pk), "action": "publish"})
    assert response.status_code == 400 and "not published comments on this consultation" in response.content.decode()
    assert ConsultationPage.objects.get(pk=page.pk).response_published_at is None


@pytest.mark.parametrize("role, expected", [(None, 302), ("citizen", 403), ("moderator", 403), ("editor", 403),
                                            ("official", 200), ("admin", 200)])
def test_who_writes_the_response(en, role, expected):
    page = factories.consultation(en, status="closed")
    user = factories.participant(roles=[role]) if role else None
    assert client_for(user).get(f"/en/reports/{page.pk}/response/").status_code == expected


def test_overdue_responses_and_the_median_time_are_public(en, official):
    late = factories.consultation(en, title="Late one", status="closed")
    ConsultationPage.objects.filter(pk=late.pk).update(closes_at=timezone.now() - datetime.timedelta(days=70))
    answered = factories.consultation(en, title="Answered one", status="closed")
    client_for(official).post(f"/en/reports/{answered.pk}/response/", {"summary": "Done", "action": "publish"})
    index = client_for(None).get(en.url).content.decode()
    overdue = index.split("Responses overdue")[1]
    assert "Late one" in overdue and "Answered one" not in overdue
    assert "1 of 2 closed consultations have an official response." in index
    assert "Median time to respond after closing: 1 day." in index
    late_page = client_for(None).get(ConsultationPage.objects.get(pk=late.pk).url).content.decode()
    assert "has not been published yet" in late_page
