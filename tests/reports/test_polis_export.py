"""Reading Pol.is open-data exports: the files, their traps, and errors a person can act on."""

import csv
from pathlib import Path

import pytest

from reports.polis_export import (
    MATRIX_FILE,
    VOTES_FILE,
    PolisExportError,
    Statement,
    Vote,
    read_export,
)

POLIS_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "polis"  # ../shared beside the checkout

COMMENTS = """timestamp,datetime,comment-id,author-id,agrees,disagrees,moderated,comment-body
1403067224363,Wed Jun 18 11:53:44 WIB 2014,0,5,9,9,1,"Wages should rise,
and prices will follow."
1403067225000,Wed Jun 18 11:53:45 WIB 2014,1,6,0,0,-1,Spam spam spam
1403067226000,Wed Jun 18 11:53:46 WIB 2014,2,5,0,0,0,Not yet moderated
"""
# Voter 7 votes on comment 0 twice; the later timestamp is on the earlier row, and the datetime text
# (UTC+7, second precision) would order them the other way.
VOTES = """timestamp,datetime,comment-id,voter-id,vote
1403054214999,Wed Jun 18 08:16:54 WIB 2014,0,7,-1
1403054214001,Wed Jun 18 08:16:55 WIB 2014,0,7,1
1403054215000,Wed Jun 18 08:16:55 WIB 2014,1,7,0
1403054216000,Wed Jun 18 08:16:56 WIB 2014,0,8,1
"""
MATRIX = """participant,xid,group-id,n-comments,n-votes,n-agree,n-disagree,0,1,2
7,abc,1,0,2,0,1,-1,0,
8,,,0,1,1,0,1,,
9,def,0,0,1,0,0,,,1
"""
SUMMARY = """topic,$15/hour
url,https://pol.is/2demo
groups,2
conversation-description,"How will the law, passed today, affect us?"
"""


def write_export(directory: Path, **files: str) -> Path:
    names = {"comments": "comments.csv", "votes": VOTES_FILE, "matrix": MATRIX_FILE, "summary": "summary.csv"}
    for key, text in files.items():
        (directory / names[key]).write_text(text, encoding="utf-8")
    return directory


def test_reads_statements_votes_groups_and_summary(tmp_path):
    export = read_export(write_export(tmp_path, comments=COMMENTS, votes=VOTES, matrix=MATRIX, summary=SUMMARY))
    assert export.title == export.topic == "$15/hour"
    assert export.description == "How will the law, passed today, affect us?"
    assert export.summary["groups"] == "2"
    assert export.statements[0] == Statement(0, 5, "Wages should rise,\nand prices will follow.", 1, 1403067224363)
    assert [s.moderated for s in export.statements] == [1, -1, 0]
    assert export.rejected_statement_ids == {1}
    assert export.polis_groups == {7: 1, 9: 0}
    assert export.votes_source == VOTES_FILE and export.vote_events == 4


def test_the_latest_vote_by_millisecond_timestamp_wins(tmp_path):
    export = read_export(write_export(tmp_path, comments=COMMENTS, votes=VOTES))
    by_pair = {(v.participant_id, v.statement_id): v for v in export.votes}
    assert by_pair[(7, 0)] == Vote(7, 0, -1, 1403054214999)
    assert len(export.votes) == 3
    assert sorted(export.vote_triples()) == [(7, 0, -1), (7, 1, 0), (8, 0, 1)]


def test_equal_timestamps_keep_the_later_row(tmp_path):
    votes = VOTES + "1403054216000,Wed Jun 18 08:16:56 WIB 2014,0,8,-1\n"
    export = read_export(write_export(tmp_path, comments=COMMENTS, votes=votes))
    assert {(v.participant_id, v.statement_id): v.value for v in export.votes}[(8, 0)] == -1


def test_without_votes_csv_the_matrix_is_used_found_by_header_names(tmp_path):
    export = read_export(write_export(tmp_path, comments=COMMENTS, matrix=MATRIX))
    assert export.votes_source == MATRIX_FILE
    assert sorted(export.vote_triples()) == [(7, 0, -1), (7, 1, 0), (8, 0, 1), (9, 2, 1)]
    assert all(v.timestamp is None for v in export.votes)
    assert export.title == tmp_path.name  # no summary.csv: the directory names the conversation


def test_missing_comments_is_an_error_saying_what_to_do(tmp_path):
    write_export(tmp_path, votes=VOTES)
    with pytest.raises(PolisExportError, match=r"comments\.csv: missing.*download the full export"):
        read_export(tmp_path)


def test_missing_both_vote_files_is_an_error(tmp_path):
    write_export(tmp_path, comments=COMMENTS)
    with pytest.raises(PolisExportError, match=r"neither votes\.csv nor participants-votes\.csv"):
        read_export(tmp_path)


