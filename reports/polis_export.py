"""Read a Pol.is open-data export: one conversation, one directory of CSV files.

The files (https://compdemocracy.org/export/ describes them):

- ``comments.csv``: ``timestamp,datetime,comment-id,author-id,agrees,disagrees,moderated,comment-body``;
  ``moderated`` is 1 accepted, -1 rejected, 0 not yet moderated. Required.
- ``votes.csv``: an event log ``timestamp,datetime,comment-id,voter-id,vote`` with re-votes. The latest
  row per (voter, comment) wins, ordered by the millisecond ``timestamp`` (the ``datetime`` text is in
  the exporting server's zone, UTC+7, and has only second precision); equal timestamps keep file order.
- ``participants-votes.csv``: one row per participant; ``group-id`` is Pol.is's own opinion group
  (blank when the participant voted too little), then one column per comment id holding the latest
  vote. Used for the votes only where an export lacks ``votes.csv``; always read for ``group-id``.
- ``summary.csv``: ``key,value`` rows (topic, url, voters, groups, conversation-description, ...).

The ``agrees``/``disagrees`` counts in comments.csv are Pol.is's own and can differ from a recount of
the vote log: nothing here assumes the files agree, and the votes are always taken from the vote files.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

COMMENTS_FILE = "comments.csv"
VOTES_FILE = "votes.csv"
MATRIX_FILE = "participants-votes.csv"
SUMMARY_FILE = "summary.csv"

ACCEPTED, UNMODERATED, REJECTED = 1, 0, -1
VOTE_VALUES = frozenset({-1, 0, 1})

_COMMENT_COLUMNS = ("timestamp", "comment-id", "author-id", "moderated", "comment-body")
_VOTE_COLUMNS = ("timestamp", "comment-id", "voter-id", "vote")
# Columns of participants-votes.csv that are not comments; anything else with a numeric name is one.
_MATRIX_META_COLUMNS = {"participant", "group-id", "n-comments", "n-votes", "n-agree", "n-disagree", "xid"}


class PolisExportError(ValueError):
    """The export cannot be read; the message names the file (and line) and what to fix."""


@dataclass(frozen=True)
class Statement:
    id: int
    author_id: int
    text: str
    moderated: int  # ACCEPTED, UNMODERATED or REJECTED
    created: int  # milliseconds since the epoch (UTC)

    @property
    def rejected(self) -> bool:
        return self.moderated == REJECTED


@dataclass(frozen=True)
class Vote:
    participant_id: int
    statement_id: int
    value: int  # 1 agree, -1 disagree, 0 pass
    timestamp: int | None  # milliseconds since the epoch; None when read from participants-votes.csv


@dataclass
class Export:
    """One conversation. ``votes`` holds one vote per (participant, statement): the latest."""

    directory: Path
    title: str  # the topic, or the directory name when the export has no topic
    topic: str
    description: str
    summary: dict[str, str]
    statements: list[Statement]
    votes: list[Vote]
    polis_groups: dict[int, int]  # participant id -> Pol.is group id, for those Pol.is grouped
    votes_source: str  # VOTES_FILE or MATRIX_FILE
    vote_events: int  # rows read from the vote source (re-votes included)
    notes: list[str] = field(default_factory=list)  # harmless oddities found while reading

    @property
    def rejected_statement_ids(self) -> set[int]:
        return {statement.id for statement in self.statements if statement.rejected}

    def vote_triples(self) -> list[tuple[int, int, int]]:
        """(participant, statement, value) rows, the input of reports.opinion.compute_opinion_groups."""
        return [(vote.participant_id, vote.statement_id, vote.value) for vote in self.votes]


def read_export(directory: str | Path) -> Export:
    """Read the export in ``directory``; raise PolisExportError when it cannot be used."""
    directory = Path(directory)
    if not directory.is_dir():
        raise PolisExportError(f"{directory}: not a directory; give the folder that holds {COMMENTS_FILE}.")
    comments_path = directory / COMMENTS_FILE
    if not comments_path.is_file():
        raise PolisExportError(
            f"{comments_path}: missing. A Pol.is export needs {COMMENTS_FILE}; download the full export again."
        )
    votes_path, matrix_path = directory / VOTES_FILE, directory / MATRIX_FILE
    if not votes_path.is_file() and not matrix_path.is_file():
        raise PolisExportError(
            f"{directory}: neither {VOTES_FILE} nor {MATRIX_FILE} is there, so there are no votes to read; "
            "add one of them from the Pol.is export."
        )

    summary = read_summary(directory / SUMMARY_FILE)
    statements = read_comments(comments_path)
    notes: list[str] = []
    polis_groups: dict[int, int] = {}
    matrix_votes: list[Vote] = []
    if matrix_path.is_file():
        matrix_votes, polis_groups = read_participants_votes(matrix_path)
    if votes_path.is_file():
        events = read_vote_events(votes_path)
        votes, source, n_events = latest_votes(events), VOTES_FILE, len(events)
    else:
        votes, source, n_events = matrix_votes, MATRIX_FILE, len(matrix_votes)

    known = {statement.id for statement in statements}
    unknown = {vote.statement_id for vote in votes} - known
    if unknown:
        notes.append(f"{len(unknown)} voted statement id(s) are not in {COMMENTS_FILE}: {sorted(unknown)[:10]}")
    topic = summary.get("topic", "").strip()
    return Export(
        directory=directory,
        title=topic or directory.name,
        topic=topic,
        description=summary.get("conversation-description", "").strip(),
        summary=summary,
        statements=statements,
        votes=votes,
        polis_groups=polis_groups,
        votes_source=source,
        vote_events=n_events,
        notes=notes,
    )


def read_summary(path: Path) -> dict[str, str]:
    """``key,value`` rows; an absent file gives an empty summary (it carries no data we need)."""
    if not path.is_file():
        return {}
    summary = {}
    for line, row in _rows(path):
        if not row or not any(cell.strip() for cell in row):
            continue
        if len(row) < 2:
            raise PolisExportError(f"{path}, line {line}: expected 'key,value', got {row!r}.")
        summary[row[0].strip()] = ",".join(row[1:])
    return summary


def read_comments(path: Path) -> list[Statement]:
    statements, seen = [], {}
    for line, record in _records(path, _COMMENT_COLUMNS):
        statement = Statement(
            id=_integer(record, "comment-id", path, line),
            author_id=_integer(record, "author-id", path, line),
            text=record["comment-body"] or "",
            moderated=_integer(record, "moderated", path, line, allowed={ACCEPTED, UNMODERATED, REJECTED}),
            created=_integer(record, "timestamp", path, line),
        )
        if statement.id in seen:
            raise PolisExportError(
                f"{path}, line {line}: comment-id {statement.id} appears twice (first on line {seen[statement.id]})."
            )
        seen[statement.id] = line
        statements.append(statement)
    return statements


def read_vote_events(path: Path) -> list[Vote]:
    """Every row of votes.csv, in file order (re-votes included)."""
    return [
        Vote(
            participant_id=_integer(record, "voter-id", path, line),
            statement_id=_integer(record, "comment-id", path, line),
            value=_integer(record, "vote", path, line, allowed=VOTE_VALUES),
            timestamp=_integer(record, "timestamp", path, line),
        )
        for line, record in _records(path, _VOTE_COLUMNS)
    ]


def latest_votes(events: list[Vote]) -> list[Vote]:
    """The last vote per (participant, statement) by timestamp; on equal timestamps the later row wins."""
    latest: dict[tuple[int, int], Vote] = {}
    for vote in events:
        key = (vote.participant_id, vote.statement_id)
        previous = latest.get(key)
        if previous is None or (vote.timestamp or 0) >= (previous.timestamp or 0):
            latest[key] = vote
    return list(latest.values())


def read_participants_votes(path: Path) -> tuple[list[Vote], dict[int, int]]:
    """The vote matrix as votes (no timestamps) and Pol.is's groups, columns found by header name."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if not header:
            raise PolisExportError(f"{path}: empty file; expected a header starting with 'participant'.")
        header = [name.strip() for name in header]
        if "participant" not in header:
            raise PolisExportError(f"{path}, line 1: no 'participant' column in the header {header[:8]!r}.")
        participant_at = header.index("participant")
        group_at = header.index("group-id") if "group-id" in header else None
        comment_columns = [
            (index, int(name)) for index, name in enumerate(header)
            if name not in _MATRIX_META_COLUMNS and name.isdigit()
        ]
        votes, groups = [], {}
        line = reader.line_num
        for row in reader:
            start, line = line + 1, reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(header):
                raise PolisExportError(f"{path}, line {start}: {len(row)} fields where the header has {len(header)}.")
            participant = _parse_int(row[participant_at], "participant", path, start)
            if group_at is not None and row[group_at].strip():
                groups[participant] = _parse_int(row[group_at], "group-id", path, start)
            for index, statement in comment_columns:
                cell = row[index].strip()
                if cell:
                    value = _parse_int(cell, str(statement), path, start, allowed=VOTE_VALUES)
                    votes.append(Vote(participant, statement, value, None))
    return votes, groups


