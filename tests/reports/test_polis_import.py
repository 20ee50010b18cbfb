"""Importing Pol.is exports: what is stored equals an independent recount of the files, our opinion
groups agree with Pol.is's own on the imported data, bad input stores nothing, and only editors
and admins may import through the admin.

The real conversations are read from ../shared/data/polis (CC BY 4.0, The Computational
Democracy Project); the tests that need them skip when it is absent. Nothing is copied into the repo.
"""

import csv
import io
import time
import zipfile
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.db.models import Count, Q
from sklearn.metrics import adjusted_rand_score

from consult.models import Profile, RoundtablePage, RoundtableState, Statement, StatementStatus
from consult.models.contributions import STATEMENT_MAX_CHARS
from reports import polis_import as importer
from reports.analysis import compute_groups
from reports.models import ExternalParticipant
from reports.polis_import import ATTRIBUTION, PolisImportError, polis_import, shorten, unpack_export_zip
from tests import factories
from tests.web import client_for
from voting.models import StatementVote

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """The service's messages are checked in English (outside a request the site default, Persian, is active)."""
    from django.utils import translation

    with translation.override("en"):
        yield

POLIS_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "polis"  # ../shared beside the checkout
SEATTLE, VTAIWAN = "15-per-hour-seattle", "vtaiwan.uberx"
ADMIN_URL = "/admin/reports/import-polis/"

# Import times seen by the tests, printed at the end of the module (pytest -s) for the record.
TIMINGS: dict[str, float] = {}


def polis_dir(name: str) -> Path:
    directory = POLIS_DATA / name
    if not directory.is_dir():
        pytest.skip(f"Pol.is open data not found at {directory}")
    return directory


@pytest.fixture
def editor(db):
    from django.contrib.auth.models import Group, Permission

    user = factories.participant("Ed", roles=["editor"], is_staff=True)
    Group.objects.get(name="editor").permissions.add(Permission.objects.get(codename="access_admin"))
    return user


# --- Independent readings of the files (plain csv, not reports.polis_export) -------------------------


def recount_votes(directory: Path) -> dict[tuple[int, int], int]:
    """{(voter, comment): value}, the latest row per pair by millisecond timestamp (ties: later row)."""
    latest: dict[tuple[int, int], tuple[int, int]] = {}
    with (directory / "votes.csv").open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            key = (int(row["voter-id"]), int(row["comment-id"]))
            stamp, value = int(row["timestamp"]), int(float(row["vote"]))
            if key not in latest or stamp >= latest[key][0]:
                latest[key] = (stamp, value)
    return {key: value for key, (_stamp, value) in latest.items()}


def comment_rows(directory: Path) -> list[dict]:
    with (directory / "comments.csv").open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def polis_groups(directory: Path) -> dict[int, int]:
    with (directory / "participants-votes.csv").open(encoding="utf-8-sig", newline="") as handle:
        return {int(row["participant"]): int(row["group-id"]) for row in csv.DictReader(handle)
                if row["group-id"].strip()}


def stored_votes(page, directory: Path) -> dict[tuple[int, int], int]:
    """The page's votes as {(Pol.is participant, Pol.is comment): value}. Statements were written in
    comments.csv order, so their pk order gives back the comment ids (checked against the texts)."""
    comments = comment_rows(directory)
    statements = list(Statement.objects.filter(page=page).order_by("pk"))
    assert [s.text for s in statements] == [shorten(row["comment-body"]) for row in comments]
    ids = {s.pk: int(row["comment-id"]) for s, row in zip(statements, comments, strict=True)}
    external = dict(ExternalParticipant.objects.filter(user__statement_votes__statement__page=page)
                    .values_list("user_id", "external_id").distinct())
    return {(int(external[voter]), ids[statement]): value for voter, statement, value in
            StatementVote.objects.filter(statement__page=page).values_list("voter_id", "statement_id", "value")}


def timed_import(name: str, **kwargs):
    started = time.perf_counter()
    result = polis_import(directory=polis_dir(name), **kwargs)
    TIMINGS[name] = time.perf_counter() - started
    return result


@pytest.fixture(scope="module", autouse=True)
def _report_timings():
    yield
    if TIMINGS:
        print("\nPol.is import seconds:", {name: round(seconds, 2) for name, seconds in TIMINGS.items()})


# --- The seattle conversation, recounted --------------------------------------------------------------


