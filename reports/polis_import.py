"""Bring a Pol.is conversation (an open-data export: one directory of CSV files) in as an ended
roundtable with its statements, participants and votes, so officials can carry earlier work over
and our opinion-group math can be checked against Pol.is's own on real data.

What is written, in one transaction:

- a RoundtablePage in the state "ended", dated from the earliest to the latest timestamp in the
  export, under the language's ConsultationIndexPage (or a given parent), published through
  consult's page service. Its summary keeps the licence note: the open data is CC BY 4.0 and the
  attribution must travel with every copy.
- one Statement per Pol.is comment (rejected ones stored as rejected, so the math can treat them
  as Pol.is does), without an author: Pol.is author ids are not people here. Text longer than a
  statement may be is cut at a word boundary and the cut is noted; the full text is kept nowhere.
- one inactive user per Pol.is participant who voted (no password, e-mail or profile), linked to
  the Pol.is participant id by an ExternalParticipant row with source ``polis:<directory name>``.
  A second import of the same directory reuses those users.
- the latest vote per (participant, statement) as StatementVote rows, and tallies equal to them.

All writes are bulk inserts: no per-statement live events, screening or search indexing (the
imported conversation is over; nobody is listening). vTaiwan's 49,443 votes take a few seconds.

``unpack_export_zip`` is the safe way in for uploads (the Wagtail admin form): it extracts only
the known CSV files, refuses paths that climb out, and caps the uncompressed size.
"""

from __future__ import annotations

import datetime as dt
import re
import time
import unicodedata
import zipfile
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from wagtail.models import Page

from consult.models import ConsultationIndexPage, RoundtablePage, RoundtableState, Statement, StatementStatus
from consult.models.contributions import STATEMENT_MAX_CHARS
from consult.roles import has_role
from consult.sanitize import clean_line
from consult.services.pages import page_publish_child
from reports.models import ExternalParticipant
from reports.polis_export import (
    COMMENTS_FILE,
    MATRIX_FILE,
    REJECTED,
    SUMMARY_FILE,
    VOTES_FILE,
    Export,
    read_export,
)
from voting.models import StatementVote

# Required by the data's licence, kept verbatim (not translated) wherever imported data is shown.
ATTRIBUTION = ("Data gathered using the Polis software (compdemocracy.org/polis), CC BY 4.0, "
               "The Computational Democracy Project")
SOURCE_PREFIX = "polis:"
USERNAME_PREFIX = "polis-"
EXPORT_FILES = frozenset({COMMENTS_FILE, VOTES_FILE, MATRIX_FILE, SUMMARY_FILE})
VOTE_BATCH = 5000
ROW_BATCH = 1000
ELLIPSIS = "…"
# Characters that must not end a cut text: they belong to the character before the cut.
_JOINERS = {"\u200c", "\u200d"}
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")

# Uploads (the admin form): the zip itself, and everything inside it once uncompressed.
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 300 * 1024 * 1024


class PolisImportError(ValueError):
    """The import cannot go ahead (no index page for the language, a bad parent, an unsafe zip);
    the message says what to change. Nothing has been stored when it is raised."""


@dataclass
class ImportResult:
    page: RoundtablePage
    source: str  # ExternalParticipant.source of the participants
    statements: int
    rejected: int
    participants: int
    new_participants: int  # the others were reused from an earlier import of the same export
    votes: int
    skipped_votes: int  # on statement ids comments.csv does not have
    truncated: list[int] = field(default_factory=list)  # Pol.is comment ids cut to STATEMENT_MAX_CHARS
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0


