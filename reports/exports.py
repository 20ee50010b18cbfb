"""Open data for one consultation or roundtable: CSV and JSON, pseudonymous, streamed.

Five datasets (DATASETS): ``comments`` (published comments with their tallies and sections),
``statements`` (published statements with agree/disagree/pass in total and per opinion group),
``votes`` (one row per vote on a published comment or statement, like Pol.is's votes.csv),
``polls`` (counts per answer; never an individual answer nor the "other" free text) and
``groups`` (each grouped participant's opinion group and map position, from the stored analysis).

Privacy: a participant appears only as ``pseudonym(page_id, user_id)``, an HMAC of the page and
the user keyed with SECRET_KEY. It is stable from one download to the next (so files of the same
consultation join on it) but differs between consultations, and cannot be turned back into a user
without the key. No e-mail, username, display name, profile field or user id is ever read into a
row. Rotating SECRET_KEY changes every pseudonym.

Memory stays flat: every table is read with ``values_list(...).iterator(chunk_size=...)`` and
written as it is read, in chunks of about CHUNK_CHARS characters; nothing holds a whole table.
The only things kept whole are small: a page's sections, its stored opinion groups (user ->
group) and, for the statements table, statements x groups x 3 counters.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count
from django.utils import timezone

from consult.models import Comment, CommentStatus, Statement, StatementStatus
from reports import analysis
from reports.models import AnalysisKind
from voting import selectors as voting_selectors
from voting.models import CommentVote, StatementVote

DATASETS = ("comments", "statements", "votes", "polls", "groups")
FORMATS = ("csv", "json")
CHUNK_ROWS = 2000  # rows fetched from the database at a time
CHUNK_CHARS = 64 * 1024  # characters written to the response at a time: few sends, small buffers
PSEUDONYM_CACHE = 200_000  # participants remembered per export before the cache starts again
LICENCE = ("Open data: the public contributions to this consultation, as published on the site. "
           "Cite the consultation (its title and address) when you reuse them.")
PSEUDONYMS = ("Participants are identified only by a pseudonym (p-…) that is the same in every file and "
              "every download of this consultation and different in every other consultation. No e-mail "
              "address, username, display name, profile detail or account number is included.")
# Cells a spreadsheet would run as a formula (CSV injection): prefixed with ' in CSV only.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def pseudonym(page_id: int, user_id: int) -> str:
    """A participant's stable id in this consultation's open data ("p-" and 16 hex digits)."""
    message = f"rayzan-export:{page_id}:{user_id}".encode()
    return "p-" + hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()[:16]


class Pseudonyms:
    """pseudonym() for one page, remembered per user: a million votes come from far fewer
    people, and the HMAC's keyed prefix is computed once (copying it is cheaper than re-keying)."""

    def __init__(self, page_id: int):
        self._prefix = hmac.new(settings.SECRET_KEY.encode(), f"rayzan-export:{page_id}:".encode(), hashlib.sha256)
        self._known: dict[int, str] = {}

    def __call__(self, user_id: int) -> str:
        known = self._known.get(user_id)
        if known is None:
            if len(self._known) >= PSEUDONYM_CACHE:
                self._known.clear()
            mac = self._prefix.copy()
            mac.update(str(user_id).encode())
            known = self._known[user_id] = "p-" + mac.hexdigest()[:16]
        return known


