"""Transparency: a page's public moderation report and a moderator's own statistics, as HTML
and through the API. Counts only; nobody and nothing is named in the public report."""

import datetime
import re
import statistics

import pytest
from django.test import Client
from django.utils import timezone

from moderation import transparency
from moderation.models import (
    Appeal,
    AppealOutcome,
    AppealStatus,
    Case,
    CaseStatus,
    Flag,
    ModeratorAssignment,
    Outcome,
)
from tests import factories
from tests.web import client_for

pytestmark = pytest.mark.django_db

NOW = timezone.now()
HOUR = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)
SECRET_TEXT = "Secret words about the bus lanes"
FLAG_NOTE = "Flagger's private note"
APPEAL_NOTE = "Appellant's private plea"
SCREENER_CODES = ("premoderation", "links", "blocked_words", "personal_data", "new_account", "repeat")



@pytest.fixture
def people(db):
    return {role: factories.participant(f"Visible {role.title()}", roles=[role]) for role in
            ("citizen", "moderator", "official", "editor", "admin")} | {
        "author": factories.participant("Visible Author", roles=["citizen"]),
        "second_moderator": factories.participant("Visible Second Moderator", roles=["moderator"]),
        "flaggers": [factories.participant(f"Visible Flagger {n}", roles=["citizen"]) for n in range(3)]}


def decided(case, *, by, outcome, took, at, reason=""):
    case.status, case.decided_by, case.outcome, case.decision_reason = CaseStatus.DECIDED, by, outcome, reason
    case.opened_at, case.decided_at = at - took, at
    case.save()
    return case


def appeal(case, appellant, *, outcome="", by=None):
    return Appeal.objects.create(case=case, appellant=appellant, note=APPEAL_NOTE, decided_by=by,
                                 status=AppealStatus.DECIDED if outcome else AppealStatus.PENDING, outcome=outcome,
                                 decided_at=NOW if outcome else None)


def open_case(page, item, reasons, *, flags=0, status=CaseStatus.PENDING, hidden=False, opened=None):
    return Case.objects.create(item_type="comment", item_id=item.pk, page=page, reasons=reasons, flag_count=flags,
                               status=status, hidden_by_flags=hidden, opened_at=opened or NOW)


@pytest.fixture
def world(en, people):
    """One consultation with every kind of case, and a pending case on another page."""
    page, other = factories.consultation(en), factories.consultation(en)
    mod, second, author = people["moderator"], people["second_moderator"], people["author"]
    flaggers = people["flaggers"]
    c = [factories.comment(page, author, text=f"{SECRET_TEXT} {n}") for n in range(7)]

    for flagger, item, reason in [(flaggers[0], c[0], "spam"), (flaggers[1], c[0], "spam"),
                                  (flaggers[2], c[0], "abuse"), (flaggers[0], c[1], "abuse"),
                                  (flaggers[0], c[2], "other"), (flaggers[1], c[6], "personal_data")]:
        Flag.objects.create(item_type="comment", item_id=item.pk, page=page, flagger=flagger, reason=reason,
                            note=FLAG_NOTE)

    rejected = decided(open_case(page, c[0], ["spam", "abuse"], flags=3, hidden=True), by=mod,
                       outcome=Outcome.REJECTED, reason="spam", took=2 * HOUR, at=NOW - DAY)
    open_case(page, c[1], ["abuse"], flags=1, opened=NOW - 3 * HOUR)
    open_case(page, c[2], ["other"], flags=1, status=CaseStatus.ESCALATED)
    decided(open_case(page, c[3], ["links", "new_account"]), by=mod, outcome=Outcome.APPROVED,
            took=datetime.timedelta(minutes=10), at=NOW - 10 * DAY)
    redacted = decided(open_case(page, c[4], ["personal_data"]), by=mod, outcome=Outcome.REDACTED,
                       reason="personal_data", took=4 * HOUR, at=NOW - 40 * DAY)
    upheld = decided(open_case(page, c[5], ["premoderation"]), by=second, outcome=Outcome.REJECTED,
                     reason="abuse", took=3 * DAY, at=NOW - 5 * DAY)
    open_case(page, c[6], ["personal_data"], flags=1, opened=NOW - HOUR)  # flagged, not held

    appeal(rejected, author)
    appeal(redacted, author, outcome=AppealOutcome.REINSTATED, by=second)
    appeal(upheld, author, outcome=AppealOutcome.UPHELD, by=mod)

    stranger = factories.comment(other, author, text="elsewhere")
    open_case(other, stranger, ["spam"], flags=1, opened=NOW - 5 * HOUR)
    return {"page": page, "other": other, "comments": c}


