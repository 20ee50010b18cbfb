"""Opinion groups and campaigns end to end: votes arrive, the worker recomputes (at most once
every 5 s per page), the dashboard, the printable report, the API and the CSV command read the
stored result, and the live stream announces it."""

import datetime
import io
import json

import pytest
from django.core.management import call_command
from django.utils import timezone

from consult import events
from consult.models import Statement
from reports.models import AnalysisKind, PageAnalysis
from reports.worker import Worker
from tests import factories
from tests.web import client_for
from voting.models import CommentVote, StatementVote

pytestmark = pytest.mark.django_db


def two_camps(page, people=24, statements=10):
    """Camp A agrees with the first half of the statements and disagrees with the rest; camp B
    the opposite; everyone agrees with the last, common-ground statement."""
    texts = [f"Proposal {n}" for n in range(statements)] + ["Everyone wants safer streets"]
    rows = [Statement.objects.create(page=page, text=text) for text in texts]
    camps = {}
    votes = []
    for n in range(people):
        person = factories.participant(f"Voter {n}")
        camp = n % 2
        camps[person.pk] = camp
        for i, statement in enumerate(rows[:-1]):
            first_half = i < statements // 2
            votes.append(StatementVote(statement=statement, voter=person, value=1 if first_half == (camp == 0) else -1))
        votes.append(StatementVote(statement=rows[-1], voter=person, value=1))
    StatementVote.objects.bulk_create(votes)
    return rows, camps


def test_the_worker_finds_the_camps_and_the_pages_show_them(en, official):
    page = factories.consultation(en)
    rows, camps = two_camps(page)
    assert (AnalysisKind.OPINION_GROUPS, page.pk) in Worker().run_once()
    stored = PageAnalysis.objects.get(page=page, kind=AnalysisKind.OPINION_GROUPS)
    result = stored.result
    assert result["k"] == 2 and result["n_grouped"] == 24 and result["basis"] == "statements"
    found = {user: group for user, _x, _y, group in result["points"]}
    assert len({(camps[user], group) for user, group in found.items()}) == 2  # each camp is one group
    assert [c["target"] for c in result["consensus_agree"]][:1] == [f"statement:{rows[-1].pk}"]

    html = client_for(official).get(f"/en/reports/{page.pk}/").content.decode()
    assert "Group A: 12 participants" in html and "Group B: 12 participants" in html
    assert '<svg class="opinion-map"' in html and 'role="img"' in html
    assert "Everyone wants safer streets" in html.split("Common ground")[1]
    printable = client_for(official).get(f"/en/reports/{page.pk}/print/")
    assert printable.status_code == 200 and '<svg class="opinion-map"' in printable.content.decode()

    api = client_for(official).get(f"/api/v1/consultations/{page.pk}/report/").json()
    assert api["opinion_groups"]["result"]["k"] == 2 and "points" not in api["opinion_groups"]["result"]
    with_points = client_for(official).get(f"/api/v1/consultations/{page.pk}/report/?points=1").json()
    assert len(with_points["opinion_groups"]["result"]["points"]) == 24
    assert client_for(factories.participant()).get(f"/api/v1/consultations/{page.pk}/report/").status_code == 403


def test_recomputed_at_most_every_five_seconds_and_announced(en, monkeypatch, django_capture_on_commit_callbacks):
    page = factories.consultation(en)
    rows, _camps = two_camps(page, people=16)
    sent = []
    monkeypatch.setattr(events, "_send", lambda page_id, message: sent.append((page_id, message)))
    worker = Worker()
    with django_capture_on_commit_callbacks(execute=True):
        worker.run_once()
    assert any(page_id == page.pk and '"groups.updated"' in message["text"] for page_id, message in sent)
    assert worker.run_once() == []  # nothing new
    late = factories.participant("Late voter")
    for statement in rows:
        StatementVote.objects.create(statement=statement, voter=late, value=1)
    assert worker.run_once() == []  # new votes, but computed less than 5 s ago: later
    PageAnalysis.objects.filter(page=page).update(computed_at=timezone.now() - datetime.timedelta(seconds=6))
    assert (AnalysisKind.OPINION_GROUPS, page.pk) in worker.run_once()
    assert PageAnalysis.objects.get(page=page, kind="groups").result["n_participants"] == 17


