"""Open-data exports: every dataset parses in both formats and equals a recount (withdrawn and
hidden contributions left out), nothing personal leaks, pseudonyms are stable per consultation
and differ between consultations, per-group statement counts follow the stored groups, only
officials, editors and admins download, and the response streams with a fixed number of queries."""

import codecs
import csv
import io
import json
import re
from collections import Counter

import pytest
from asgiref.sync import async_to_sync
from django.http import StreamingHttpResponse
from django.test import AsyncRequestFactory

from consult.models import Comment, CommentStatus, Statement, StatementStatus
from reports import exports, views_exports
from reports.models import PageAnalysis
from tests import factories
from tests.web import client_for
from voting import services as voting_services
from voting.models import CommentVote, PollResponse, StatementVote

pytestmark = pytest.mark.django_db

POLLS = [
    {"type": "poll", "value": {"question": "Which day?", "kind": "single", "options": ["Mon", "Tue", "Wed"],
                               "allow_other": True, "scale_low_label": "", "scale_high_label": "",
                               "results": "after_answer"}},
    {"type": "poll", "value": {"question": "Which modes?", "kind": "multiple", "options": ["Bus", "Bike", "Car"],
                               "allow_other": False, "scale_low_label": "", "scale_high_label": "",
                               "results": "after_close"}},
    {"type": "poll", "value": {"question": "How happy?", "kind": "scale", "options": [], "allow_other": False,
                               "scale_low_label": "Not at all", "scale_high_label": "Very",
                               "results": "after_answer"}},
]
PERSIAN = "حمل‌ونقل عمومی باید رایگان باشد"
FORMULA = "=HYPERLINK(\"http://evil.example\",\"click\")"
SECRET_OTHER = "Call me on 0912 555 0101"
FIRST_ID = 7_310_000  # user ids that cannot be mistaken for another number in the files


_ids = iter(range(FIRST_ID, FIRST_ID + 100_000))


def person(name):
    return factories.participant(name, id=next(_ids))