def assert_waited(seconds, *, since):
    """The API counts waiting time up to the moment it answers. NOW is taken when this module is
    imported, which in a full suite run can be many minutes before the test runs."""
    expected = (timezone.now() - since).total_seconds()
    assert expected - 60 <= seconds <= expected + 1  # whole seconds, rounded


# --- the figures -------------------------------------------------------------------------------

def recount(page_id) -> dict:
    """The public figures, recounted the slow way over every row."""
    flags = list(Flag.objects.filter(page_id=page_id))
    cases = list(Case.objects.filter(page_id=page_id))
    appeals = list(Appeal.objects.filter(case__page_id=page_id))
    closed = [c for c in cases if c.status == CaseStatus.DECIDED]

    def held(case, code=None):
        codes = [code] if code else SCREENER_CODES
        return any(f'"{c}"' in str(case.reasons).replace("'", '"') and (c != "personal_data" or not case.flag_count)
                   for c in codes)

    return {
        "flagged_items": len({(f.item_type, f.item_id) for f in flags}), "flags": len(flags),
        "flags_by_reason": {r: (len({(f.item_type, f.item_id) for f in flags if f.reason == r}),
                                sum(f.reason == r for f in flags)) for r in {f.reason for f in flags}},
        "held": sum(held(c) for c in cases),
        "held_by_reason": {code: sum(held(c, code) for c in cases) for code in SCREENER_CODES},
        "hidden_by_flags": sum(c.hidden_by_flags for c in cases),
        "pending": sum(c.status == CaseStatus.PENDING for c in cases),
        "escalated": sum(c.status == CaseStatus.ESCALATED for c in cases),
        "decided": len(closed),
        "approved": sum(c.outcome == Outcome.APPROVED for c in closed),
        "rejected": sum(c.outcome == Outcome.REJECTED for c in closed),
        "redacted": sum(c.outcome == Outcome.REDACTED for c in closed),
        "appealed": len(appeals),
        "reinstated": sum(a.outcome == AppealOutcome.REINSTATED for a in appeals),
        "median": statistics.median([c.decided_at - c.opened_at for c in closed]) if closed else None,
    }


def test_the_public_figures_equal_a_recount(world):
    report = transparency.page_report(world["page"].pk)
    expected = recount(world["page"].pk)
    assert {key: getattr(report, key) for key in ("flagged_items", "flags", "held", "hidden_by_flags", "pending",
                                                  "escalated", "decided", "approved", "rejected", "redacted",
                                                  "appealed", "reinstated")} == {
        key: expected[key] for key in ("flagged_items", "flags", "held", "hidden_by_flags", "pending", "escalated",
                                       "decided", "approved", "rejected", "redacted", "appealed", "reinstated")}
    assert {row.code: (row.items, row.flags) for row in report.flags_by_reason if row.flags} == \
        expected["flags_by_reason"]
    assert {row.code: row.count for row in report.held_by_reason} == expected["held_by_reason"]
    assert report.median_decision == expected["median"]