@dataclass
class Table:
    """One dataset of one page: its columns (name -> description), its metadata and a callable
    that yields its rows lazily (nothing is read from the database until rows() is iterated)."""

    name: str
    columns: dict[str, str]
    rows: Callable[[], Iterator[tuple]]
    excluded: list[str] = field(default_factory=list)
    extra: dict = field(default_factory=dict)

    def meta(self, page) -> dict:
        return {
            "dataset": self.name,
            "page": {"id": page.pk, "title": page.title, "url": page.get_full_url() or ""},
            "generated_at": _iso(timezone.now()),
            "licence": LICENCE,
            "participants": PSEUDONYMS,
            "excluded": self.excluded,
            "columns": [{"name": name, "description": description} for name, description in self.columns.items()],
            **self.extra,
        }


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def _opinion_groups(stored) -> tuple[dict[int, int], dict]:
    """({user id: group index}, metadata) from a stored opinion-groups analysis; empty when none."""
    result = stored.result if stored is not None else {}
    if not result.get("points"):
        return {}, {"groups": {"computed_at": None, "sizes": [],
                               "note": "Opinion groups have not been computed for this page yet."}}
    members = {int(user): int(group) for user, _x, _y, group in result["points"]}
    sizes = [{"group": int(g["index"]), "size": int(g["size"])} for g in result.get("groups", [])]
    return members, {"groups": {
        "computed_at": _iso(stored.computed_at), "basis": result.get("basis", ""), "k": result.get("k"),
        "participants": result.get("n_participants"), "grouped": len(members), "sizes": sizes,
        "note": "Groups found by the site's opinion analysis (Pol.is method) from the votes; participants "
                "who voted too little to be placed are in no group.",
    }}


# --- the datasets ----------------------------------------------------------------------------------

def comments_table(page) -> Table:
    sections = {s["id"]: (s["number"], s["heading"]) for s in getattr(page, "section_list", [])}
    states = dict(Comment.objects.filter(page_id=page.pk).values("status").annotate(n=Count("pk"))
                  .values_list("status", "n"))
    withdrawn = states.get(CommentStatus.WITHDRAWN, 0)
    hidden = states.get(CommentStatus.PENDING, 0) + states.get(CommentStatus.REJECTED, 0)
    names = Pseudonyms(page.pk)

    def rows():
        queryset = (Comment.objects.filter(page_id=page.pk, status=CommentStatus.PUBLISHED).order_by("pk")
                    .values_list("pk", "author_id", "section_id", "parent_id", "depth", "stance", "body",
                                 "created_at", "edited_at", "support_count", "oppose_count", "reply_count",
                                 "is_official"))
        for (pk, author, section, parent, depth, stance, body, created, edited, support, oppose, replies,
             official) in queryset.iterator(chunk_size=CHUNK_ROWS):
            number, heading = sections.get(section, (None, "")) if section else (None, "")
            yield (pk, names(author), section, number, heading, parent, depth, stance, body, _iso(created),
                   edited is not None, support, oppose, replies, official)

    return Table("comments", {
        "id": "The comment's number on the site.",
        "participant": "The author's pseudonym in this consultation.",
        "section_id": "The part of the draft commented on (its stable id); empty for the consultation as a whole.",
        "section_number": "That part's position in the draft; empty for the whole or a part since removed.",
        "section_heading": "That part's heading.",
        "parent_id": "The comment replied to (it may be absent from this file if it was withdrawn or hidden).",
        "depth": "0 for a comment, 1 for a reply, 2 for a reply to a reply.",
        "stance": "support, oppose or neutral; empty when none was given (replies).",
        "text": "The text as published (Markdown subset); personal data masked by moderators stays masked.",
        "created_at": "When it was written (ISO 8601, UTC).",
        "edited": "Whether its author edited it since.",
        "support": "People who supported it.",
        "oppose": "People who opposed it.",
        "replies": "Replies to it.",
        "official": "Written by an official on behalf of the responsible office.",
    }, rows, excluded=[
        f"Comments withdrawn by their authors ({withdrawn}).",
        f"Comments held for moderation or rejected by moderators ({hidden}).",
        "Earlier versions of edited comments.",
    ], extra={"excluded_counts": {"withdrawn": withdrawn, "held_or_rejected": hidden}})