def build(en, people=8, extra_comments=0):
    """A consultation with comments in every state, votes cast through the voting services (so the
    counters are the services'), statements in every state, poll answers and stored groups."""
    page = factories.consultation(en, polls=POLLS)
    first, second = page.section_list[0]["id"], page.section_list[1]["id"]
    citizens = [person(f"Zebulon Quixote {n}") for n in range(people)]
    published = [factories.comment(page, citizens[0], section_id=first, stance="support", text=PERSIAN),
                 factories.comment(page, citizens[1], section_id=first, stance="oppose", text=FORMULA),
                 factories.comment(page, citizens[2], section_id=second, stance="neutral"),
                 factories.comment(page, citizens[3], section_id="", stance="support", text="On the whole")]
    published += [factories.comment(page, citizens[n % people], text=f"More {n}") for n in range(extra_comments)]
    reply = factories.comment(page, citizens[2], parent=published[0], stance="", text="A reply")
    Comment.objects.filter(pk=published[0].pk).update(reply_count=1)
    withdrawn = factories.comment(page, citizens[4], status=CommentStatus.WITHDRAWN, text="Taken back")
    pending = factories.comment(page, citizens[4], status=CommentStatus.PENDING, text="Held text")
    rejected = factories.comment(page, citizens[5], status=CommentStatus.REJECTED, text="Rejected text")
    for voter in citizens[1:5]:
        voting_services.comment_vote_cast(actor=voter, comment=published[0], value=1)
    voting_services.comment_vote_cast(actor=citizens[0], comment=published[1], value=-1)
    voting_services.comment_vote_cast(actor=citizens[2], comment=published[1], value=1)
    for target in (withdrawn, pending, rejected):  # votes cast before it left the public page
        CommentVote.objects.create(comment=target, voter=citizens[6], value=1)
    seed = Statement.objects.get_or_create(page=page, seed_id="seed-1", defaults={"text": "Buses all night"})[0]
    added = Statement.objects.create(page=page, author=citizens[0], text="Trams instead")
    held = Statement.objects.create(page=page, author=citizens[1], text="Held statement", status="pending")
    refused = Statement.objects.create(page=page, author=citizens[1], text="Refused statement",
                                       status=StatementStatus.REJECTED)
    for voter, value in zip(citizens[:7], (1, 1, -1, 0, 1, -1, 1), strict=True):
        voting_services.statement_vote_cast(actor=voter, statement=seed, value=value)
    for voter, value in zip(citizens[2:6], (-1, -1, 0, 1), strict=True):
        voting_services.statement_vote_cast(actor=voter, statement=added, value=value)
    for target in (held, refused):
        StatementVote.objects.create(statement=target, voter=citizens[7], value=1)
    polls = {child.value["kind"]: str(child.id) for child in page.polls}
    for respondent, choices, other in ((citizens[0], [0], ""), (citizens[1], [2], ""), (citizens[2], [], SECRET_OTHER),
                                       (citizens[3], [0], "")):
        PollResponse.objects.create(page=page, poll_id=polls["single"], respondent=respondent, choices=choices,
                                    other_text=other)
    for respondent, choices in ((citizens[0], [0, 1]), (citizens[1], [1]), (citizens[2], [0, 1, 2])):
        PollResponse.objects.create(page=page, poll_id=polls["multiple"], respondent=respondent, choices=choices)
    for respondent, scale in ((citizens[0], 4), (citizens[1], 5), (citizens[2], 4)):
        PollResponse.objects.create(page=page, poll_id=polls["scale"], respondent=respondent, scale=scale)
    # citizens 0-2 in group 0, 3-5 in group 1; 6 and 7 voted but are in no group
    points = [[c.pk, round(0.1 * n, 4), round(-0.2 * n, 4), 0 if n < 3 else 1] for n, c in enumerate(citizens[:6])]
    PageAnalysis.objects.create(page=page, kind="groups", result={
        "basis": "statements", "k": 2, "n_participants": 8, "points": points,
        "groups": [{"index": 0, "size": 3}, {"index": 1, "size": 3}]})
    return page, citizens, [*published, reply]


def url(page, dataset, fmt, *, api=False):
    if api:
        return f"/api/v1/pages/{page.pk}/exports/{dataset}.{fmt}"
    return f"/en/reports/{page.pk}/export/{dataset}.{fmt}"


def download(client, page, dataset, fmt, *, api=False):
    response = client.get(url(page, dataset, fmt, api=api))
    assert response.status_code == 200, response.status_code
    assert isinstance(response, StreamingHttpResponse)
    return response, b"".join(response.streaming_content)