def test_seattle_import_equals_a_recount_of_the_files(en):
    directory = polis_dir(SEATTLE)
    result = timed_import(SEATTLE, language="en")
    page = result.page
    comments = comment_rows(directory)
    recount = recount_votes(directory)

    # The page: an ended roundtable under the English index, dated by the data, licence kept.
    assert isinstance(page, RoundtablePage) and page.live and page.state == RoundtableState.ENDED
    assert page.get_parent().pk == en.pk and page.locale_id == en.locale_id
    assert page.title == "$15/hour" and page.slug == "polis-15-per-hour-seattle"
    assert ATTRIBUTION in page.summary and "How do you think the new minimum wage law" in page.summary
    with (directory / "votes.csv").open(encoding="utf-8") as handle:
        vote_stamps = [int(row["timestamp"]) for row in csv.DictReader(handle)]
    stamps = vote_stamps + [int(row["timestamp"]) for row in comments]
    assert page.starts_at.timestamp() * 1000 == pytest.approx(min(stamps), abs=1)
    assert page.ends_at.timestamp() * 1000 == pytest.approx(max(stamps), abs=1)

    # Statements: one per comment, rejected ones stored as rejected, long ones cut and noted.
    statements = Statement.objects.filter(page=page)
    assert result.statements == statements.count() == len(comments)
    rejected = sum(row["moderated"] == "-1" for row in comments)
    assert rejected > 0 and result.rejected == rejected
    assert statements.filter(status=StatementStatus.REJECTED).count() == rejected
    assert statements.filter(status=StatementStatus.PUBLISHED).count() == len(comments) - rejected
    assert not statements.filter(author__isnull=False).exists()
    long = [row for row in comments if len(" ".join(row["comment-body"].split())) > STATEMENT_MAX_CHARS]
    assert long and result.truncated == [int(row["comment-id"]) for row in long]
    assert all(len(s.text) <= STATEMENT_MAX_CHARS for s in statements)
    assert any("shortened" in note for note in result.notes)

    # Votes: exactly the latest vote per pair, re-votes resolved.
    with (directory / "votes.csv").open(encoding="utf-8") as handle:
        assert sum(1 for _row in handle) - 1 > len(recount)  # the file has re-votes
    assert result.votes == len(recount) == StatementVote.objects.filter(statement__page=page).count()
    assert stored_votes(page, directory) == recount

    # Tallies equal the vote rows (not comments.csv's own counts).
    counted = statements.annotate(
        agree=Count("votes", filter=Q(votes__value=1)), disagree=Count("votes", filter=Q(votes__value=-1)),
        passed=Count("votes", filter=Q(votes__value=0)))
    for statement in counted:
        assert (statement.agree_count, statement.disagree_count, statement.pass_count) == (
            statement.agree, statement.disagree, statement.passed)

    # Participants: every voter has an inactive, password-less, e-mail-less user with its Pol.is id.
    voters = {voter for voter, _comment in recount}
    links = ExternalParticipant.objects.filter(source=f"polis:{SEATTLE}")
    assert result.participants == result.new_participants == len(voters) == links.count()
    assert {int(external) for external in links.values_list("external_id", flat=True)} == voters
    users = get_user_model().objects.filter(external_id__in=links)
    assert not users.filter(is_active=True).exists() and not users.exclude(email="").exists()
    assert not any(user.has_usable_password() for user in users)
    assert not Profile.objects.filter(user__in=users).exists()
    assert all(len(user.username) <= 150 and user.username.startswith("polis-15-per-hour-seattle-")
               for user in users)


def test_reimporting_the_same_export_makes_a_new_roundtable_with_the_same_people(en):
    first = polis_import(directory=polis_dir(SEATTLE))
    users = get_user_model().objects.count()
    second = polis_import(directory=polis_dir(SEATTLE), title="Seattle, again")
    assert second.page.pk != first.page.pk and second.page.slug == "polis-15-per-hour-seattle-2"
    assert second.page.title == "Seattle, again"
    assert get_user_model().objects.count() == users  # the users of that source are reused
    assert second.new_participants == 0 and second.participants == first.participants
    assert ExternalParticipant.objects.count() == first.participants
    assert stored_votes(second.page, polis_dir(SEATTLE)) == stored_votes(first.page, polis_dir(SEATTLE))
    assert any("reused" in note for note in second.notes)