def statements_table(page) -> Table:
    members, group_meta = _opinion_groups(analysis.latest(page.pk, AnalysisKind.OPINION_GROUPS))
    indexes = sorted({s["group"] for s in group_meta["groups"]["sizes"]} | set(members.values()))
    position = {group: i for i, group in enumerate(indexes)}
    columns = {
        "id": "The statement's number on the site.",
        "text": "The statement as published.",
        "seed": "Written by the organisers (true) or added by a participant (false).",
        "created_at": "When it was added (ISO 8601, UTC).",
        "agree": "Participants who agreed.",
        "disagree": "Participants who disagreed.",
        "pass": "Participants who passed (saw it and chose neither).",
    }
    for group in indexes:
        columns |= {f"agree_g{group}": f"Of them, in opinion group {group}: agreed.",
                    f"disagree_g{group}": f"In opinion group {group}: disagreed.",
                    f"pass_g{group}": f"In opinion group {group}: passed."}
    held = Statement.objects.filter(page_id=page.pk).exclude(status=StatementStatus.PUBLISHED).count()

    def rows():
        published = Statement.objects.filter(page_id=page.pk, status=StatementStatus.PUBLISHED)
        per_group: dict[int, list[int]] = {}
        if members:
            # One pass over the votes: counters per statement x group x value, nothing per vote kept.
            slot = {1: 0, -1: 1, 0: 2}
            votes = (StatementVote.objects.filter(statement__page_id=page.pk,
                                                  statement__status=StatementStatus.PUBLISHED)
                     .values_list("statement_id", "voter_id", "value"))
            for statement, voter, value in votes.iterator(chunk_size=CHUNK_ROWS * 5):
                group = members.get(voter)
                if group is None or value not in slot:
                    continue
                counts = per_group.get(statement)
                if counts is None:
                    counts = per_group[statement] = [0] * (3 * len(indexes))
                counts[3 * position[group] + slot[value]] += 1
        empty = (0,) * (3 * len(indexes))
        queryset = published.order_by("pk").values_list("pk", "text", "seed_id", "created_at", "agree_count",
                                                        "disagree_count", "pass_count")
        for pk, text, seed, created, agree, disagree, passed in queryset.iterator(chunk_size=CHUNK_ROWS):
            yield (pk, text, bool(seed), _iso(created), agree, disagree, passed, *per_group.get(pk, empty))

    return Table("statements", columns, rows, excluded=[
        f"Statements held for moderation or rejected by moderators ({held}).",
        "Statement authors.",
        "Per-group counts leave out participants in no opinion group; they count in the totals only.",
    ], extra=group_meta)


def votes_table(page) -> Table:
    names = Pseudonyms(page.pk)

    def rows():
        comment_votes = (CommentVote.objects.filter(comment__page_id=page.pk, comment__status=CommentStatus.PUBLISHED)
                         .order_by("pk").values_list("voter_id", "comment_id", "value", "created_at"))
        for voter, comment, value, created in comment_votes.iterator(chunk_size=CHUNK_ROWS * 5):
            yield names(voter), f"comment:{comment}", value, _iso(created)
        statement_votes = (StatementVote.objects.filter(statement__page_id=page.pk,
                                                        statement__status=StatementStatus.PUBLISHED)
                           .order_by("pk").values_list("voter_id", "statement_id", "value", "created_at"))
        for voter, statement, value, created in statement_votes.iterator(chunk_size=CHUNK_ROWS * 5):
            yield names(voter), f"statement:{statement}", value, _iso(created)

    return Table("votes", {
        "participant": "The voter's pseudonym in this consultation.",
        "target": "comment:<id> (support 1, oppose -1) or statement:<id> (agree 1, disagree -1, pass 0).",
        "value": "The vote as it stands now (a changed vote shows its latest value).",
        "created_at": "When the vote was first cast (ISO 8601, UTC).",
    }, rows, excluded=[
        "Votes on comments or statements that are withdrawn, held or rejected.",
        "Votes withdrawn by the voters.",
    ])