def test_the_public_figures_by_hand(world):
    report = transparency.page_report(world["page"].pk)
    assert (report.flagged_items, report.flags) == (4, 6)
    assert {r.code: (r.items, r.flags) for r in report.flags_by_reason} == {
        "spam": (1, 2), "abuse": (2, 2), "off_topic": (0, 0), "personal_data": (1, 1), "other": (1, 1)}
    assert report.held == 3  # links+new_account, personal_data without flags, premoderation
    assert {r.code: r.count for r in report.held_by_reason if r.count} == {
        "links": 1, "new_account": 1, "personal_data": 1, "premoderation": 1}
    assert (report.hidden_by_flags, report.pending, report.escalated, report.decided) == (1, 2, 1, 4)
    assert (report.approved, report.rejected, report.redacted) == (1, 2, 1)
    assert {r.code: r.count for r in report.rejected_by_reason if r.count} == {"spam": 1, "abuse": 1}
    assert {r.code: r.count for r in report.redacted_by_reason if r.count} == {"personal_data": 1}
    assert "" not in {r.code for r in report.decisions_by_reason}  # every decision here has a reason
    assert (report.appealed, report.appeals_pending, report.upheld, report.reinstated) == (3, 1, 1, 1)
    assert {r.code: (r.appealed, r.reinstated) for r in report.appeals_by_reason if r.appealed} == {
        "spam": (1, 0), "abuse": (1, 0), "personal_data": (1, 1)}
    assert report.median_decision == 3 * HOUR  # 10 min, 2 h, 4 h, 3 days
    assert transparency.duration_parts(report.median_decision) == (3, "hours")


def test_an_empty_page_has_zeros_and_no_median(en):
    report = transparency.page_report(factories.consultation(en).pk)
    assert (report.flagged_items, report.cases, report.decided, report.appealed) == (0, 0, 0, 0)
    assert report.median_decision is None and report.median_decision_seconds is None


def test_a_decision_without_a_reason_gets_its_own_line(en, people):
    page = factories.consultation(en)
    item = factories.comment(page, people["author"])
    decided(open_case(page, item, ["links"]), by=people["moderator"], outcome=Outcome.REDACTED, took=HOUR, at=NOW)
    report = transparency.page_report(page.pk)
    assert report.redacted == 1 and [(r.code, r.count) for r in report.redacted_by_reason if r.count] == [("", 1)]
    assert report.median_decision == HOUR


@pytest.mark.parametrize("minutes, parts", [(0, (0, "minutes")), (89, (89, "minutes")), (90, (2, "hours")),
                                            (47 * 60, (47, "hours")), (48 * 60, (2, "days")),
                                            (10 * 24 * 60 + 1, (10, "days"))])
def test_durations_are_worded_in_one_unit(minutes, parts):
    assert transparency.duration_parts(datetime.timedelta(minutes=minutes)) == parts


def test_the_moderators_own_statistics(world, people):
    report = transparency.moderator_report(people["moderator"], now=NOW)
    assert (report.decided_last_7_days, report.decided_last_30_days) == (1, 2)
    assert report.median_decision == datetime.timedelta(minutes=65)  # 2 h and 10 min; the 40-day-old one is out
    assert (report.appeals_received, report.appeals_reinstated) == (2, 1)
    assert (report.pending, report.escalated, report.appeals_pending) == (3, 1, 1)
    assert report.oldest_pending_age == 5 * HOUR  # on the other page
    scoped = transparency.moderator_report(people["moderator"], page_ids=[world["page"].pk], now=NOW)
    assert (scoped.pending, scoped.oldest_pending_age) == (2, 3 * HOUR)
    newcomer = transparency.moderator_report(people["admin"], now=NOW)
    assert (newcomer.decided_last_30_days, newcomer.median_decision, newcomer.appeals_received) == (0, None, 0)


# --- the public page ---------------------------------------------------------------------------

def figure(html: str, name: str) -> str:
    match = re.search(rf'data-figure="{name}">([^<]*)<', html)
    assert match, name
    return match.group(1).strip()


def assert_no_personal_data(html: str, people) -> None:
    everyone = [people[key] for key in people if key != "flaggers"] + people["flaggers"]
    for person in everyone:
        assert person.profile.display_name not in html
        assert person.email not in html and person.username not in html
    for secret in (SECRET_TEXT, FLAG_NOTE, APPEAL_NOTE, "Visible"):
        assert secret not in html