def polis_import(*, actor=None, directory: str | Path, language: str = "en", parent: Page | None = None,
                 title: str | None = None) -> ImportResult:
    """Import the Pol.is export in ``directory`` as a new ended roundtable; see the module docstring.

    ``actor`` is None for operators (the management command); a person (the admin form) must be
    an editor or an admin. Raises PolisExportError (unreadable export), PolisImportError, or
    PermissionDenied; in every case nothing is stored."""
    started = time.perf_counter()
    if actor is not None and not has_role(actor, "editor", "admin"):
        raise PermissionDenied(_("Only editors and admins may import Pol.is conversations."))
    languages = [code for code, _name in settings.LANGUAGES]
    if language not in languages:
        raise PolisImportError(_("Unknown language “%(language)s”; choose one of %(choices)s.")
                               % {"language": language, "choices": ", ".join(languages)})
    export = read_export(directory)  # reads and checks every file before anything is written
    parent = _parent(parent, language)
    name = export.directory.resolve().name
    source = f"{SOURCE_PREFIX}{name}"[:120]

    with transaction.atomic():
        page = _create_page(actor=actor, export=export, parent=parent, name=name, title=title)
        statement_ids, truncated, rejected = _create_statements(page, export)
        votes = [vote for vote in export.votes if vote.statement_id in statement_ids]
        skipped = len(export.votes) - len(votes)
        users, new_users = _participant_users(source, name, votes)
        undated = page.ends_at or page.starts_at  # participants-votes.csv has no times
        rows = []
        for vote in votes:
            when = _when(vote.timestamp) or undated
            rows.append(StatementVote(statement_id=statement_ids[vote.statement_id],
                                      voter_id=users[vote.participant_id], value=vote.value,
                                      created_at=when, updated_at=when))
        StatementVote.objects.bulk_create(rows, batch_size=VOTE_BATCH)

    notes = list(export.notes)
    if truncated:
        notes.append(ngettext(
            "%(count)d statement was longer than %(max)d characters and was shortened: Pol.is comment %(ids)s.",
            "%(count)d statements were longer than %(max)d characters and were shortened: Pol.is comments %(ids)s.",
            len(truncated)) % {"count": len(truncated), "max": STATEMENT_MAX_CHARS,
                               "ids": ", ".join(map(str, truncated))})
    if skipped:
        notes.append(_("%(count)d votes on comments missing from comments.csv were left out.") % {"count": skipped})
    reused = len(users) - new_users
    if reused:
        notes.append(_("%(count)d participants were already known from an earlier import of “%(source)s” "
                       "and were reused.") % {"count": reused, "source": source})
    if export.votes_source == MATRIX_FILE:
        notes.append(_("No votes.csv: the votes come from participants-votes.csv, which has no times; "
                       "they are dated at the end of the conversation."))
    return ImportResult(page=page, source=source, statements=len(statement_ids), rejected=rejected,
                        participants=len(users), new_participants=new_users, votes=len(votes),
                        skipped_votes=skipped, truncated=truncated, notes=notes,
                        seconds=time.perf_counter() - started)


def shorten(text: str, limit: int = STATEMENT_MAX_CHARS) -> str:
    """``text`` on one line, at most ``limit`` characters: cut with an ellipsis at the last space
    when there is one in the last third (words stay whole), else between characters but never
    between a character and the marks or joiners that belong to it (Persian, Devanagari, emoji)."""
    text = clean_line(text)
    if len(text) <= limit:
        return text
    cut = text[: limit - len(ELLIPSIS)]
    space = cut.rfind(" ")
    if space >= limit * 2 // 3:
        cut = cut[:space]
    else:
        while cut and (_binds(text[len(cut)]) or cut[-1] in _JOINERS):
            cut = cut[:-1]
    return cut.rstrip(" ,;:-") + ELLIPSIS


def _binds(character: str) -> bool:
    """A mark or joiner that belongs to the character before it."""
    return character in _JOINERS or unicodedata.category(character) in {"Mn", "Mc", "Me"}