def _text(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def parse(body, fmt):
    """(meta or None, records as {column: text}) for either format, values compared as text."""
    if fmt == "csv":
        assert body.startswith(codecs.BOM_UTF8)
        rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"), newline="")))
        return None, [{key: value.removeprefix("'") if value.startswith("'=") else value
                       for key, value in row.items()} for row in rows]
    data = json.loads(body)
    assert data["count"] == len(data["records"])
    return data["meta"], [{key: _text(value) for key, value in record.items()} for record in data["records"]]


def fetch(client, page, dataset, fmt, *, api=False):
    return parse(download(client, page, dataset, fmt, api=api)[1], fmt)


# --- every dataset equals a recount ----------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_comments_equal_recounts(en, official, fmt):
    page, _citizens, public = build(en)
    meta, rows = fetch(client_for(official), page, "comments", fmt)
    expected = Comment.objects.filter(page=page, status=CommentStatus.PUBLISHED)
    assert {int(row["id"]) for row in rows} == {c.pk for c in public} == set(expected.values_list("pk", flat=True))
    sections = {s["id"]: s for s in page.section_list}
    for row in rows:
        comment = Comment.objects.get(pk=row["id"])
        votes = Counter(CommentVote.objects.filter(comment=comment).values_list("value", flat=True))
        assert (int(row["support"]), int(row["oppose"])) == (votes[1], votes[-1])
        assert int(row["replies"]) == Comment.objects.filter(parent=comment, status=CommentStatus.PUBLISHED).count()
        assert row["participant"] == exports.pseudonym(page.pk, comment.author_id)
        assert row["text"] == comment.body and row["stance"] == comment.stance
        assert row["section_id"] == comment.section_id and row["depth"] == str(comment.depth)
        assert row["parent_id"] == _text(comment.parent_id)
        assert row["created_at"] == comment.created_at.isoformat() and row["edited"] == "false"
        section = sections.get(comment.section_id)
        assert row["section_number"] == (str(section["number"]) if section else "")
        assert row["section_heading"] == (section["heading"] if section else "")
    assert any(row["text"] == PERSIAN for row in rows)
    if fmt == "json":
        assert meta["page"]["id"] == page.pk and meta["dataset"] == "comments"
        assert meta["excluded_counts"] == {"withdrawn": 1, "held_or_rejected": 2}
        assert any("withdrawn" in note for note in meta["excluded"]) and meta["licence"] and meta["generated_at"]
        assert [c["name"] for c in meta["columns"]] == list(rows[0])


def test_csv_cells_are_not_run_as_formulas(en, official):
    page, *_ = build(en)
    body = download(client_for(official), page, "comments", "csv")[1].decode("utf-8-sig")
    texts = [row["text"] for row in csv.DictReader(io.StringIO(body, newline=""))]
    assert "'" + FORMULA in texts and FORMULA not in texts
    records = json.loads(download(client_for(official), page, "comments", "json")[1])["records"]
    assert FORMULA in [r["text"] for r in records]  # JSON keeps the exact text


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_statements_equal_recounts_in_total_and_per_group(en, official, fmt):
    page, _citizens, _public = build(en)
    meta, rows = fetch(client_for(official), page, "statements", fmt)
    published = Statement.objects.filter(page=page, status=StatementStatus.PUBLISHED)
    assert {int(row["id"]) for row in rows} == set(published.values_list("pk", flat=True))
    groups = {user: group for user, _x, _y, group in PageAnalysis.objects.get(page=page).result["points"]}
    names = {1: "agree", -1: "disagree", 0: "pass"}
    for row in rows:
        statement = Statement.objects.get(pk=row["id"])
        votes = list(StatementVote.objects.filter(statement=statement).values_list("voter_id", "value"))
        totals = Counter(value for _voter, value in votes)
        assert [int(row[names[v]]) for v in (1, -1, 0)] == [totals[1], totals[-1], totals[0]]
        per_group = Counter((groups[voter], value) for voter, value in votes if voter in groups)
        for group in (0, 1):
            for value, name in names.items():
                assert int(row[f"{name}_g{group}"]) == per_group[(group, value)], (name, group)
        assert row["seed"] == _text(bool(statement.seed_id)) and row["text"] == statement.text
    seed_row = next(row for row in rows if row["seed"] == "true")
    # the seed: 7 votes, 6 of them from grouped people (citizen 6 counts in the totals only)
    assert sum(int(seed_row[k]) for k in ("agree", "disagree", "pass")) == 7
    assert sum(int(seed_row[f"{n}_g{g}"]) for n in names.values() for g in (0, 1)) == 6
    if fmt == "json":
        assert meta["groups"]["sizes"] == [{"group": 0, "size": 3}, {"group": 1, "size": 3}]


def test_statements_without_stored_groups_have_totals_only(en, official):
    page, *_ = build(en)
    PageAnalysis.objects.filter(page=page).delete()
    meta, rows = fetch(client_for(official), page, "statements", "json")
    assert rows and set(rows[0]) == {"id", "text", "seed", "created_at", "agree", "disagree", "pass"}
    assert meta["groups"]["sizes"] == [] and meta["groups"]["computed_at"] is None
    assert fetch(client_for(official), page, "groups", "csv")[1] == []


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_votes_equal_the_vote_rows_on_public_items(en, official, fmt):
    page, *_ = build(en)
    _meta, rows = fetch(client_for(official), page, "votes", fmt)
    expected = Counter()
    for voter, comment, value in CommentVote.objects.filter(
            comment__page=page, comment__status=CommentStatus.PUBLISHED).values_list("voter_id", "comment_id", "value"):
        expected[(exports.pseudonym(page.pk, voter), f"comment:{comment}", str(value))] += 1
    for voter, statement, value in StatementVote.objects.filter(
            statement__page_id=page.pk, statement__status=StatementStatus.PUBLISHED).values_list(
            "voter_id", "statement_id", "value"):
        expected[(exports.pseudonym(page.pk, voter), f"statement:{statement}", str(value))] += 1
    assert Counter((row["participant"], row["target"], row["value"]) for row in rows) == expected
    assert len(rows) == 6 + 11  # the votes on withdrawn, held and rejected items are left out
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT[\d:.]+\+00:00", row["created_at"]) for row in rows)


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_polls_are_counts_only(en, official, fmt):
    page, *_ = build(en)
    _meta, rows = fetch(client_for(official), page, "polls", fmt)
    polls = {child.value["kind"]: child for child in page.polls}
    counted = {(row["poll_id"], row["answer"]): int(row["count"]) for row in rows}
    responses = PollResponse.objects.filter(page=page)
    for kind, child in polls.items():
        mine = responses.filter(poll_id=str(child.id))
        assert {row["respondents"] for row in rows if row["poll_id"] == str(child.id)} == {str(mine.count())}
        if kind == "scale":
            scales = Counter(mine.values_list("scale", flat=True))
            assert {value: counted[(str(child.id), str(value))] for value in range(1, 6)} == {
                value: scales[value] for value in range(1, 6)}
            continue
        chosen = Counter(index for choices in mine.values_list("choices", flat=True) for index in choices)
        for index, label in enumerate(child.value["options"]):
            assert counted[(str(child.id), str(index))] == chosen[index]
            assert next(r["label"] for r in rows if r["poll_id"] == str(child.id) and r["answer"] == str(index)) \
                == label
        if kind == "single":
            assert counted[(str(child.id), "other")] == mine.exclude(other_text="").count() == 1
        else:
            assert (str(child.id), "other") not in counted


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_groups_are_the_stored_points(en, official, fmt):
    page, citizens, _public = build(en)
    meta, rows = fetch(client_for(official), page, "groups", fmt)
    assert [(row["participant"], row["group"]) for row in rows] == [
        (exports.pseudonym(page.pk, c.pk), "0" if n < 3 else "1") for n, c in enumerate(citizens[:6])]
    assert float(rows[4]["x"]) == pytest.approx(0.4) and float(rows[4]["y"]) == pytest.approx(-0.8)
    if fmt == "json":
        assert meta["groups"]["sizes"] == [{"group": 0, "size": 3}, {"group": 1, "size": 3}]
        assert meta["groups"]["grouped"] == 6


# --- privacy --------------------------------------------------------------------------------------

def test_nothing_personal_in_any_file(en, official):
    page, citizens, _public = build(en)
    client = client_for(official)
    secrets = [SECRET_OTHER, "Held text", "Rejected text", "Taken back", "Held statement", "Refused statement"]
    for user in citizens:
        secrets += [user.email, user.username, user.profile.display_name, str(user.pk)]
    for dataset in exports.DATASETS:
        for fmt in exports.FORMATS:
            for api in (False, True):
                body = download(client, page, dataset, fmt, api=api)[1]
                text = body.decode("utf-8-sig")
                leaked = [secret for secret in secrets if secret in text or secret.encode() in body]
                assert not leaked, (dataset, fmt, api, leaked)
                assert "@example.org" not in text


def test_pseudonyms_are_stable_and_differ_between_consultations(en, official):
    page, citizens, _public = build(en)
    client = client_for(official)
    first = [row["participant"] for row in fetch(client, page, "comments", "csv")[1]]
    again = [row["participant"] for row in fetch(client, page, "comments", "json")[1]]
    assert first == again and all(re.fullmatch(r"p-[0-9a-f]{16}", name) for name in first)
    other_page = factories.consultation(en)
    factories.comment(other_page, citizens[0], text="Elsewhere")
    elsewhere = fetch(client, other_page, "comments", "csv")[1][0]["participant"]
    here = exports.pseudonym(page.pk, citizens[0].pk)
    assert here in first and elsewhere == exports.pseudonym(other_page.pk, citizens[0].pk) != here
    votes = {row["participant"] for row in fetch(client, page, "votes", "csv")[1]}
    assert here in votes  # the files of one consultation join on the pseudonym


# --- who may download -----------------------------------------------------------------------------

@pytest.mark.parametrize("role, html, api", [(None, 302, (401, 403)), ("citizen", 403, (403,)),
                                             ("moderator", 403, (403,)), ("official", 200, (200,)),
                                             ("editor", 200, (200,)), ("admin", 200, (200,))])
def test_who_may_download(en, role, html, api):
    page = factories.consultation(en)
    user = factories.participant(roles=[role]) if role else None
    response = client_for(user).get(url(page, "comments", "csv"))
    assert response.status_code == html
    if html == 302:
        assert "/accounts/login/" in response["Location"] and "next=" in response["Location"]
    response = client_for(user).get(url(page, "votes", "json", api=True))
    assert response.status_code in api
    if api != (200,):
        assert set(response.json()) == {"code", "message", "fields"}
    else:
        assert response["Content-Type"] == "application/json"
        assert response["Content-Disposition"] == f'attachment; filename="consultation-{page.pk}-votes.json"'


def test_headers_and_file_names(en, official):
    page = factories.consultation(en)
    response = client_for(official).get(url(page, "comments", "csv"))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="consultation-{page.pk}-comments.csv"'
    assert "private" in response["Cache-Control"]
    response = client_for(official).get(url(page, "groups", "json"), HTTP_ACCEPT="text/csv")
    assert response["Content-Type"] == "application/json"
    response = client_for(official).get(url(page, "polls", "csv", api=True), HTTP_ACCEPT="text/csv")
    assert response.status_code == 200 and response["Content-Type"] == "text/csv; charset=utf-8"


@pytest.mark.parametrize("api", [False, True])
def test_unknown_page_dataset_or_format_is_404(en, official, api):
    page = factories.consultation(en)
    client = client_for(official)
    for path in (url(page, "passwords", "csv", api=api), url(page, "comments", "xlsx", api=api),
                 url(page, "comments", "csv", api=api).replace(str(page.pk), "999999")):
        response = client.get(path)
        assert response.status_code == 404, path
        if api:
            assert response.json()["code"] == "not_found"


def test_an_unauthorised_request_learns_nothing_about_pages(en):
    citizen = factories.participant(roles=["citizen"])
    assert client_for(citizen).get("/en/reports/999999/export/passwords.csv").status_code == 403


def test_a_roundtable_exports_its_statements(en, official):
    roundtable = factories.roundtable(en)
    Statement.objects.create(page=roundtable, text="Roundtable statement")
    client = client_for(official)
    rows = fetch(client, roundtable, "statements", "csv")[1]
    assert {(row["text"], row["seed"]) for row in rows} == {("Parks need more trees.", "true"),
                                                            ("Roundtable statement", "false")}
    assert fetch(client, roundtable, "comments", "json")[1] == []


# --- streaming ------------------------------------------------------------------------------------

@pytest.mark.parametrize("comments", [5, 50])
@pytest.mark.parametrize("dataset", ["comments", "votes", "statements"])
def test_queries_do_not_grow_with_rows(en, official, comments, dataset, django_assert_max_num_queries):
    page, *_ = build(en, extra_comments=comments)
    client = client_for(official)
    # session, user, roles, page (twice: generic, then specific), then per dataset: comments 2, votes 2,
    # statements 4 (the stored groups, the held count, the votes, the statements): 9 at most, at any size
    with django_assert_max_num_queries(9):
        response = client.get(url(page, dataset, "csv"))
        rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert isinstance(response, StreamingHttpResponse) and len(rows) > 1


def test_the_body_is_written_in_chunks_as_rows_are_read(en, official, monkeypatch):
    monkeypatch.setattr(exports, "CHUNK_CHARS", 200)
    page, *_ = build(en, extra_comments=30)
    response = client_for(official).get(url(page, "comments", "json"))
    chunks = iter(response.streaming_content)
    first = next(chunks)
    assert first.startswith(b'{"meta": ') and first.count(b'"participant":') <= 1  # the header, not the rows
    rest = list(chunks)
    assert len(rest) > 5
    assert len(json.loads(first + b"".join(rest))["records"]) == 35


def test_under_asgi_the_chunks_are_pulled_one_by_one(en, official):
    """Under ASGI a plain iterator would be collected whole before sending; the view hands an
    async iterator that pulls chunk after chunk in the request's thread instead."""
    page, *_ = build(en)
    request = AsyncRequestFactory().get(url(page, "comments", "csv"))
    request.user = official
    response = views_exports.export(request, page.pk, "comments", "csv")
    assert response.is_async

    async def collect():
        return [chunk async for chunk in response]

    body = b"".join(async_to_sync(collect)())
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"), newline="")))
    assert len(rows) == Comment.objects.filter(page=page, status=CommentStatus.PUBLISHED).count()


# --- the API schema and the dashboard block -------------------------------------------------------

def test_the_api_schema_describes_the_files():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    operation = schema["paths"]["/api/v1/pages/{page_id}/exports/{dataset}.{fmt}"]["get"]
    assert set(operation["responses"]["200"]["content"]) == {"text/csv", "application/json"}
    parameters = {p["name"]: p for p in operation["parameters"]}
    assert set(parameters["dataset"]["schema"]["enum"]) == set(exports.DATASETS)


def test_the_open_data_block_links_every_file(en, official):
    from django.template.loader import render_to_string

    page = factories.consultation(en)
    html = render_to_string("reports/includes/exports.html", {"page": page})
    for dataset in exports.DATASETS:
        for fmt in exports.FORMATS:
            assert f'href="/en/reports/{page.pk}/export/{dataset}.{fmt}"' in html
    assert "Open data" in html and "pseudonyms" in html


def test_nothing_personal_on_the_dashboard_the_print_view_or_the_report_api(en, official):
    """The officials' views name no participant: no e-mail, account name, display name or id
    (the dashboard quotes top comments, never who wrote them)."""
    page, citizens, _public = build(en)
    PageAnalysis.objects.filter(page=page).delete()  # build()'s stand-in groups lack what the dashboard shows
    client = client_for(official)
    secrets = [SECRET_OTHER, "Held text", "Rejected text", "Taken back", "Held statement", "Refused statement"]
    for user in citizens:
        secrets += [user.email, user.username, user.profile.display_name]
    for url in (f"/en/reports/{page.pk}/", f"/en/reports/{page.pk}/print/",
                f"/api/v1/consultations/{page.pk}/report/"):
        response = client.get(url)
        assert response.status_code == 200, url
        text = response.content.decode()
        leaked = [secret for secret in secrets if secret in text]
        assert not leaked, (url, leaked)
        assert "@example.org" not in text