def test_an_export_without_votes_csv_takes_the_matrix(en, tmp_path):
    source = polis_dir(SEATTLE)
    directory = tmp_path / "seattle-matrix"
    directory.mkdir()
    for name in ("comments.csv", "participants-votes.csv", "summary.csv"):
        (directory / name).write_bytes((source / name).read_bytes())
    result = polis_import(directory=directory, language="fa")
    assert result.page.get_parent().specific.locale.language_code == "fa"
    assert result.votes == len(recount_votes(source))
    assert result.source == "polis:seattle-matrix"
    assert not StatementVote.objects.filter(statement__page=result.page).exclude(
        created_at=result.page.ends_at).exists()  # no times in the matrix: dated at the end
    assert any("participants-votes.csv" in note for note in result.notes)


# --- End to end: our groups against Pol.is's ----------------------------------------------------------


@pytest.mark.parametrize(("name", "minimum_ari"), [
    (SEATTLE, 0.85),
    # SLOW-ISH: vTaiwan is 1,921 participants and 49,443 votes; import and grouping take seconds.
    pytest.param(VTAIWAN, 0.80, id="vtaiwan-uberx-49k-votes"),
])
def test_groups_of_the_imported_conversation_agree_with_polis(en, name, minimum_ari):
    directory = polis_dir(name)
    result = timed_import(name)
    if name == VTAIWAN:
        assert result.votes == 49_443 and result.participants == 1921 and result.rejected == 78
        assert TIMINGS[name] < 20, f"importing vTaiwan took {TIMINGS[name]:.1f} s"
    analysis = compute_groups(result.page.pk)
    groups = analysis.result
    external = dict(ExternalParticipant.objects.filter(source=result.source).values_list("user_id", "external_id"))
    ours = {int(external[user]): group for user, _x, _y, group in groups["points"]}
    theirs = polis_groups(directory)
    common = sorted(set(ours) & set(theirs))
    assert len(common) >= 0.95 * len(theirs)
    ari = adjusted_rand_score([theirs[p] for p in common], [ours[p] for p in common])
    print(f"\n{name}: k={groups['k']} ARI={ari:.3f} over {len(common)} participants")
    assert groups["k"] == len(set(theirs.values()))
    assert ari >= minimum_ari


def test_opinion_groups_command_prints_the_polis_ids(en):
    result = polis_import(directory=polis_dir(SEATTLE))
    out = io.StringIO()
    call_command("opinion_groups", str(result.page.pk), "--format", "csv", stdout=out)
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows[0] == ["external_id", "group"]
    voters = {str(voter) for voter, _comment in recount_votes(polis_dir(SEATTLE))}
    printed = {external for external, _group in rows[1:]}
    assert printed and printed <= voters  # every row is a Pol.is participant id, none "user:<pk>"
    assert len(printed) == len(rows) - 1
    assert {group for _external, group in rows[1:]} == {"0", "1"}


# --- The management command ---------------------------------------------------------------------------


def test_the_command_prints_what_it_imported_and_the_groups(en):
    out = io.StringIO()
    call_command("import_polis", str(polis_dir(SEATTLE)), "--language", "en", "--groups", stdout=out)
    page = RoundtablePage.objects.get()
    text = out.getvalue()
    assert f"page {page.pk}" in text and "/en/" in text
    rejected = Statement.objects.filter(status=StatementStatus.REJECTED).count()
    assert f"statements: {Statement.objects.count()} ({rejected} rejected)" in text
    assert f"votes: {StatementVote.objects.count()}" in text
    assert "opinion groups: k=2" in text


def test_the_command_publishes_under_a_given_parent(en, fa):
    out = io.StringIO()
    call_command("import_polis", str(polis_dir(SEATTLE)), "--parent", str(fa.pk), "--title", "Seattle", stdout=out)
    page = RoundtablePage.objects.get()
    assert page.get_parent().pk == fa.pk and page.title == "Seattle"
    with pytest.raises(CommandError, match="not a consultation index page"):
        call_command("import_polis", str(polis_dir(SEATTLE)), "--parent", str(page.pk), stdout=io.StringIO())
    with pytest.raises(CommandError, match="No page with id 999999"):
        call_command("import_polis", str(polis_dir(SEATTLE)), "--parent", "999999", stdout=io.StringIO())
    assert RoundtablePage.objects.count() == 1


def nothing_stored(users_before: int) -> bool:
    return (not RoundtablePage.objects.exists() and not Statement.objects.exists()
            and not ExternalParticipant.objects.exists() and get_user_model().objects.count() == users_before)