def unpack_export_zip(upload, into: Path) -> Path:
    """Extract the Pol.is CSV files of an uploaded zip into a new folder under ``into``; return it.

    The folder is named after the zip's one top-level folder when the files sit in one (how a
    zipped export directory looks), else after the zip file: that name becomes the participants'
    source. Refused with PolisImportError: not a zip, encrypted members, absolute paths, ``..``,
    nested folders, any file other than the export's CSV files, duplicates, and more than
    MAX_UNCOMPRESSED_BYTES once uncompressed (counted while extracting, not trusted from the
    zip's headers)."""
    if getattr(upload, "size", 0) and upload.size > MAX_UPLOAD_BYTES:
        raise PolisImportError(_("The file is larger than %(mb)d MB.") % {"mb": MAX_UPLOAD_BYTES // (1024 * 1024)})
    try:
        archive = zipfile.ZipFile(upload)
    except (zipfile.BadZipFile, OSError, EOFError) as error:
        raise PolisImportError(_("This is not a zip file. Upload a .zip holding comments.csv and "
                                 "votes.csv (or participants-votes.csv) from the Pol.is export.")) from error
    with archive:
        members, folders = [], set()
        for info in archive.infolist():
            raw = info.filename
            path = PurePosixPath(raw.replace("\\", "/"))
            if raw.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", raw) or ".." in path.parts:
                raise PolisImportError(_("Refused: the zip holds a path outside its folder (%(name)s).")
                                       % {"name": raw})
            if info.is_dir():
                if len(path.parts) > 1:
                    raise PolisImportError(_("Refused: the zip holds nested folders (%(name)s).") % {"name": raw})
                continue
            if path.name not in EXPORT_FILES or len(path.parts) > 2:
                raise PolisImportError(_("Refused: %(name)s is not a file of a Pol.is export. The zip may hold "
                                         "only %(files)s.") % {"name": raw, "files": ", ".join(sorted(EXPORT_FILES))})
            if info.flag_bits & 0x1:
                raise PolisImportError(_("Refused: %(name)s is encrypted.") % {"name": raw})
            folders.add(path.parts[0] if len(path.parts) == 2 else "")
            members.append((info, path.name))
        if len(folders) > 1:
            raise PolisImportError(_("The files must all sit in one folder of the zip."))
        names = [name for _info, name in members]
        duplicates = sorted(name for name, count in Counter(names).items() if count > 1)
        if duplicates:
            raise PolisImportError(_("The zip holds %(name)s twice.") % {"name": duplicates[0]})
        if COMMENTS_FILE not in names:
            raise PolisImportError(_("The zip has no comments.csv: add it from the Pol.is export."))
        if sum(info.file_size for info, _name in members) > MAX_UNCOMPRESSED_BYTES:
            raise PolisImportError(_("The files are larger than %(mb)d MB once uncompressed.")
                                   % {"mb": MAX_UNCOMPRESSED_BYTES // (1024 * 1024)})
        folder = folders.pop() if folders else ""
        stem = folder or PurePosixPath(getattr(upload, "name", "") or "polis-export").stem
        safe = _SAFE_NAME.sub("-", stem).strip(".-") or "polis-export"
        target = into / safe[:80]
        target.mkdir(parents=True)
        budget = MAX_UNCOMPRESSED_BYTES
        for info, name in members:
            with archive.open(info) as source, (target / name).open("wb") as destination:
                while chunk := source.read(1024 * 1024):
                    budget -= len(chunk)
                    if budget < 0:
                        raise PolisImportError(_("The files are larger than %(mb)d MB once uncompressed.")
                                               % {"mb": MAX_UNCOMPRESSED_BYTES // (1024 * 1024)})
                    destination.write(chunk)
        return target


# --- The parts --------------------------------------------------------------------------------------


def _parent(parent: Page | None, language: str) -> Page:
    if parent is None:
        index = ConsultationIndexPage.objects.filter(locale__language_code=language).first()
        if index is None:
            raise PolisImportError(_("There is no consultation index page in language “%(language)s” to put "
                                     "the roundtable under.") % {"language": language})
        return index
    parent = parent.specific
    if not isinstance(parent, ConsultationIndexPage):
        raise PolisImportError(_("Page %(id)s is not a consultation index page; roundtables go under one.")
                               % {"id": parent.pk})
    return parent


def _when(milliseconds: int | None) -> dt.datetime | None:
    if milliseconds is None:
        return None
    return dt.datetime.fromtimestamp(milliseconds / 1000, tz=dt.UTC)


def _span(export: Export) -> tuple[dt.datetime, dt.datetime]:
    stamps = [s.created for s in export.statements] + [v.timestamp for v in export.votes if v.timestamp is not None]
    if not stamps:
        now = timezone.now()
        return now, now
    return _when(min(stamps)), _when(max(stamps))


def _summary(export: Export, name: str, language: str) -> str:
    with translation.override(language):
        imported = _("Imported from the Pol.is conversation “%(name)s”.") % {"name": name}
        url = export.summary.get("url", "").strip()
        if url:
            imported += " " + _("Original: %(url)s") % {"url": url}
    lead = export.description or export.topic
    return "\n\n".join(part for part in (lead, imported, ATTRIBUTION + ".") if part)


def _unique_slug(parent: Page, base: str) -> str:
    base = (base or "polis")[:240].strip("-") or "polis"
    taken = set(parent.get_children().filter(slug__startswith=base).values_list("slug", flat=True))
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    return slug


def _create_page(*, actor, export: Export, parent: Page, name: str, title: str | None) -> RoundtablePage:
    starts_at, ends_at = _span(export)
    page = RoundtablePage(
        title=(clean_line(title or "") or export.title)[:255],
        slug=_unique_slug(parent, slugify(f"polis-{name.replace('.', '-')}")),
        summary=_summary(export, name, parent.locale.language_code),
        starts_at=starts_at, ends_at=ends_at, state=RoundtableState.ENDED, locale=parent.locale,
    )
    return page_publish_child(actor=actor, parent=parent, page=page)


def _create_statements(page: RoundtablePage, export: Export) -> tuple[dict[int, int], list[int], int]:
    """Statements with their tallies; returns {Pol.is comment id: statement pk}, the ids cut short,
    and how many are rejected."""
    tallies: dict[int, Counter] = defaultdict(Counter)
    for vote in export.votes:
        tallies[vote.statement_id][vote.value] += 1
    rows, truncated = [], []
    for comment in export.statements:
        text = shorten(comment.text) or _("(no text)")
        if len(clean_line(comment.text)) > STATEMENT_MAX_CHARS:
            truncated.append(comment.id)
        tally = tallies[comment.id]
        rows.append(Statement(
            page=page, author=None, text=text,
            status=StatementStatus.REJECTED if comment.moderated == REJECTED else StatementStatus.PUBLISHED,
            created_at=_when(comment.created), agree_count=tally[1], disagree_count=tally[-1], pass_count=tally[0]))
    created = Statement.objects.bulk_create(rows, batch_size=ROW_BATCH)
    if any(row.pk is None for row in created):  # a database that cannot return ids from a bulk insert
        pks = list(Statement.objects.filter(page=page).order_by("pk").values_list("pk", flat=True))
        for row, pk in zip(created, pks, strict=True):
            row.pk = pk
    ids = {comment.id: row.pk for comment, row in zip(export.statements, created, strict=True)}
    rejected = sum(comment.moderated == REJECTED for comment in export.statements)
    return ids, truncated, rejected


def _participant_users(source: str, name: str, votes) -> tuple[dict[int, int], int]:
    """{Pol.is participant id: user pk} for everyone who voted, creating the users this source does
    not have yet (inactive, no usable password, no e-mail, no profile); returns how many were new."""
    User = get_user_model()
    first_vote: dict[int, int | None] = dict.fromkeys(vote.participant_id for vote in votes)
    for vote in votes:
        earliest = first_vote[vote.participant_id]
        if vote.timestamp is not None and (earliest is None or vote.timestamp < earliest):
            first_vote[vote.participant_id] = vote.timestamp
    known = {int(external): user for external, user in
             ExternalParticipant.objects.filter(source=source).values_list("external_id", "user_id")
             if external.lstrip("-").isdigit()}
    missing = sorted(pid for pid in first_vote if pid not in known)
    if missing:
        prefix = f"{USERNAME_PREFIX}{slugify(name.replace('.', '-'))[:100] or 'export'}-"
        taken = set(User.objects.filter(username__startswith=prefix).values_list("username", flat=True))
        now = timezone.now()
        users = []
        for pid in missing:
            username, n = f"{prefix}{pid}", 1
            while username in taken:  # someone else's account, or a user left from a deleted link
                n += 1
                username = f"{prefix}{pid}-{n}"
            taken.add(username)
            user = User(username=username, email="", is_active=False,
                        date_joined=_when(first_vote[pid]) or now)
            user.set_unusable_password()
            users.append(user)
        created = User.objects.bulk_create(users, batch_size=ROW_BATCH)
        if any(user.pk is None for user in created):
            pks = dict(User.objects.filter(username__startswith=prefix).values_list("username", "pk"))
            for user in created:
                user.pk = pks[user.username]
        ExternalParticipant.objects.bulk_create(
            [ExternalParticipant(user_id=user.pk, source=source, external_id=str(pid))
             for pid, user in zip(missing, created, strict=True)], batch_size=ROW_BATCH)
        known.update({pid: user.pk for pid, user in zip(missing, created, strict=True)})
    return {pid: known[pid] for pid in first_vote}, len(missing)