def test_a_fresh_worker_catches_up_on_what_changed_while_it_was_away(en):
    page = factories.consultation(en)
    two_camps(page, people=10)
    Worker().run_once()
    first = PageAnalysis.objects.get(page=page, kind="groups").computed_at
    assert Worker().run_once() == []  # restarted, nothing new: nothing recomputed
    assert PageAnalysis.objects.get(page=page, kind="groups").computed_at == first


def test_the_same_votes_give_the_same_groups(en):
    from reports.analysis import compute_groups

    page = factories.consultation(en)
    two_camps(page, people=20)
    first = compute_groups(page.pk).result
    second = compute_groups(page.pk).result
    for key in ("groups", "consensus_agree", "divisive", "points"):
        assert first[key] == second[key]


def test_few_statements_group_by_comment_votes_and_stances(en):
    from reports.analysis import compute_groups

    page = factories.consultation(en)
    author = factories.participant("Author")
    comments = [factories.comment(page, author, text=f"Idea {n}") for n in range(8)]
    for n in range(12):
        person = factories.participant(f"P{n}")
        for i, comment in enumerate(comments):
            CommentVote.objects.create(comment=comment, voter=person, value=1 if (i < 4) == (n % 2 == 0) else -1)
    result = compute_groups(page.pk).result
    assert result["basis"] == "comments" and result["k"] == 2 and result["n_grouped"] == 12


def test_the_csv_command_prints_each_participant_group(en):
    page = factories.consultation(en)
    _rows, camps = two_camps(page, people=10)
    out = io.StringIO()
    call_command("opinion_groups", str(page.pk), "--format", "csv", stdout=out)
    lines = out.getvalue().strip().splitlines()
    assert lines[0] == "external_id,group" and len(lines) == 11
    assert {line.split(",")[0] for line in lines[1:]} == {f"user:{pk}" for pk in camps}
    out = io.StringIO()
    call_command("opinion_groups", str(page.pk), "--format", "json", stdout=out)
    assert json.loads(out.getvalue())["k"] == 2


def test_form_letters_are_found_and_counted_on_the_dashboard(en, official):
    page = factories.consultation(en)
    template = ("We the residents of the north district oppose the closure of the night bus line 12 because "
                "shift workers depend on it to get home safely after midnight.")
    for n in range(5):
        factories.comment(page, factories.participant(f"Sender {n}"), text=template.replace("safely", "safely" if
                                                                                              n % 2 else "securely"))
    for n, text in enumerate(["Cycle lanes on the ring road would cut traffic.",
                              "More trees on the main square, please, and benches in the shade.",
                              "Publish the budget for the new stadium before deciding anything."]):
        factories.comment(page, factories.participant(f"Organic {n}"), text=text)
    assert (AnalysisKind.CAMPAIGNS, page.pk) in Worker().run_once()
    result = PageAnalysis.objects.get(page=page, kind="campaigns").result
    assert result["comments"] == 8 and result["in_campaigns"] == 5 and len(result["campaigns"]) == 1
    html = client_for(official).get(f"/en/reports/{page.pk}/").content.decode()
    assert "8 comments, of which 5 in 1 campaign of near-identical texts." in html


def test_the_demo_brings_a_real_polis_conversation_once(site_tree, settings):
    from pathlib import Path

    from consult.demo import load_demo
    from consult.models import RoundtablePage

    if not (Path(settings.RAYZAN_POLIS_DATA) / "15-per-hour-seattle" / "comments.csv").is_file():
        pytest.skip("the shared Pol.is data is not beside the checkout")
    load_demo(data_dir="/nonexistent", log=lambda *a: None)
    load_demo(data_dir="/nonexistent", log=lambda *a: None)
    imported = [page for page in RoundtablePage.objects.all() if "15-per-hour-seattle" in page.summary]
    assert len(imported) == 1
    assert StatementVote.objects.filter(statement__page_id=imported[0].pk).count() > 2000
    assert (AnalysisKind.OPINION_GROUPS, imported[0].pk) in Worker().run_once()
