"""The record of a closed consultation: archiving freezes it (record.json, record.html,
manifest.json) under a digest the consultation page publishes; `verify_archive` accepts a true
copy and names the file at fault in a changed one; the record holds what the issue lists and
nothing personal; archiving again gives the same digest; anyone downloads it; the worker archives
closed consultations by itself."""

import datetime
import hashlib
import io
import itertools
import json
import re
import zipfile

import jdatetime
import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone
from wagtail.models import PageViewRestriction

from consult.models import Comment, CommentStatus, Statement
from consult.services import page_update_and_publish
from consult.services.responses import response_save
from frontend.templatetags.rayzan_format import JALALI_MONTHS, persian_digits
from moderation.models import Flag
from reports import archive, exports
from reports.models import ConsultationArchive, PageAnalysis
from reports.worker import ARCHIVE_EVERY_ROUNDS, Worker
from tests import factories
from tests.web import client_for
from voting import services as voting_services
from voting.models import PollResponse

pytestmark = pytest.mark.django_db

POLL = {"type": "poll", "value": {"question": "Which day?", "kind": "single", "options": ["Mon", "Tue"],
                                  "allow_other": True, "scale_low_label": "", "scale_high_label": "",
                                  "results": "after_close"}}
PERSIAN_TEXT = "حمل‌ونقل عمومی باید رایگان باشد"
_builds = itertools.count(1)


def close(page, *, amend=None):
    """Close the consultation through a published revision (amending the first section's text)."""
    now = timezone.now()
    fields = {"opens_at": now - datetime.timedelta(days=10), "closes_at": now - datetime.timedelta(hours=1)}
    if amend:
        first = page.sections[0]
        fields["sections"] = [{"type": "section", "id": first.id, "value": {"heading": first.value["heading"],
                                                                           "body": amend}},
                              *({"type": "section", "id": child.id,
                                 "value": {"heading": child.value["heading"], "body": child.value["body"].source}}
                                for child in list(page.sections)[1:])]
    return page_update_and_publish(page=page, fields=fields)


def build(parent, *, text="Keep the night buses running"):
    """A consultation that was amended once and then closed, with comments in every state, votes,
    a statement, a poll answer, stored opinion groups and two flags."""
    page = factories.consultation(parent, polls=[POLL])
    first, second = page.section_list[0]["id"], page.section_list[1]["id"]
    build_number = next(_builds)
    people = [factories.participant(f"Zebulon Quixote {build_number}-{n}") for n in range(6)]
    published = factories.comment(page, people[0], section_id=first, text=text)
    reply = factories.comment(page, people[1], parent=published, stance="", text="A reply")
    on_whole = factories.comment(page, people[2], section_id="", stance="oppose", text="On the whole, no")
    office = factories.participant(f"Office {build_number}")
    official_note = factories.comment(page, office, section_id=second, stance="", text="We are listening",
                                      is_official=True)
    withdrawn = factories.comment(page, people[3], status=CommentStatus.WITHDRAWN, text="Taken back words")
    factories.comment(page, people[3], status=CommentStatus.PENDING, text="Held words")
    factories.comment(page, people[4], status=CommentStatus.REJECTED, text="Rejected words")
    Comment.objects.filter(pk=published.pk).update(reply_count=1)
    for voter in people[1:4]:
        voting_services.comment_vote_cast(actor=voter, comment=published, value=1)
    statement = Statement.objects.create(page=page, text="Buses all night")
    for voter, value in zip(people, (1, 1, -1, 0, 1, -1), strict=True):
        voting_services.statement_vote_cast(actor=voter, statement=statement, value=value)
    Statement.objects.create(page=page, text="Held statement", status="pending")
    PollResponse.objects.create(page=page, poll_id=str(page.polls[0].id), respondent=people[0], choices=[1])
    PollResponse.objects.create(page=page, poll_id=str(page.polls[0].id), respondent=people[1], choices=[1])
    PageAnalysis.objects.create(page=page, kind="groups", result={
        "basis": "statements", "k": 2, "n_participants": 6, "n_grouped": 6, "n_statements": 1,
        "points": [[p.pk, 0.1 * n, -0.1 * n, 0 if n < 3 else 1] for n, p in enumerate(people)],
        "groups": [{"index": 0, "size": 3, "centre": [0.1, 0.1], "agrees": [], "disagrees": [],
                    "representative": [{"target": f"statement:{statement.pk}", "direction": "agree", "count": 2,
                                        "seen": 3, "probability": 0.6, "ratio": 2.0, "metric": 1.0}]},
                   {"index": 1, "size": 3, "centre": [-0.1, 0.0], "agrees": [], "disagrees": [],
                    "representative": []}],
        "consensus_agree": [], "consensus_disagree": [], "divisive": []})
    for flagger in people[4:6]:
        Flag.objects.create(item_type="comment", item_id=on_whole.pk, page=page, flagger=flagger, reason="spam")
    page = close(page, amend="<p>One, amended after the first week</p>")
    return page, {"people": people, "published": published, "reply": reply, "on_whole": on_whole,
                  "official": official_note, "withdrawn": withdrawn, "statement": statement}


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def archive_to(page, path) -> str:
    out = run("archive_consultation", str(page.pk), "--output", str(path))
    return re.search(r"SHA-256 ([0-9a-f]{64})", out).group(1)