def _rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    """csv rows with the line each starts on (quoted comment bodies can span lines)."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        line = 0
        try:
            for row in reader:
                yield line + 1, row
                line = reader.line_num
        except csv.Error as error:
            raise PolisExportError(f"{path}, line {line + 1}: not valid CSV ({error}).") from error


def _records(path: Path, required: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str]]]:
    """Rows as {column: text}, after checking the header has the ``required`` columns."""
    rows = _rows(path)
    first = next(rows, None)
    if first is None:
        raise PolisExportError(f"{path}: empty file; expected a header with {', '.join(required)}.")
    header = [name.strip() for name in first[1]]
    missing = [name for name in required if name not in header]
    if missing:
        raise PolisExportError(f"{path}, line 1: the header lacks {', '.join(missing)} (found {', '.join(header)}).")
    for line, row in rows:
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise PolisExportError(f"{path}, line {line}: {len(row)} fields where the header has {len(header)}.")
        yield line, dict(zip(header, row, strict=True))


def _integer(record: dict[str, str], column: str, path: Path, line: int, allowed=None) -> int:
    return _parse_int(record[column], column, path, line, allowed)


def _parse_int(text: str, column: str, path: Path, line: int, allowed=None) -> int:
    """An integer cell; Pol.is sometimes writes votes as '1.0'."""
    cleaned = text.strip()
    try:
        value = int(cleaned)
    except ValueError:
        value = None
    try:
        if value is None:
            number = float(cleaned)
            if not number.is_integer():
                raise ValueError(cleaned)
            value = int(number)
    except (ValueError, OverflowError) as error:
        raise PolisExportError(
            f"{path}, line {line}: column '{column}' should be a whole number, got {text!r}."
        ) from error
    if allowed is not None and value not in allowed:
        raise PolisExportError(
            f"{path}, line {line}: column '{column}' is {value}, expected one of {sorted(allowed)}."
        )
    return value