def test_missing_directory_is_an_error(tmp_path):
    with pytest.raises(PolisExportError, match="not a directory"):
        read_export(tmp_path / "nowhere")


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({"votes": VOTES + "1403054217000,x,0,9,2\n"}, r"votes\.csv, line 6: column 'vote' is 2"),
        ({"votes": VOTES + "1403054217000,x,zero,9,1\n"}, r"votes\.csv, line 6: column 'comment-id' should be"),
        ({"votes": VOTES + "1403054217000,x,0,9\n"}, r"votes\.csv, line 6: 4 fields where the header has 5"),
        ({"votes": "when,comment-id,voter-id,vote\n"}, r"votes\.csv, line 1: the header lacks timestamp"),
        # The multi-line body of comment 0 spans lines 2-3, so the bad row starts on line 6.
        ({"comments": COMMENTS + "1403067227000,x,3,5,0,0,7,Hello\n"}, r"comments\.csv, line 6: column 'moderated'"),
        ({"comments": COMMENTS + "1403067227000,x,2,5,0,0,1,Again\n"}, r"comment-id 2 appears twice.*line 5"),
        ({"matrix": MATRIX + "10,,,0,1,1,0,1,yes,\n"}, r"participants-votes\.csv, line 5: column '1'"),
        ({"matrix": "xid,group-id,0\n1,1,1\n"}, r"participants-votes\.csv, line 1: no 'participant' column"),
        ({"summary": "topic\n"}, r"summary\.csv, line 1: expected 'key,value'"),
    ],
)
def test_malformed_rows_name_the_file_and_line(tmp_path, files, message):
    write_export(tmp_path, **{"comments": COMMENTS, "votes": VOTES, "matrix": MATRIX, **files})
    with pytest.raises(PolisExportError, match=message):
        read_export(tmp_path)


def test_votes_written_as_decimals_and_a_byte_order_mark_are_accepted(tmp_path):
    write_export(tmp_path, comments="\ufeff" + COMMENTS, votes=VOTES.replace(",0,8,1\n", ",0,8,1.0\n"))
    assert (8, 0, 1) in read_export(tmp_path).vote_triples()


def test_votes_on_statements_missing_from_comments_are_kept_and_noted(tmp_path):
    export = read_export(write_export(tmp_path, comments=COMMENTS, votes=VOTES + "1403054217000,x,42,9,1\n"))
    assert (9, 42, 1) in export.vote_triples()
    assert export.notes and "42" in export.notes[0]


# --- The real exports ------------------------------------------------------------------------------


def real_export(name):
    if not (POLIS_DATA / name).is_dir():
        pytest.skip(f"Pol.is open data not found at {POLIS_DATA / name}")
    return read_export(POLIS_DATA / name)


def test_vtaiwan_export():
    export = real_export("vtaiwan.uberx")
    assert len(export.statements) == 197
    assert export.vote_events == 49_997 and len(export.votes) == 49_443  # re-votes resolved
    assert len({v.participant_id for v in export.votes}) == 1921
    assert len(export.rejected_statement_ids) == 78
    assert set(export.polis_groups.values()) == {0, 1} and len(export.polis_groups) == 1219
    assert export.topic.startswith("UberX")


@pytest.mark.parametrize("name", ["vtaiwan.uberx", "15-per-hour-seattle", "scoop-hivemind.ubi", "brexit-consensus"])
def test_the_resolved_vote_log_matches_the_exported_matrix(name, tmp_path):
    """The latest vote per pair from votes.csv is exactly what participants-votes.csv holds."""
    export = real_export(name)
    for file in ("comments.csv", MATRIX_FILE, "summary.csv"):
        (tmp_path / file).write_bytes((POLIS_DATA / name / file).read_bytes())
    from_matrix = read_export(tmp_path)
    assert sorted(from_matrix.vote_triples()) == sorted(export.vote_triples())
    assert from_matrix.polis_groups == export.polis_groups


def test_comment_counts_are_not_trusted():
    """comments.csv's own agree counts differ from a recount of the vote log; the log is what counts."""
    export = real_export("15-per-hour-seattle")
    with (POLIS_DATA / "15-per-hour-seattle" / "comments.csv").open(encoding="utf-8") as handle:
        listed = {int(row["comment-id"]): int(row["agrees"]) for row in csv.DictReader(handle)}
    recount = dict.fromkeys(listed, 0)
    for vote in export.votes:
        recount[vote.statement_id] += vote.value == 1
    assert any(listed[s] != recount[s] for s in listed)
    assert len(export.votes) < export.vote_events  # re-votes were resolved