def test_a_missing_directory_is_a_clear_error_and_stores_nothing(en, tmp_path):
    users = get_user_model().objects.count()
    with pytest.raises(CommandError, match=r"nowhere: not a directory; give the folder that holds comments\.csv"):
        call_command("import_polis", str(tmp_path / "nowhere"), stdout=io.StringIO())
    assert nothing_stored(users)


def test_a_missing_comments_file_is_a_clear_error_and_stores_nothing(en, tmp_path):
    (tmp_path / "votes.csv").write_bytes((polis_dir(SEATTLE) / "votes.csv").read_bytes())
    users = get_user_model().objects.count()
    with pytest.raises(CommandError, match=r"comments\.csv: missing\. A Pol\.is export needs comments\.csv"):
        call_command("import_polis", str(tmp_path), stdout=io.StringIO())
    assert nothing_stored(users)


def test_a_failure_half_way_rolls_everything_back(en, monkeypatch):
    users = get_user_model().objects.count()

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(StatementVote.objects, "bulk_create", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        polis_import(directory=polis_dir(SEATTLE))
    assert nothing_stored(users)


def test_only_editors_and_admins_may_import_as_themselves(en):
    citizen = factories.participant("Cit", roles=["citizen"])
    with pytest.raises(PermissionDenied):
        polis_import(actor=citizen, directory=polis_dir(SEATTLE))
    admin = factories.participant("Adm", roles=["admin"])
    assert polis_import(actor=admin, directory=polis_dir(SEATTLE)).page.live


def test_an_unknown_language_is_refused(en):
    with pytest.raises(PolisImportError, match="Unknown language"):
        polis_import(directory=polis_dir(SEATTLE), language="de")


# --- Shortening statements ----------------------------------------------------------------------------


def test_long_text_is_cut_at_a_word_with_an_ellipsis():
    text = "word " * 100
    short = shorten(text)
    assert len(short) <= STATEMENT_MAX_CHARS and short.endswith("word…")
    assert shorten("  short\n text ") == "short text"


def test_text_without_spaces_is_not_cut_inside_a_character():
    # "x" + combining acute (no precomposed form, so NFC keeps two code points): a cut may only fall
    # before an "x".
    text = "x\u0301" * 200
    short = shorten(text)
    assert len(short) <= STATEMENT_MAX_CHARS and short.endswith("\u0301…")
    chinese = "我覺得" * 120
    assert len(shorten(chinese)) == STATEMENT_MAX_CHARS
    persian = "می\u200cخواهم" * 60  # ZWNJ inside words
    assert not shorten(persian)[:-1].endswith("\u200c")


# --- Zip uploads --------------------------------------------------------------------------------------


def make_zip(path: Path, files: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return path


def seattle_files(folder: str = "") -> dict[str, bytes]:
    source = polis_dir(SEATTLE)
    prefix = f"{folder}/" if folder else ""
    return {f"{prefix}{name}": (source / name).read_bytes()
            for name in ("comments.csv", "votes.csv", "participants-votes.csv", "summary.csv")}


@pytest.mark.parametrize(("names", "message"), [
    (["../evil.csv"], "outside its folder"),
    (["/etc/comments.csv"], "outside its folder"),
    (["a/../../comments.csv"], "outside its folder"),
    (["C:\\comments.csv"], "outside its folder"),
    (["comments.csv", "notes.txt"], "not a file of a Pol.is export"),
    (["a/b/comments.csv"], "not a file of a Pol.is export"),
    (["a/comments.csv", "b/votes.csv"], "one folder"),
    (["votes.csv"], "no comments.csv"),
])
def test_unsafe_or_foreign_zip_members_are_refused(tmp_path, names, message):
    archive = make_zip(tmp_path / "x.zip", dict.fromkeys(names, b"x"))
    with archive.open("rb") as handle, pytest.raises(PolisImportError, match=message):
        unpack_export_zip(handle, tmp_path / "out")
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").rglob("*.csv"))


def test_a_zip_bomb_is_stopped_by_the_uncompressed_size(tmp_path, monkeypatch):
    monkeypatch.setattr(importer, "MAX_UNCOMPRESSED_BYTES", 1000)
    archive = make_zip(tmp_path / "bomb.zip", {"comments.csv": b"0" * 100_000})
    with archive.open("rb") as handle, pytest.raises(PolisImportError, match="once uncompressed"):
        unpack_export_zip(handle, tmp_path / "out")


def test_a_zipped_folder_names_the_source(tmp_path):
    archive = make_zip(tmp_path / "upload.zip", seattle_files(SEATTLE))
    with archive.open("rb") as handle:
        directory = unpack_export_zip(handle, tmp_path / "out")
    assert directory.name == SEATTLE
    assert sorted(p.name for p in directory.iterdir()) == [
        "comments.csv", "participants-votes.csv", "summary.csv", "votes.csv"]


# --- The Wagtail admin form ---------------------------------------------------------------------------


def upload(client, path: Path, **fields):
    with path.open("rb") as handle:
        return client.post(ADMIN_URL, {"export": handle, "language": "en", **fields})


def test_an_editor_imports_a_zip_in_the_admin(en, editor, tmp_path):
    client = client_for(editor)
    form = client.get(ADMIN_URL)
    assert form.status_code == 200 and 'enctype="multipart/form-data"' in form.content.decode()
    assert ADMIN_URL in client.get("/admin/").content.decode()  # the menu item
    response = upload(client, make_zip(tmp_path / "seattle.zip", seattle_files()))
    assert response.status_code == 302
    page = RoundtablePage.objects.get()
    assert ExternalParticipant.objects.filter(source="polis:seattle").exists()  # named after the zip
    shown = client.get(response["Location"]).content.decode()
    assert "Imported" in shown and f"/admin/pages/{page.pk}/edit/" in shown and page.url in shown


def test_the_admin_form_refuses_a_file_that_is_not_a_zip(en, editor, tmp_path):
    users = get_user_model().objects.count()
    not_zip = tmp_path / "comments.csv"
    not_zip.write_bytes((polis_dir(SEATTLE) / "comments.csv").read_bytes())
    response = upload(client_for(editor), not_zip)
    assert response.status_code == 200 and "This is not a zip file" in response.content.decode()
    assert nothing_stored(users)


def test_the_admin_form_refuses_a_zip_that_climbs_out(en, editor, tmp_path):
    users = get_user_model().objects.count()
    files = {**seattle_files(), "../evil.csv": b"owned"}
    response = upload(client_for(editor), make_zip(tmp_path / "evil.zip", files))
    assert response.status_code == 200 and "outside its folder" in response.content.decode()
    assert nothing_stored(users)
    assert not (tmp_path.parent / "evil.csv").exists()


def test_the_admin_form_shows_export_errors_without_temporary_paths(en, editor, tmp_path):
    files = seattle_files()
    files["votes.csv"] += b"1403054217000,x,0,9,7\n"
    response = upload(client_for(editor), make_zip(tmp_path / "broken.zip", files))
    body = response.content.decode()
    assert response.status_code == 200 and "broken/votes.csv, line" in body and "polis-upload-" not in body
    assert not RoundtablePage.objects.exists()


def test_people_who_are_not_editors_or_admins_cannot_import(en, tmp_path):
    from django.contrib.auth.models import Group, Permission

    # No admin access at all: Wagtail's own gate sends them to the admin login; our form never shows.
    citizen = factories.participant("Cit", roles=["citizen"])
    response = client_for(citizen).get(ADMIN_URL)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    # With admin access but not an editor or admin (an official someone let into the admin): 403.
    official = factories.participant("Off", roles=["official"], is_staff=True)
    Group.objects.get(name="official").permissions.add(Permission.objects.get(codename="access_admin"))
    client = client_for(official)
    assert client.get(ADMIN_URL).status_code == 403
    assert upload(client, make_zip(tmp_path / "seattle.zip", seattle_files())).status_code == 403
    assert ADMIN_URL not in client.get("/admin/").content.decode()  # no menu item
    assert not RoundtablePage.objects.exists()


def test_nothing_leaks_into_other_sources(en):
    """Two conversations keep separate people even when their participant ids overlap."""
    polis_import(directory=polis_dir(SEATTLE))
    polis_import(directory=polis_dir("brexit-consensus"))
    per_source = Counter(ExternalParticipant.objects.values_list("source", flat=True))
    assert set(per_source) == {f"polis:{SEATTLE}", "polis:brexit-consensus"}
    ids = defaultdict(set)
    for source, external in ExternalParticipant.objects.values_list("source", "external_id"):
        ids[source].add(external)
    assert ids[f"polis:{SEATTLE}"] & ids["polis:brexit-consensus"]  # overlapping ids, different users
    assert ExternalParticipant.objects.count() == sum(per_source.values())