def rewrite_zip(source, target, change):
    """Copy a zip file, passing each member's bytes through change(name, data) (None drops it)."""
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(target, "w") as copy:
        for info in original.infolist():
            data = change(info.filename, original.read(info))
            if data is not None:
                copy.writestr(info.filename, data)


def files_of(path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as bundle:
        return {name: bundle.read(name) for name in bundle.namelist()}


def flip_one_byte(data: bytes) -> bytes:
    at = data.index(b"Keep the night")
    return data[:at] + b"k" + data[at + 1:]


# --- the round trip ---------------------------------------------------------------------------------

def test_archive_verify_tamper_one_byte_verify_fails(en, tmp_path):
    page, _ = build(en)
    bundle = tmp_path / "record.zip"
    digest = archive_to(page, bundle)
    assert ConsultationArchive.objects.get(page=page).digest == digest
    assert sorted(files_of(bundle)) == ["manifest.json", "record.html", "record.json"]
    assert hashlib.sha256(files_of(bundle)["manifest.json"]).hexdigest() == digest

    out = run("verify_archive", str(bundle))  # the digest looked up in the database
    assert "The record verifies" in out and "record.json: matches" in out and "record.html: matches" in out
    assert "verifies" in run("verify_archive", str(bundle), "--digest", digest)

    tampered = tmp_path / "tampered.zip"
    rewrite_zip(bundle, tampered, lambda name, data: flip_one_byte(data) if name == "record.json" else data)
    with pytest.raises(CommandError) as failed:
        run("verify_archive", str(tampered), "--digest", digest)
    assert "record.json: its SHA-256 is" in str(failed.value)
    assert "record.html" not in str(failed.value) and "manifest.json" not in str(failed.value)


def test_a_directory_with_the_three_files_verifies(en, tmp_path):
    page, _ = build(en)
    digest = archive_to(page, tmp_path / "record")
    assert sorted(p.name for p in (tmp_path / "record").iterdir()) == ["manifest.json", "record.html", "record.json"]
    assert "verifies" in run("verify_archive", str(tmp_path / "record"), "--digest", digest)
    html = tmp_path / "record" / "record.html"
    html.write_bytes(html.read_bytes().replace(b"</body>", b"<p>added</p></body>"))
    with pytest.raises(CommandError, match=r"record\.html: \d+ bytes, the manifest says \d+"):
        run("verify_archive", str(tmp_path / "record"), "--digest", digest)


@pytest.mark.parametrize(("change", "named"), [
    (lambda name, data: data.replace(b'"size":', b'"size": ') if name == "manifest.json" else data,
     "manifest.json: its SHA-256 is"),  # a rewritten manifest no longer matches the published digest
    (lambda name, data: None if name == "record.html" else data, "record.html: listed in the manifest but missing"),
    (lambda name, data: None if name == "manifest.json" else data, "manifest.json: missing"),
])
def test_a_changed_manifest_or_a_missing_file_is_named(en, tmp_path, change, named):
    page, _ = build(en)
    digest = archive_to(page, tmp_path / "record.zip")
    rewrite_zip(tmp_path / "record.zip", tmp_path / "changed.zip", change)
    with pytest.raises(CommandError) as failed:
        run("verify_archive", str(tmp_path / "changed.zip"), "--digest", digest)
    assert named in str(failed.value)


def test_an_added_file_or_a_duplicate_member_fails(en, tmp_path):
    page, _ = build(en)
    digest = archive_to(page, tmp_path / "record.zip")
    with zipfile.ZipFile(tmp_path / "record.zip", "a") as bundle:
        bundle.writestr("extra.txt", b"not part of the record")
    with pytest.raises(CommandError, match=r"extra\.txt: in the zip file but not in the manifest"):
        run("verify_archive", str(tmp_path / "record.zip"), "--digest", digest)
    archive_to(page, tmp_path / "again.zip")
    with pytest.warns(UserWarning, match="Duplicate name"), zipfile.ZipFile(tmp_path / "again.zip", "a") as bundle:
        bundle.writestr("record.json", b"{}")  # a second record.json: a reader might take either
    with pytest.raises(CommandError, match=r"record\.json: appears more than once"):
        run("verify_archive", str(tmp_path / "again.zip"), "--digest", digest)


def test_a_self_consistent_copy_that_was_never_published_fails(en, tmp_path):
    page, _ = build(en)
    archive_to(page, tmp_path / "record.zip")
    ConsultationArchive.objects.all().delete()  # as if someone made this bundle themselves
    with pytest.raises(CommandError, match="is not a digest this site published"):
        run("verify_archive", str(tmp_path / "record.zip"))
    with pytest.raises(CommandError, match="not the published"):
        run("verify_archive", str(tmp_path / "record.zip"), "--digest", "0" * 64)


@pytest.mark.parametrize("args", [("--digest", "not-a-digest"), ("--digest", "a" * 63)])
def test_verify_refuses_a_malformed_digest(tmp_path, args):
    with pytest.raises(CommandError, match="64 hexadecimal digits"):
        run("verify_archive", str(tmp_path), *args)


def test_verify_refuses_what_is_not_a_bundle(tmp_path):
    (tmp_path / "notes.zip").write_bytes(b"plain text, not a zip")
    with pytest.raises(CommandError, match="not a readable zip file or directory"):
        run("verify_archive", str(tmp_path / "notes.zip"), "--digest", "0" * 64)
    with pytest.raises(CommandError, match="not a readable zip file or directory"):
        run("verify_archive", str(tmp_path / "missing.zip"), "--digest", "0" * 64)
    for manifest in (b"[1, 2]", archive.canonical_json({"files": [  # a name that points outside the copy
            {"name": "../../etc/passwd", "size": 1, "sha256": "0" * 64}, {"name": "record.html", "size": 1,
                                                                           "sha256": "0" * 64}]})):
        (tmp_path / "manifest.json").write_bytes(manifest)
        with pytest.raises(CommandError, match=r"manifest\.json: not a valid manifest"):
            run("verify_archive", str(tmp_path), "--digest", hashlib.sha256(manifest).hexdigest())


# --- what the record holds ------------------------------------------------------------------------

def test_the_record_holds_versions_comments_votes_polls_groups_moderation_and_response(en, official, tmp_path):
    page, made = build(en)
    first = page.section_list[0]["id"]
    response_save(actor=official, page=page, summary="We heard **you**.",
                  sections={first: {"body": "Line 12 keeps running.", "comments": [made["published"].pk]}},
                  publish=True)
    archive_to(page, tmp_path / "record.zip")
    files = files_of(tmp_path / "record.zip")
    record = json.loads(files["record.json"])
    assert files["record.json"] == archive.canonical_json(record)  # canonical: the bytes are reproducible

    assert record["consultation"]["id"] == page.pk and record["consultation"]["language"] == "en"
    assert record["closed_at"] == page.closes_at.astimezone(datetime.UTC).isoformat()
    texts = [v["sections"][0]["html"] for v in record["versions"]]
    assert texts[0] == "<p>One</p>" and "One, amended after the first week" in texts[1]
    assert texts[-1] == texts[1]  # the response was published through a revision too

    comments = {c["id"]: c for c in record["comments"]["items"]}
    assert set(comments) == {made[k].pk for k in ("published", "reply", "on_whole", "official", "withdrawn")}
    kept = comments[made["published"].pk]
    assert kept["participant"] == exports.pseudonym(page.pk, made["people"][0].pk)
    assert (kept["support"], kept["oppose"], kept["replies"], kept["stance"]) == (3, 0, 1, "support")
    assert comments[made["reply"].pk]["parent_id"] == made["published"].pk
    assert comments[made["on_whole"].pk]["section_id"] is None
    assert comments[made["official"].pk]["official"] is True
    assert comments[made["withdrawn"].pk] == {
        "id": made["withdrawn"].pk, "status": "withdrawn", "section_id": first, "parent_id": None, "depth": 0,
        "created_at": made["withdrawn"].created_at.astimezone(datetime.UTC).isoformat(), "replies": 0}
    assert record["comments"]["held_or_rejected"] == 2

    [statement] = record["statements"]["items"]
    assert (statement["agree"], statement["disagree"], statement["pass"]) == (3, 2, 1)
    assert (statement["agree_g0"], statement["disagree_g0"], statement["pass_g0"]) == (2, 1, 0)
    assert record["statements"]["held_or_rejected"] == 1
    [poll] = record["polls"]
    assert poll["respondents"] == 2 and [o["count"] for o in poll["options"]] == [0, 2]
    assert record["opinion_groups"]["k"] == 2 and "points" not in record["opinion_groups"]
    assert record["moderation"]["flagged"]["flags"] == 2
    response = record["official_response"]
    assert "<strong>you</strong>" in response["summary_html"]
    assert response["sections"][0]["comments"] == [made["published"].pk]

    everything = b"".join(files.values()).decode()
    for person in made["people"]:
        assert person.email not in everything and person.username not in everything
    assert "Zebulon" not in everything and "Taken back words" not in everything
    assert "Held words" not in everything and "Rejected words" not in everything and "Held statement" not in everything


def test_the_html_is_self_contained_readable_and_shows_the_records_sha(en, tmp_path):
    page, _ = build(en, text="Keep <script>alert(1)</script> buses <img src=https://evil.example/x.png>")
    archive_to(page, tmp_path / "record.zip")
    files = files_of(tmp_path / "record.zip")
    html = files["record.html"].decode()
    assert html.startswith("<!DOCTYPE html>") and '<html lang="en" dir="ltr">' in html and "<style>" in html
    for external in ("<script", "src=", "<link", "url(", "@import", "<iframe", "<img"):
        assert external not in html.lower()
    assert hashlib.sha256(files["record.json"]).hexdigest() in html
    assert page.title in html and "One, amended after the first week" in html
    assert "Withdrawn by its author." in html and "Official" in html and "Buses all night" in html
    assert "Which day?" in html and "Group A: 3 participants" in html


def test_a_persian_record_reads_right_to_left_with_jalali_dates(fa, tmp_path):
    page, _ = build(fa, text=PERSIAN_TEXT)
    archive_to(page, tmp_path / "record.zip")
    html = files_of(tmp_path / "record.zip")["record.html"].decode()
    assert '<html lang="fa" dir="rtl">' in html and PERSIAN_TEXT in html
    closes = timezone.localtime(page.closes_at)
    jalali = jdatetime.date.fromgregorian(date=closes.date())
    assert persian_digits(f"{jalali.day} {JALALI_MONTHS[jalali.month - 1]} {jalali.year}") in html


# --- archiving again ---------------------------------------------------------------------------------

def test_archiving_unchanged_content_gives_the_same_digest_and_a_change_keeps_the_old_record(en, official, tmp_path):
    page, _made = build(en)
    first_digest = archive_to(page, tmp_path / "one.zip")
    confirmed = ConsultationArchive.objects.get(page=page).confirmed_at
    assert "unchanged since it was archived" in run("archive_consultation", str(page.pk))
    assert archive_to(page, tmp_path / "two.zip") == first_digest
    assert files_of(tmp_path / "one.zip") == files_of(tmp_path / "two.zip")
    assert (tmp_path / "one.zip").read_bytes() == (tmp_path / "two.zip").read_bytes()  # even the zip
    stored = ConsultationArchive.objects.get(page=page)
    assert stored.digest == first_digest and stored.confirmed_at > confirmed

    response_save(actor=official, page=page, summary="We heard you.", sections={}, publish=True)
    second_digest = archive_to(page, tmp_path / "three.zip")
    assert second_digest != first_digest
    assert list(ConsultationArchive.objects.filter(page=page).values_list("digest", flat=True)) == [
        second_digest, first_digest]  # the current one first; the earlier one kept
    assert client_for(None).get(f"/en/reports/archive/{page.pk}/{first_digest}.zip").status_code == 200
    assert second_digest in client_for(None).get(page.url).content.decode()


def test_only_a_closed_published_consultation_is_archived(en, tmp_path):
    open_page = factories.consultation(en)
    with pytest.raises(CommandError, match="has closed"):
        run("archive_consultation", str(open_page.pk))
    draft = factories.consultation(en, status="closed", live=False)
    with pytest.raises(CommandError, match="has closed"):
        run("archive_consultation", str(draft.pk))
    with pytest.raises(CommandError, match="No consultation with page id 999999"):
        run("archive_consultation", "999999")
    with pytest.raises(CommandError, match="page id, or --due"):
        run("archive_consultation")
    with pytest.raises(CommandError, match="page id, or --due"):
        run("archive_consultation", str(open_page.pk), "--due")
    assert not ConsultationArchive.objects.exists()


def test_a_person_who_is_not_an_administrator_cannot_archive(en):
    page, _ = build(en)
    with pytest.raises(PermissionDenied):
        archive.archive_consultation(actor=factories.participant("Citizen"), page=page)
    admin = factories.participant("Admin", roles=["admin"])
    assert archive.archive_consultation(actor=admin, page=page)[1] is True


# --- on the consultation page, for download, in the API ----------------------------------------------

def test_the_consultation_page_publishes_the_digest_once_archived(en):
    page, _ = build(en)
    before = client_for(None).get(page.url).content.decode()
    assert "Record of this consultation" not in before
    stored, _created = archive.archive_consultation(page=page)
    body = client_for(None).get(page.url).content.decode()
    assert "Record of this consultation" in body and stored.digest in body
    assert f'href="/en/reports/archive/{page.pk}/{stored.digest}.zip"' in body and "how to check" in body
    open_page = factories.consultation(en)
    assert "Record of this consultation" not in client_for(None).get(open_page.url).content.decode()


def test_anyone_downloads_the_bundle_and_each_file(en, tmp_path):
    page, _ = build(en)
    stored, _created = archive.archive_consultation(page=page)
    client = client_for(None)
    response = client.get(f"/en/reports/archive/{page.pk}/{stored.digest}.zip")
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert "attachment" in response["Content-Disposition"] and "immutable" in response["Cache-Control"]
    (tmp_path / "download.zip").write_bytes(response.content)
    assert archive.verify_bundle(tmp_path / "download.zip", expected_digest=stored.digest).ok
    assert client.get(f"/en/reports/archive/{page.pk}/{stored.digest}.zip",
                      HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304

    html = client.get(f"/en/reports/archive/{page.pk}/{stored.digest}/record.html")
    assert html.status_code == 200 and html["Content-Type"].startswith("text/html")
    assert "sandbox" in html["Content-Security-Policy"] and "script-src" not in html["Content-Security-Policy"]
    record = client.get(f"/en/reports/archive/{page.pk}/{stored.digest}/record.json")
    assert record.status_code == 200 and record.content == stored.record.encode()
    manifest = client.get(f"/fa/reports/archive/{page.pk}/{stored.digest}/manifest.json")
    assert hashlib.sha256(manifest.content).hexdigest() == stored.digest


def test_bad_download_addresses_are_404_and_writes_405(en):
    page, _ = build(en)
    stored, _created = archive.archive_consultation(page=page)
    other, _ = build(en)
    other_record, _created = archive.archive_consultation(page=other)
    client = client_for(None)
    for address in (f"/en/reports/archive/{page.pk}/{'0' * 64}.zip",  # no such record
                    f"/en/reports/archive/{page.pk}/{stored.digest.upper()}.zip",  # not the digest's spelling
                    f"/en/reports/archive/{page.pk}/{stored.digest[:12]}.zip",
                    f"/en/reports/archive/{page.pk}/{other_record.digest}.zip",  # another consultation's record
                    f"/en/reports/archive/{page.pk}/{stored.digest}/secrets.txt",
                    f"/en/reports/archive/{page.pk}/{stored.digest}/..%2Fsettings.py",
                    f"/en/reports/archive/99999999999/{stored.digest}.zip"):
        assert client.get(address).status_code == 404, address
    assert client.post(f"/en/reports/archive/{page.pk}/{stored.digest}.zip").status_code == 405
    page.unpublish()
    assert client.get(f"/en/reports/archive/{page.pk}/{stored.digest}.zip").status_code == 404


def test_the_api_gives_the_digest_files_and_links(en):
    page, _ = build(en)
    client = client_for(None)
    empty = client.get(f"/api/v1/pages/{page.pk}/archive/").json()
    assert empty["current"] is None and empty["archives"] == [] and empty["status"] == "closed"
    stored, _created = archive.archive_consultation(page=page)
    data = client.get(f"/api/v1/pages/{page.pk}/archive/").json()
    current = data["current"]
    assert current["digest"] == stored.digest and data["archives"] == [current]
    assert [f["name"] for f in current["files"]] == ["record.html", "record.json"]
    assert current["files"][1]["sha256"] == hashlib.sha256(stored.record.encode()).hexdigest()
    assert current["links"]["zip"] == f"http://testserver/en/reports/archive/{page.pk}/{stored.digest}.zip"
    for link in current["links"].values():
        assert client.get(link).status_code == 200


def test_the_api_answers_404_for_what_is_not_a_published_consultation(en):
    roundtable = factories.roundtable(en)
    draft = factories.consultation(en, live=False)
    client = client_for(None, "fa")
    for page_id in (roundtable.pk, draft.pk, 99_999_999, 2**40):
        response = client.get(f"/api/v1/pages/{page_id}/archive/")
        assert response.status_code == 404 and response.json()["code"] == "not_found", page_id
    assert client.post(f"/api/v1/pages/{draft.pk}/archive/").status_code in {403, 405}


def test_the_api_schema_describes_the_archive():
    schema = Client().get("/api/v1/schema/?format=json").json()
    assert "/api/v1/pages/{page_id}/archive/" in schema["paths"]


# --- the worker ----------------------------------------------------------------------------------------

def test_the_worker_archives_closed_consultations_and_again_after_a_response(en, official):
    page, _ = build(en)
    still_open = factories.consultation(en)
    worker = Worker()
    assert worker.archive_closed() == [page.pk]
    assert not ConsultationArchive.objects.filter(page=still_open).exists()
    assert archive.due_page_ids() == []
    response_save(actor=official, page=page, summary="We heard you.", sections={}, publish=True)
    assert archive.due_page_ids() == [page.pk]
    assert all(worker.archive_closed() == [] for _ in range(ARCHIVE_EVERY_ROUNDS - 1))  # not every round
    assert worker.archive_closed() == [page.pk]
    assert ConsultationArchive.objects.filter(page=page).count() == 2
    assert archive.due_page_ids() == []
    assert Worker().archive_closed() == []  # a fresh worker finds nothing due


def test_a_consultation_restricted_to_some_readers_is_not_archived_by_the_worker(en):
    page, _ = build(en)
    PageViewRestriction.objects.create(page=page, restriction_type=PageViewRestriction.LOGIN)
    assert archive.due_page_ids() == [] and Worker().archive_closed() == []
