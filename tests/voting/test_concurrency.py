"""A storm of concurrent votes: casting, flipping, replaying and withdrawing on the same few
comments and statements from many threads, each with its own database connection.

Afterwards there is one row per (voter, target), every cached counter equals a COUNT(*)
recount, and no thread saw an error (no "database is locked", no IntegrityError, no deadlock).
CI runs this on PostgreSQL (DATABASE_URL): 50 threads, 10,000 votes.
"""

import os
import random
import shutil
import sqlite3
import tempfile
import threading
from contextlib import contextmanager

import pytest
from django.contrib.auth import get_user_model
from django.db import close_old_connections, connection, connections
from django.db.models import Count

from consult.models import Comment, Statement
from tests.voting.conftest import make_comment, make_user, seeded
from voting import services
from voting.models import CommentVote, StatementVote

pytestmark = pytest.mark.django_db(transaction=True)


@contextmanager
def database_for_threads():
    """Let other threads' connections reach the test's data.

    Django's SQLite test database is a shared-cache in-memory database, where a second writer
    fails at once with "database table is locked" (busy_timeout does not apply to shared-cache
    locks). The embedded production setup is a WAL file with IMMEDIATE transactions and a busy
    timeout, so on SQLite the storm runs on a file copy with exactly those settings."""
    if connection.vendor != "sqlite" or not connection.is_in_memory_db():
        yield
        return
    directory = tempfile.mkdtemp(prefix="rayzan-storm-")
    path = os.path.join(directory, "storm.sqlite3")
    connection.ensure_connection()
    target = sqlite3.connect(path)
    connection.connection.backup(target)
    target.close()
    settings_dict = connections.settings["default"]
    memory_name = settings_dict["NAME"]
    settings_dict["NAME"] = path
    try:
        yield
    finally:
        settings_dict["NAME"] = memory_name
        shutil.rmtree(directory, ignore_errors=True)


def in_thread(function, *args):
    """Run `function` in a new thread with its own connection; return its result or raise."""
    outcome = {}

    def run():
        close_old_connections()
        try:
            outcome["result"] = function(*args)
        except BaseException as exc:  # handed back to the caller
            outcome["error"] = exc
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["result"]


def storm(seed: int, ops: int, voter_ids, comment_ids, statement_ids, errors: list, start: threading.Barrier):
    close_old_connections()
    try:
        rng = random.Random(seed)
        voters = list(get_user_model().objects.filter(pk__in=voter_ids).select_related("profile"))
        comments = list(Comment.objects.select_related("page").filter(pk__in=comment_ids))
        statements = list(Statement.objects.filter(pk__in=statement_ids))
        for statement in statements:
            statement.page = statement.page.specific
        start.wait()
        for _ in range(ops):
            voter = rng.choice(voters)
            roll = rng.random()
            if rng.random() < 0.5:
                comment = rng.choice(comments)
                if roll < 0.15:
                    services.comment_vote_withdraw(actor=voter, comment=comment)
                else:
                    services.comment_vote_cast(actor=voter, comment=comment, value=rng.choice((1, -1)))
            else:
                statement = rng.choice(statements)
                if roll < 0.15:
                    services.statement_vote_withdraw(actor=voter, statement=statement)
                else:
                    services.statement_vote_cast(actor=voter, statement=statement, value=rng.choice((1, -1, 0)))
    except BaseException as exc:  # every error is a failure, reported below
        errors.append(f"{type(exc).__name__}: {exc}")
    finally:
        connection.close()


def audit(comment_ids, statement_ids) -> list[str]:
    problems = []
    for model, field in [(CommentVote, "comment"), (StatementVote, "statement")]:
        duplicates = model.objects.values(field, "voter").annotate(n=Count("id")).filter(n__gt=1)
        problems += [f"duplicate {model.__name__}: {row}" for row in duplicates]
    for comment in Comment.objects.filter(pk__in=comment_ids):
        truth = (comment.votes.filter(value=1).count(), comment.votes.filter(value=-1).count())
        if (comment.support_count, comment.oppose_count) != truth:
            problems.append(f"comment {comment.pk}: {(comment.support_count, comment.oppose_count)} != {truth}")
    for statement in Statement.objects.filter(pk__in=statement_ids):
        truth = tuple(statement.votes.filter(value=v).count() for v in (1, -1, 0))
        cached = (statement.agree_count, statement.disagree_count, statement.pass_count)
        if cached != truth:
            problems.append(f"statement {statement.pk}: {cached} != {truth}")
    total = CommentVote.objects.count() + StatementVote.objects.count()
    return problems if total else ["no votes were stored at all"]


def test_concurrent_vote_storm_keeps_tallies_exact(site_tree, settings):
    postgres = connection.vendor == "postgresql"
    threads, total = (50, 10_000) if postgres else (20, 1_000)
    settings.RAYZAN_RATE_LIMITS = {**settings.RAYZAN_RATE_LIMITS, "vote": "1000000/m"}
    page = seeded(site_tree.indexes["en"], seeds=("One.", "Two.", "Three."))
    authors = [make_user() for _ in range(3)]
    comment_ids = [make_comment(page, author).pk for author in authors]
    statement_ids = list(Statement.objects.filter(page_id=page.pk).values_list("pk", flat=True))
    voter_ids = [make_user().pk for _ in range(12)]
    errors: list[str] = []
    start = threading.Barrier(threads)
    with database_for_threads():
        workers = [threading.Thread(target=storm, args=(seed, total // threads, voter_ids, comment_ids,
                                                        statement_ids, errors, start))
                   for seed in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(timeout=600)
        assert not any(worker.is_alive() for worker in workers), "a thread hung"
        problems = in_thread(audit, comment_ids, statement_ids)
    assert errors == []
    assert problems == []
