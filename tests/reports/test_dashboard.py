"""The consultation dashboard: its numbers equal recounts (withdrawn and hidden comments left
out, and said so), only officials, editors and admins see it, and its queries do not grow
with the consultation."""

import pytest

from cms.models import Region
from consult.models import CommentStatus, Profile, Statement
from tests import factories
from tests.web import client_for
from voting.models import CommentVote, PollResponse, StatementVote

pytestmark = pytest.mark.django_db


def build(en, people=6):
    """A consultation with comments in every state, votes, statements and a poll answer."""
    page = factories.consultation(en)
    first, second = page.section_list[0]["id"], page.section_list[1]["id"]
    citizens = [factories.participant(f"C{n}") for n in range(people)]
    region = Region.objects.create(name="Tehran", code="tehran", locale=en.locale)
    Profile.objects.filter(user__in=citizens[:2]).update(region=region, preferred_language="en")
    published = [factories.comment(page, citizens[0], section_id=first, stance="support", support_count=2),
                 factories.comment(page, citizens[1], section_id=first, stance="support"),
                 factories.comment(page, citizens[2], section_id=first, stance="oppose"),
                 factories.comment(page, citizens[3], section_id=second, stance="neutral")]
    reply = factories.comment(page, citizens[1], parent=published[0], stance="")
    published[0].reply_count = 1
    published[0].save(update_fields=["reply_count"])
    factories.comment(page, citizens[4], section_id=first, status=CommentStatus.WITHDRAWN)
    factories.comment(page, citizens[4], section_id=first, status=CommentStatus.PENDING, stance="oppose")
    factories.comment(page, citizens[4], section_id=second, status=CommentStatus.REJECTED, stance="oppose")
    for voter in citizens[1:3]:
        CommentVote.objects.create(comment=published[0], voter=voter, value=1)
    statement = Statement.objects.create(page=page, text="Buses all night", agree_count=2, disagree_count=1)
    for voter, value in zip(citizens[:3], (1, 1, -1), strict=True):
        StatementVote.objects.create(statement=statement, voter=voter, value=value)
    Statement.objects.create(page=page, text="Held one", status="pending")
    PollResponse.objects.create(page=page, poll_id="p1", respondent=citizens[5], choices=[0])
    return page, citizens, published, reply


def test_the_numbers_equal_recounts(en, official):
    page, _citizens, published, _reply = build(en)
    from reports.dashboard import consultation_dashboard

    figures = consultation_dashboard(page)
    # participants: authors of public comments (0-3), voters (1-2), statement voters (0-2), poll (5)
    assert figures.participants == 5
    assert figures.comments == 5  # four comments and a reply; withdrawn, held and rejected left out
    assert figures.excluded_comments == {"withdrawn": 1, "hidden": 2}
    assert figures.comment_votes == 2 and figures.statement_votes == 3 and figures.votes == 5
    assert figures.statements == 1 and figures.poll_responses == 1
    first = figures.sections[0]
    assert (first.comments, first.support, first.oppose, first.neutral) == (4, 2, 1, 0)
    assert [c.pk for c in first.most_supported] == [published[0].pk]
    assert [c.pk for c in first.most_discussed] == [published[0].pk]
    second = figures.sections[1]
    assert (second.comments, second.neutral) == (1, 1)
    tehran = Region.objects.get(code="tehran")
    assert dict(figures.by_region) == {tehran.pk: 2, None: 3}
    assert dict(figures.by_language) == {"en": 2, "fa": 3}
    assert sum(day["comments"] for day in figures.per_day) == 5


def test_the_dashboard_page_in_both_languages(en, fa, official):
    page, *_ = build(en)
    html = client_for(official).get(f"/en/reports/{page.pk}/").content.decode()
    assert "Where support and opposition concentrate" in html and "Buses all night" in html
    assert "1 comments withdrawn" in html or "1 comments withdrawn by their authors" in html
    persian_page = factories.consultation(fa)
    persian = client_for(official, "fa").get(f"/fa/reports/{persian_page.pk}/")
    assert persian.status_code == 200 and 'dir="rtl"' in persian.content.decode()
    assert "۰" in persian.content.decode()  # Persian digits


@pytest.mark.parametrize("role, expected", [(None, 302), ("citizen", 403), ("moderator", 403),
                                            ("official", 200), ("editor", 200), ("admin", 200)])
def test_who_sees_the_dashboard(en, role, expected):
    page = factories.consultation(en)
    user = factories.participant(roles=[role]) if role else None
    assert client_for(user).get(f"/en/reports/{page.pk}/").status_code == expected
    assert client_for(user).get("/en/reports/").status_code == expected


def test_unknown_pages_are_404(official):
    assert client_for(official).get("/en/reports/999999/").status_code == 404


@pytest.mark.parametrize("people", [6, 18])
def test_dashboard_queries_do_not_grow(en, official, people, django_assert_max_num_queries):
    page, *_ = build(en, people=people)
    client = client_for(official)
    with django_assert_max_num_queries(46):  # the frame, stored analyses (46 on PostgreSQL); same for 6 or 18
        assert client.get(f"/en/reports/{page.pk}/").status_code == 200


def test_the_page_reads_the_workers_snapshot_which_equals_a_recount(en, official):
    from reports import dashboard
    from reports.models import PageAnalysis
    from reports.worker import Worker

    page, *_ = build(en)
    assert ("figures", page.pk) in Worker().run_once()
    stored = PageAnalysis.objects.get(page=page, kind="figures")
    assert stored.result == dashboard.to_json(dashboard.consultation_dashboard(page))
    assert dashboard.to_json(dashboard.from_json(stored.result)) == stored.result
    PageAnalysis.objects.filter(pk=stored.pk).update(result={**stored.result, "participants": 4242})
    html = client_for(official).get(f"/en/reports/{page.pk}/").content.decode()
    assert "4242" in html and "Tehran" in html  # from the snapshot, region named at read time
    api = client_for(official).get(f"/api/v1/consultations/{page.pk}/report/").json()
    assert api["participants"] == 4242 and {"key": "Tehran", "region": Region.objects.get().pk,
                                            "participants": 2} in api["by_region"]
