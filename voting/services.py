"""Writes for voting: votes on comments, agree/disagree/pass on statements, poll responses.

Keyword-only arguments, `actor` first; each write checks the permission (django-rules), then
validates, then counts against the rate limit, then writes. The HTML forms and the API call
these, so they cannot diverge.

Tallies stay exact under concurrency: the vote row (one per person, a UniqueConstraint) and the
cached counters on the voted object change in one transaction, the counters as `col = col + 1`
so the database does the arithmetic. A vote is inserted unless the person's row exists (ON
CONFLICT DO NOTHING: two first votes by the same person racing on PostgreSQL meet at the unique
index, and the second waits for the first to commit, then finds its row); an existing row is
locked (SELECT … FOR UPDATE) before it is read and changed. SQLite runs IMMEDIATE transactions
(config.settings), so its writers queue instead. The statements are written out once per
process (_VoteSQL), because composing them with the ORM cost more than running them.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from consult import events, ratelimit, readcache
from consult.models import Comment, CommentStatus, Statement, StatementStatus
from consult.rules import is_comment_author, is_participant, participant_refusal
from consult.sanitize import clean_line
from consult.services.statements import is_blank
from voting.models import CommentVote, PollResponse, StatementVote
from voting.selectors import OTHER, Poll, page_state, poll_on_page, poll_state

COMMENT_COUNTERS = {1: "support_count", -1: "oppose_count"}
CAST_ATTEMPTS = 5
STATEMENT_COUNTERS = {1: "agree_count", -1: "disagree_count", 0: "pass_count"}
OTHER_TEXT_MAX = 200


# --- refusals, in words a person can act on --------------------------------------------------

def _not_participant(actor):
    if not is_participant(actor):
        return PermissionDenied(participant_refusal(
            actor, _("Sign in and set up your participant profile to take part.")))
    return None


def _page_closed():
    return PermissionDenied(_("This page is not open for participation now."))


def _comment_refusal(actor, comment: Comment) -> PermissionDenied:
    if refusal := _not_participant(actor):
        return refusal
    if is_comment_author(actor, comment):
        return PermissionDenied(_("You cannot vote on your own comment."))
    if comment.status != CommentStatus.PUBLISHED:
        return PermissionDenied(_("Only published comments can be voted on."))
    return _page_closed()


def _statement_refusal(actor, statement: Statement) -> PermissionDenied:
    if refusal := _not_participant(actor):
        return refusal
    if statement.status != StatementStatus.PUBLISHED:
        return PermissionDenied(_("Only published statements can be voted on."))
    return _page_closed()


def _value(value, allowed: dict) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value not in allowed:
        raise ValidationError({"value": [_("Choose one of: %(values)s.")
                                         % {"values": ", ".join(str(v) for v in allowed)}]})
    return value


# --- the vote write, shared by comments and statements ---------------------------------------

class _VoteSQL:
    """The vote write's statements, written out once per process from the models' metadata.

    Every vote runs them, and composing them with the ORM (a locking read, a model save) cost
    more CPU than the database took to run them (bench/participation.py). Table and column names
    come from the models, never from input; every value is bound. Datetimes are adapted for the
    database exactly as the ORM adapts them."""

    def __init__(self, vote_model, target_model, target_field: str, counters: dict):
        qn = connection.ops.quote_name
        votes, targets = qn(vote_model._meta.db_table), qn(target_model._meta.db_table)
        target, voter, value = qn(target_field), qn("voter_id"), qn("value")
        lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
        self.counters = counters
        self.columns = list(counters.values())
        self.find = f"SELECT {qn('id')}, {value} FROM {votes} WHERE {target} = %s AND {voter} = %s{lock}"  # noqa: S608
        # A first vote is the common case: one statement. When the person's vote is already
        # there (older, or just committed by a racing request of theirs) it does nothing.
        self.insert = (f"INSERT INTO {votes} ({target}, {voter}, {value}, {qn('created_at')}, {qn('updated_at')}) "  # noqa: S608
                       f"VALUES (%s, %s, %s, %s, %s) ON CONFLICT ({target}, {voter}) DO NOTHING RETURNING {qn('id')}")
        # PostgreSQL runs a first vote and its count as one statement, atomic on its own: no
        # BEGIN and COMMIT round trips. When the vote is already there it changes nothing and
        # answers no row, and the general path below takes over.
        self.first_vote = {}
        if connection.vendor == "postgresql":
            pk = qn(target_model._meta.pk.column)
            for choice, column in counters.items():
                self.first_vote[choice] = (
                    f"WITH added AS ({self.insert}) UPDATE {targets} SET {qn(column)} = {qn(column)} + 1 "  # noqa: S608
                    f"WHERE {pk} = %s AND EXISTS (SELECT 1 FROM added) "
                    f"RETURNING {', '.join(qn(c) for c in counters.values())}")
        self.change = f"UPDATE {votes} SET {value} = %s, {qn('updated_at')} = %s WHERE {qn('id')} = %s"  # noqa: S608
        self.delete = f"DELETE FROM {votes} WHERE {qn('id')} = %s"  # noqa: S608
        self.read_counters = (f"SELECT {', '.join(qn(c) for c in self.columns)} FROM {targets} "  # noqa: S608
                              f"WHERE {qn(target_model._meta.pk.column)} = %s")
        self.move_template = (f"UPDATE {targets} SET {{assignments}} WHERE {qn(target_model._meta.pk.column)} = %s "  # noqa: S608
                              f"RETURNING {', '.join(qn(c) for c in self.columns)}")
        self.qn = qn

    def move(self, cursor, pk: int, *, add=None, remove=None) -> dict | None:
        """Move the cached counters and return their new values.

        One `UPDATE … RETURNING` (PostgreSQL, and SQLite since 3.35) does the arithmetic and reads
        the result back in the same statement, so the answer is exactly what this transaction
        wrote, with no second query."""
        deltas = {self.counters[add]: 1} if add is not None else {}
        if remove is not None:
            deltas[self.counters[remove]] = deltas.get(self.counters[remove], 0) - 1
        deltas = {column: delta for column, delta in deltas.items() if delta}
        if not deltas:
            return None
        assignments = ", ".join(f"{self.qn(column)} = {self.qn(column)} + %s" for column in deltas)
        cursor.execute(self.move_template.format(assignments=assignments), [*deltas.values(), pk])
        row = cursor.fetchone()
        return dict(zip(self.columns, row, strict=True)) if row else None

    def current(self, pk: int) -> dict | None:
        with connection.cursor() as cursor:
            cursor.execute(self.read_counters, [pk])
            row = cursor.fetchone()
        return dict(zip(self.columns, row, strict=True)) if row else None


_VOTE_SQL: dict[tuple, _VoteSQL] = {}


def _vote_sql(vote_model, target_model, target_field: str, counters: dict) -> _VoteSQL:
    key = (connection.alias, vote_model, target_model)
    sql = _VOTE_SQL.get(key)
    if sql is None:
        sql = _VOTE_SQL[key] = _VoteSQL(vote_model, target_model, target_field, counters)
    return sql


def _cast(sql: _VoteSQL, target, voter, value: int) -> dict | None:
    """Record the vote; returns the new counters, or None when nothing changed.

    The insert does nothing when this person's vote is already there (committed by a request
    that won the race, or older): then that row is locked and changed. Should it be withdrawn
    between the two statements, the insert is tried again."""
    known_to_exist = False
    if value in sql.first_vote:
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        with connection.cursor() as cursor:
            cursor.execute(sql.first_vote[value], [target.pk, voter.pk, value, now, now, target.pk])
            row = cursor.fetchone()
        if row is not None:
            return dict(zip(sql.columns, row, strict=True))
        known_to_exist = True
    for attempt in range(CAST_ATTEMPTS):
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        with transaction.atomic(), connection.cursor() as cursor:
            if not (known_to_exist and attempt == 0):
                cursor.execute(sql.insert, [target.pk, voter.pk, value, now, now])
                if cursor.fetchone() is not None:
                    return sql.move(cursor, target.pk, add=value)
            cursor.execute(sql.find, [target.pk, voter.pk])
            found = cursor.fetchone()
            if found is None:
                continue
            vote_id, previous = found
            if previous == value:
                return None
            cursor.execute(sql.change, [value, now, vote_id])
            return sql.move(cursor, target.pk, add=value, remove=previous)
    raise IntegrityError(f"a vote on {target.pk} by {voter.pk} kept changing under this request")


def _withdraw(sql: _VoteSQL, target, voter) -> dict | None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql.find, [target.pk, voter.pk])
        found = cursor.fetchone()
        if found is None:
            return None
        vote_id, previous = found
        cursor.execute(sql.delete, [vote_id])
        return sql.move(cursor, target.pk, remove=previous)


def _refresh(obj, sql: _VoteSQL, fresh: dict | None) -> None:
    """Put the counters on `obj`: those the write returned, else re-read (nothing changed)."""
    for column, value in (fresh or sql.current(obj.pk) or {}).items():
        setattr(obj, column, value)


# --- comments --------------------------------------------------------------------------------

def comment_vote_cast(*, actor, comment: Comment, value: int) -> Comment:
    """Support (1) or oppose (-1) someone else's published comment on an open consultation.

    Changing a vote moves it between the counters; casting the same value again changes
    nothing. Returns the comment with fresh counters."""
    if not actor.has_perm("voting.vote_comment", comment):
        raise _comment_refusal(actor, comment)
    value = _value(value, COMMENT_COUNTERS)
    ratelimit.check(user_id=actor.pk, action="vote")
    sql = _vote_sql(CommentVote, Comment, "comment_id", COMMENT_COUNTERS)
    fresh = _cast(sql, comment, actor, value)
    _refresh(comment, sql, fresh)
    if fresh is not None:
        readcache.discussion_changed(comment.page_id)
        events.tally_changed(comment.page_id, f"comment:{comment.pk}")
    return comment


def comment_vote_withdraw(*, actor, comment: Comment) -> Comment:
    if not actor.has_perm("voting.vote_comment", comment):
        raise _comment_refusal(actor, comment)
    ratelimit.check(user_id=actor.pk, action="vote")
    sql = _vote_sql(CommentVote, Comment, "comment_id", COMMENT_COUNTERS)
    fresh = _withdraw(sql, comment, actor)
    _refresh(comment, sql, fresh)
    if fresh is not None:
        readcache.discussion_changed(comment.page_id)
        events.tally_changed(comment.page_id, f"comment:{comment.pk}")
    return comment


# --- statements ------------------------------------------------------------------------------

def statement_vote_cast(*, actor, statement: Statement, value: int) -> Statement:
    """Agree (1), disagree (-1) or pass (0) on a published statement; changeable."""
    if not actor.has_perm("voting.vote_statement", statement):
        raise _statement_refusal(actor, statement)
    value = _value(value, STATEMENT_COUNTERS)
    ratelimit.check(user_id=actor.pk, action="vote")
    sql = _vote_sql(StatementVote, Statement, "statement_id", STATEMENT_COUNTERS)
    fresh = _cast(sql, statement, actor, value)
    _refresh(statement, sql, fresh)
    if fresh is not None:
        events.tally_changed(statement.page_id, f"statement:{statement.pk}")
    return statement


def statement_vote_withdraw(*, actor, statement: Statement) -> Statement:
    if not actor.has_perm("voting.vote_statement", statement):
        raise _statement_refusal(actor, statement)
    ratelimit.check(user_id=actor.pk, action="vote")
    sql = _vote_sql(StatementVote, Statement, "statement_id", STATEMENT_COUNTERS)
    fresh = _withdraw(sql, statement, actor)
    _refresh(statement, sql, fresh)
    if fresh is not None:
        events.tally_changed(statement.page_id, f"statement:{statement.pk}")
    return statement


# --- polls -----------------------------------------------------------------------------------

def _choice(raw, poll: Poll):
    if raw == OTHER:
        return OTHER
    if isinstance(raw, str) and raw.strip().isdigit():
        raw = int(raw.strip())
    if isinstance(raw, int) and not isinstance(raw, bool) and 0 <= raw < len(poll.options):
        return raw
    return None


def _poll_answer(poll: Poll, choices, scale, other_text) -> tuple[list[int], int | None, str]:
    """Check an answer against the poll block; return (option indexes, scale, other text)."""
    if poll.kind == "scale":
        if isinstance(scale, str) and scale.strip().isdigit():
            scale = int(scale.strip())
        if isinstance(scale, bool) or not isinstance(scale, int) or not 1 <= scale <= 5:
            raise ValidationError({"scale": [_("Choose a number from 1 to 5.")]})
        if choices:
            raise ValidationError({"choices": [_("This question is answered on a scale, not with options.")]})
        return [], scale, ""
    if scale not in (None, ""):
        raise ValidationError({"scale": [_("This question is answered with options, not on a scale.")]})
    if isinstance(choices, (str, int)):
        choices = [choices]
    picked = [_choice(raw, poll) for raw in (choices or [])]
    if None in picked or (OTHER in picked and not poll.allow_other):
        raise ValidationError({"choices": [_("Choose from the options given.")]})
    if len(set(picked)) != len(picked):
        raise ValidationError({"choices": [_("Choose each option only once.")]})
    if not picked:
        raise ValidationError({"choices": [_("Choose an answer.")]})
    if poll.kind == "single" and len(picked) > 1:
        raise ValidationError({"choices": [_("Choose only one answer.")]})
    text = ""
    if OTHER in picked:
        text = clean_line(other_text if isinstance(other_text, str) else "")
        if is_blank(text):
            raise ValidationError({"other_text": [_("Write your other answer.")]})
        if len(text) > OTHER_TEXT_MAX:
            raise ValidationError({"other_text": [_("Your other answer can be at most %(max)s characters.")
                                                  % {"max": OTHER_TEXT_MAX}]})
    return sorted(c for c in picked if c != OTHER), None, text


def poll_respond(*, actor, page, poll_id: str, choices=None, scale=None, other_text: str = "") -> PollResponse:
    """Answer (or change the answer to) one poll block on a page, until the page closes.

    `choices` holds option indexes and, when the block allows it, "other" with `other_text`."""
    page = page.specific
    if not actor.has_perm("voting.respond_poll", page):
        raise _not_participant(actor) or PermissionDenied(
            _("This poll is not open.") if page_state(page) == "upcoming" else _("This poll has closed."))
    poll = poll_on_page(page, poll_id)
    if poll is None:
        raise ValidationError({"poll_id": [_("There is no such poll on this page.")]})
    if (state := poll_state(page, poll)) != "open":
        raise PermissionDenied(_("This poll is not open.") if state == "upcoming" else _("This poll has closed."))
    indexes, scale, text = _poll_answer(poll, choices, scale, other_text)
    ratelimit.check(user_id=actor.pk, action="poll")
    fields = {"choices": indexes, "scale": scale, "other_text": text, "updated_at": timezone.now()}
    # update_or_create locks an existing row and, when two first answers race, retries the get.
    response, _created = PollResponse.objects.update_or_create(
        page_id=page.pk, poll_id=poll.id, respondent_id=actor.pk, defaults=fields)
    return response
