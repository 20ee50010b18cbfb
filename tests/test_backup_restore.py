"""The backup and restore procedure of deploy/README.md, run for real on PostgreSQL.

`pg_dump -Fc` of the test database, `pg_restore` into a fresh database, then what an operator
checks afterwards: the key tables hold as many rows, `manage.py verify_audit_log` passes against
the restored database (and fails there once an entry is changed: the check is not vacuous),
and stored consultation records still verify. Needs DATABASE_URL on PostgreSQL and pg_dump and
pg_restore on PATH, as in CI; skipped otherwise.
"""

import importlib.util
import io
import itertools
import os
import shutil
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.core.management import call_command, get_commands
from django.db import connection
from django.utils import timezone

from tests import factories

ROOT = Path(__file__).resolve().parents[1]
pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith("postgres")
                       or not (shutil.which("pg_dump") and shutil.which("pg_restore")),
                       reason="needs PostgreSQL (DATABASE_URL) and pg_dump/pg_restore on PATH, as in CI"),
]
_fresh_names = itertools.count(1)


def _server_args() -> list[str]:
    db = connection.settings_dict
    return ["-h", db["HOST"] or "127.0.0.1", "-p", str(db["PORT"] or 5432), "-U", db["USER"] or "postgres"]


def _conninfo(name: str) -> str:
    db = connection.settings_dict
    return psycopg.conninfo.make_conninfo(host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432,
                                          user=db["USER"] or "postgres", password=db["PASSWORD"] or None, dbname=name)


def _url(name: str) -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"


def _manage(database: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    """manage.py against another database, as an operator runs it after a restore (with the same
    SECRET_KEY: pseudonyms in records and exports are keyed with it)."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "DATABASE_URL": _url(database),
           "SECRET_KEY": settings.SECRET_KEY, "RAYZAN_VAR_DIR": str(tmp_path), "LOG_FORMAT": "text"}
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)


@pytest.fixture
def restore(tmp_path):
    """Dump the test database (custom format) and restore it into a database made for the test;
    returns a function doing both, and drops the restored databases afterwards."""
    made: list[str] = []

    def dump_and_restore() -> str:
        dump = tmp_path / "rayzan.dump"
        subprocess.run(["pg_dump", "-Fc", *_server_args(), "-d", connection.settings_dict["NAME"], "-f", str(dump)],
                       check=True, capture_output=True, timeout=300)
        fresh = f"rayzan_restore_{os.getpid()}_{next(_fresh_names)}"
        with psycopg.connect(_conninfo("postgres"), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{fresh}"')
            admin.execute(f'CREATE DATABASE "{fresh}"')
        made.append(fresh)
        subprocess.run(["pg_restore", "--no-owner", "--exit-on-error", *_server_args(), "-d", fresh, str(dump)],
                       check=True, capture_output=True, timeout=300)
        return fresh

    yield dump_and_restore
    with psycopg.connect(_conninfo("postgres"), autocommit=True) as admin:
        for name in made:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _history(site_tree):
    """Some of everything: pages, people, comments through the service (one held for personal
    data, so the moderation audit log has entries), votes, a statement, live events."""
    from consult.services.comments import comment_create
    from voting.models import CommentVote

    page = factories.consultation(site_tree.indexes["en"])
    people = [factories.participant(f"Citizen {n}", roles=["citizen"]) for n in range(3)]
    published = comment_create(actor=people[0], page=page, text="Buses should run all night.", stance="support",
                               section_id=page.section_list[0]["id"])
    comment_create(actor=people[1], page=page, text="Write to me at someone@example.org", stance="oppose",
                   section_id=page.section_list[0]["id"])
    for voter in people[1:]:
        CommentVote.objects.create(comment=published, voter=voter, value=1)
    from consult.models import Statement

    Statement.objects.create(page=page, text="Night buses are worth their cost", agree_count=0)
    return page


def _key_tables():
    from django.apps import apps

    labels = ["wagtailcore.Page", "wagtailcore.Revision", "auth.User", "consult.Profile", "consult.Comment",
              "consult.Statement", "consult.LiveEvent", "consult.LiveStream", "voting.CommentVote",
              "moderation.Case", "moderation.AuditEntry", "moderation.AuditHead", "reports.PageAnalysis"]
    return [apps.get_model(label)._meta.db_table for label in labels]


def _row_counts(conninfo: str, tables: list[str]) -> dict[str, int]:
    with psycopg.connect(conninfo) as conn:
        return {table: conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0] for table in tables}  # noqa: S608


def test_a_restored_dump_has_every_row_and_its_audit_log_verifies(site_tree, restore, tmp_path):
    from moderation.models import AuditEntry

    _history(site_tree)
    entries = AuditEntry.objects.count()
    assert entries >= 1  # the held comment was logged

    restored = restore()

    tables = _key_tables()
    assert _row_counts(_conninfo(restored), tables) == _row_counts(_conninfo(connection.settings_dict["NAME"]), tables)
    verified = _manage(restored, tmp_path, "verify_audit_log")
    assert verified.returncode == 0, verified.stderr
    assert f"{entries} entries verified" in verified.stdout

    # The check reads the restored database: a changed entry there is found and named.
    with psycopg.connect(_conninfo(restored), autocommit=True) as conn:
        first = conn.execute("SELECT min(id) FROM moderation_auditentry").fetchone()[0]
        conn.execute("UPDATE moderation_auditentry SET note = 'rewritten after the fact' WHERE id = %s", [first])
    broken = _manage(restored, tmp_path, "verify_audit_log")
    assert broken.returncode != 0 and f"entry #{first}" in broken.stderr


def test_stored_consultation_records_still_verify_after_a_restore(site_tree, restore, tmp_path):
    if importlib.util.find_spec("reports.archive") is None or not {"archive_consultation",
                                                                    "verify_archive"} <= set(get_commands()):
        pytest.skip("reports.archive and its archive_consultation / verify_archive commands are not here yet")
    from consult.services.comments import comment_create

    page = factories.consultation(site_tree.indexes["en"])
    author = factories.participant("Archived author", roles=["citizen"])
    comment_create(actor=author, page=page, text="Keep the library open on Fridays.", stance="support",
                   section_id=page.section_list[0]["id"])
    type(page).objects.filter(pk=page.pk).update(closes_at=timezone.now() - timezone.timedelta(minutes=1))
    bundle = tmp_path / "record.zip"
    call_command("archive_consultation", str(page.pk), "--output", str(bundle), stdout=io.StringIO())
    from reports.models import ConsultationArchive

    digest = ConsultationArchive.objects.get(page=page).digest

    restored = restore()

    verified = _manage(restored, tmp_path, "verify_archive", str(bundle))  # the digest looked up in the restored db
    assert verified.returncode == 0, verified.stderr + verified.stdout
    assert digest in verified.stdout
    # The restored content is the same content: archiving it again finds the same record.
    again = _manage(restored, tmp_path, "archive_consultation", str(page.pk))
    assert again.returncode == 0, again.stderr
    assert f"unchanged since it was archived; SHA-256 {digest}" in again.stdout