def test_the_public_page_in_english(world, people):
    response = Client().get(f"/en/moderation/transparency/{world['page'].pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "How this consultation was moderated" in html and world["page"].title in html
    assert [figure(html, name) for name in ("flagged", "flags", "held", "hidden", "waiting", "decided", "approved",
                                            "rejected", "redacted", "appealed", "reinstated")] == \
        ["4", "6", "3", "1", "3", "4", "1", "2", "1", "3", "1"]
    assert figure(html, "median") == "3 hours"
    assert "<caption>" in html and 'scope="col"' in html and 'scope="row"' in html
    assert "style=" not in html.split('<main', 1)[1] and "<script>" not in html
    assert_no_personal_data(html, people)


def test_the_public_page_in_persian_has_persian_digits(fa, people):
    page = factories.consultation(fa)
    comments = [factories.comment(page, people["author"], text=f"{SECRET_TEXT} {n}") for n in range(12)]
    for item in comments:
        Flag.objects.create(item_type="comment", item_id=item.pk, page=page, flagger=people["flaggers"][0],
                            reason="spam", note=FLAG_NOTE)
        decided(open_case(page, item, ["spam"], flags=1), by=people["moderator"], outcome=Outcome.REJECTED,
                reason="spam", took=2 * DAY, at=NOW)
    response = client_for(None, "fa").get(f"/fa/moderation/transparency/{page.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert figure(html, "flagged") == "۱۲" and figure(html, "rejected") == "۱۲"
    assert "۲" in figure(html, "median") and "2" not in figure(html, "median")
    assert 'dir="rtl"' in html
    assert_no_personal_data(html, people)


def test_the_consultation_page_links_to_its_report(en):
    page = factories.consultation(en)
    assert f"/en/moderation/transparency/{page.pk}/" in Client().get(page.url).content.decode()


def test_only_published_consultations_and_roundtables_have_a_report(en):
    hidden = factories.consultation(en, live=False)
    roundtable = factories.roundtable(en)
    for page_id in (999_999, 2**40, hidden.pk, en.pk):
        assert Client().get(f"/en/moderation/transparency/{page_id}/").status_code == 404
        api = Client().get(f"/api/v1/pages/{page_id}/moderation-report/")
        assert api.status_code == 404 and api.json()["code"] == "not_found"
    assert Client().get(f"/en/moderation/transparency/{roundtable.pk}/").status_code == 200
    assert Client().get(f"/api/v1/pages/{roundtable.pk}/moderation-report/").status_code == 200


# --- the API -----------------------------------------------------------------------------------

def test_the_public_report_through_the_api(world, people):
    response = Client().get(f"/api/v1/pages/{world['page'].pk}/moderation-report/")
    assert response.status_code == 200
    body = response.json()
    expected = recount(world["page"].pk)
    assert body["page"] == world["page"].pk
    assert (body["flagged"]["items"], body["flagged"]["flags"]) == (expected["flagged_items"], expected["flags"])
    assert {r["code"]: (r["items"], r["flags"]) for r in body["flagged"]["by_reason"] if r["flags"]} == \
        expected["flags_by_reason"]
    assert body["held"]["count"] == expected["held"]
    assert {r["code"]: r["count"] for r in body["held"]["by_reason"]} == expected["held_by_reason"]
    assert (body["hidden_by_flags"], body["pending"], body["escalated"], body["decided"], body["approved"]) == (
        1, 2, 1, 4, 1)
    assert body["rejected"]["count"] == 2 and body["redacted"]["count"] == 1
    assert {r["code"]: r["count"] for r in body["rejected"]["by_reason"] if r["count"]} == {"spam": 1, "abuse": 1}
    assert body["appeals"] | {"by_reason": None} == {"count": 3, "pending": 1, "upheld": 1, "reinstated": 1,
                                                     "by_reason": None}
    assert body["median_decision_seconds"] == 3 * 3600
    text = response.content.decode()
    assert_no_personal_data(text, people)
    assert not re.search(r'"(user|author|flagger|appellant|decided_by|item_id|id)"', text)


def test_the_statistics_through_the_api(world, people):
    body = client_for(people["moderator"]).get("/api/v1/moderation/statistics/").json()
    assert (body["decided_last_7_days"], body["decided_last_30_days"]) == (1, 2)
    assert (body["appeals_received"], body["appeals_reinstated"]) == (2, 1)
    assert (body["pending"], body["escalated"], body["appeals_pending"]) == (3, 1, 1)
    assert_waited(body["oldest_pending_seconds"], since=NOW - 5 * HOUR)
    assert 65 * 60 - 1 <= body["median_decision_seconds"] <= 65 * 60 + 1


# --- who sees the statistics -------------------------------------------------------------------

@pytest.mark.parametrize("role, allowed", [("citizen", False), ("official", False), ("editor", False),
                                           ("moderator", True), ("admin", True)])
def test_only_moderators_see_their_statistics(world, people, role, allowed):
    client = client_for(people[role])
    page = client.get("/en/moderation/statistics/")
    assert page.status_code == (200 if allowed else 403)
    api = client.get("/api/v1/moderation/statistics/")
    assert api.status_code == (200 if allowed else 403)
    if allowed:
        assert "My moderation statistics" in page.content.decode()
    else:
        assert api.json()["code"] == "permission_denied" and api.json()["message"]


def test_anonymous_visitors_are_sent_to_sign_in_for_statistics(world):
    response = Client().get("/en/moderation/statistics/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert Client().get("/api/v1/moderation/statistics/").status_code in (401, 403)


def test_a_moderator_of_one_page_sees_that_pages_queue(world, people):
    ModeratorAssignment.objects.create(page=world["other"], user=people["citizen"])
    client = client_for(people["citizen"])
    body = client.get("/api/v1/moderation/statistics/").json()
    assert (body["pending"], body["escalated"], body["appeals_pending"]) == (1, 0, 0)
    assert_waited(body["oldest_pending_seconds"], since=NOW - 5 * HOUR)
    html = client.get("/en/moderation/statistics/").content.decode()
    assert figure(html, "pending") == "1"


def test_the_statistics_page_in_persian(world, people):
    html = client_for(people["moderator"], "fa").get("/fa/moderation/statistics/").content.decode()
    assert figure(html, "month") == "۲" and figure(html, "pending") == "۳"
    assert "۶۵" in figure(html, "median")


def test_the_queue_links_to_the_statistics(people):
    assert "/en/moderation/statistics/" in client_for(people["moderator"]).get("/en/moderation/").content.decode()


# --- cost --------------------------------------------------------------------------------------

@pytest.mark.parametrize("count", [3, 40])
def test_the_reports_cost_the_same_few_queries_however_many_cases(en, people, count,
                                                                  django_assert_max_num_queries):
    page = factories.consultation(en)
    for n in range(count):
        item = factories.comment(page, people["author"], text=f"c{n}")
        Flag.objects.create(item_type="comment", item_id=item.pk, page=page, flagger=people["citizen"],
                            reason="spam")
        case = open_case(page, item, ["spam", "links"], flags=1)
        if n % 2:
            decided(case, by=people["moderator"], outcome=Outcome.REJECTED, reason="spam", took=n * HOUR, at=NOW)
            appeal(case, people["author"], outcome=AppealOutcome.REINSTATED if n % 4 == 1 else "")
    anonymous, moderator = Client(), client_for(people["moderator"])
    with django_assert_max_num_queries(3):  # flags, cases with appeals, the median's middle rows
        assert transparency.page_report(page.pk).decided == count // 2
    with django_assert_max_num_queries(2):  # cases with appeals, the median's middle rows
        transparency.moderator_report(people["moderator"])
    with django_assert_max_num_queries(8):  # and the page, the session, the user
        assert anonymous.get(f"/api/v1/pages/{page.pk}/moderation-report/").status_code == 200
    with django_assert_max_num_queries(8):
        assert moderator.get("/api/v1/moderation/statistics/").status_code == 200
    with django_assert_max_num_queries(16):  # the page frame (site, menus, settings) included
        assert anonymous.get(f"/en/moderation/transparency/{page.pk}/").status_code == 200
    with django_assert_max_num_queries(16):
        assert moderator.get("/en/moderation/statistics/").status_code == 200