def polls_table(page) -> Table:
    def rows():
        for poll in voting_selectors.page_polls(page):
            results = voting_selectors.poll_results(page, poll.id)
            if results is None:
                continue
            respondents = results["respondents"]
            if poll.kind == "scale":
                labels = {1: poll.scale_low_label, 5: poll.scale_high_label}
                for entry in results["scale"]:
                    yield (poll.id, poll.question, poll.kind, str(entry["value"]), labels.get(entry["value"], ""),
                           entry["count"], respondents)
                continue
            for option in results["options"]:
                yield poll.id, poll.question, poll.kind, str(option["index"]), option["label"], option["count"], \
                    respondents
            if poll.allow_other:
                yield poll.id, poll.question, poll.kind, voting_selectors.OTHER, "", results["other"]["count"], \
                    respondents

    return Table("polls", {
        "poll_id": "The poll's stable id on the page.",
        "question": "The question asked.",
        "kind": "single (one answer), multiple (several answers) or scale (1 to 5).",
        "answer": "The option's position (0, 1, …), \"other\", or the scale value 1-5.",
        "label": "The option's text, or the scale's label for 1 and 5.",
        "count": "Participants who chose it (several per person in multiple-choice polls).",
        "respondents": "Participants who answered the poll.",
    }, rows, excluded=["Individual answers.", "The words of \"other\" answers (only how many gave one)."])


def groups_table(page) -> Table:
    stored = analysis.latest(page.pk, AnalysisKind.OPINION_GROUPS)
    _members, group_meta = _opinion_groups(stored)
    points = (stored.result.get("points") or []) if stored is not None else []
    names = Pseudonyms(page.pk)

    def rows():
        for user, x, y, group in points:
            yield names(int(user)), int(group), x, y

    return Table("groups", {
        "participant": "The participant's pseudonym in this consultation.",
        "group": "The opinion group (0, 1, …), as in the statements file's per-group columns.",
        "x": "Position on the opinion map (first principal component).",
        "y": "Position on the opinion map (second principal component).",
    }, rows, excluded=["Participants who voted too little to be placed in a group."], extra=group_meta)


TABLES: dict[str, Callable] = {"comments": comments_table, "statements": statements_table, "votes": votes_table,
                               "polls": polls_table, "groups": groups_table}


def table(page, dataset: str) -> Table:
    """The dataset's Table for a page (a few small queries now; the rows when iterated)."""
    return TABLES[dataset](page)


# --- writing ---------------------------------------------------------------------------------------

class _Echo:
    """The pseudo-buffer of Django's streaming CSV recipe: csv.writer's write() returns the line."""

    def write(self, value: str) -> str:
        return value


def _csv_cell(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _batched(pieces: Iterable[str]) -> Iterator[bytes]:
    """Join small strings into ~CHUNK_CHARS UTF-8 chunks: one send per chunk, not per row."""
    buffer: list[str] = []
    size = 0
    for piece in pieces:
        buffer.append(piece)
        size += len(piece)
        if size >= CHUNK_CHARS:
            yield "".join(buffer).encode()
            buffer, size = [], 0
    if buffer:
        yield "".join(buffer).encode()


def csv_chunks(table: Table) -> Iterator[bytes]:
    """UTF-8 with a byte-order mark, so Excel reads Persian text as Persian."""
    writer = csv.writer(_Echo())

    def lines():
        yield "\ufeff" + writer.writerow(list(table.columns))
        for row in table.rows():
            yield writer.writerow([_csv_cell(value) for value in row])

    return _batched(lines())


def json_chunks(table: Table, page) -> Iterator[bytes]:
    """{"meta": {...}, "records": [{...}, ...], "count": n}, written record by record."""
    names = list(table.columns)

    def pieces():
        yield '{"meta": ' + json.dumps(table.meta(page), ensure_ascii=False) + ',\n"records": ['
        count = 0
        for row in table.rows():
            yield ("\n" if count == 0 else ",\n") + json.dumps(dict(zip(names, row, strict=True)), ensure_ascii=False)
            count += 1
        yield f'\n],\n"count": {count}}}\n'

    return _batched(pieces())


def stream(page, dataset: str, fmt: str) -> Iterator[bytes]:
    """The bytes of a dataset in a format, lazily. KeyError/ValueError for unknown names."""
    if fmt not in FORMATS:
        raise ValueError(fmt)
    exported = table(page, dataset)
    return csv_chunks(exported) if fmt == "csv" else json_chunks(exported, page)
