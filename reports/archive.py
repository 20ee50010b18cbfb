"""The record of a closed consultation: built, frozen, published by its digest, checked.

A record is three files. ``record.json`` is the consultation as it ended, in canonical JSON
(sorted keys, UTF-8, no spaces): its metadata, every published version of the draft with its
sections, every public comment (withdrawn ones as placeholders without text) and statement with
tallies, poll results, the opinion groups, the public moderation figures and the official
response. ``record.html`` renders it for people: self-contained (one inline stylesheet, no script,
nothing fetched), printable, in the consultation's language and direction. ``manifest.json``
lists both with their size and SHA-256; the record's **digest** is the SHA-256 of manifest.json,
shown on the consultation page, so anyone holding a copy can check it (``verify_archive``).

The digest covers content only. Nothing in the files says when they were made: the only time
that is not history is the record's ``closed_at``. Archiving an unchanged consultation therefore
gives the same digest again, and the stored archive is only marked as confirmed; a changed one
(an official response published after closing, a late moderation decision) adds a new archive
and keeps the old ones, each downloadable under its own digest. When it was archived lives in
the database (ConsultationArchive.created_at) and the API, not in the files. Because the HTML is
itself listed in the manifest it cannot contain the digest of the manifest; it shows the SHA-256
of the record.json it renders.

Privacy: authors appear as the open-data pseudonym (reports.exports.pseudonym), never by name.
The opinion groups are kept without the participants' map points (votes are not public on the
site; a point next to a pseudonym would make them so). Statement authors are left out, as in the
exports. Held and rejected contributions are counted, never shown.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import json
import re
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import F, OuterRef, Q, Subquery
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext
from wagtail.models import PageLogEntry, Revision
from wagtail.rich_text import expand_db_html

from consult.models import Comment, CommentStatus, ConsultationPage, OfficialResponse, Statement, StatementStatus
from consult.rules import is_admin
from consult.sanitize import sanitise_html
from moderation import transparency
from moderation.api_transparency import PageReportSerializer
from reports import analysis, exports, opinion_map
from reports.models import AnalysisKind, ConsultationArchive
from voting import selectors as voting_selectors

FORMAT = "rayzan-consultation-record/1"
RECORD, HTML, MANIFEST = "record.json", "record.html", "manifest.json"
BUNDLE_FILES = (RECORD, HTML, MANIFEST)
LISTED_FILES = (RECORD, HTML)  # what manifest.json lists
DIGEST_PATTERN = re.compile(r"[0-9a-f]{64}")
PUBLISH_ACTIONS = ("wagtail.publish", "wagtail.publish.scheduled")
ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # fixed, so the same record always zips to the same bytes
MANIFEST_MAX_BYTES = 1024 * 1024
HASH_CHUNK = 1024 * 1024
# What the record keeps of the stored opinion groups: not "points" (each participant's place).
GROUP_KEYS = ("basis", "k", "n_participants", "n_grouped", "n_statements", "groups", "consensus_agree",
              "consensus_disagree", "divisive")


class NotClosed(ValueError):
    """Only a closed, published consultation has a record."""


def canonical_json(value) -> bytes:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _iso(value: datetime.datetime | None) -> str | None:
    return value.astimezone(datetime.UTC).isoformat() if value is not None else None


# --- the record ------------------------------------------------------------------------------------

def _consultation(page: ConsultationPage) -> dict:
    return {
        "id": page.pk, "title": page.title, "language": page.locale.language_code, "url": page.get_full_url() or "",
        "summary": page.summary, "agency": page.agency, "source_reference": page.source_reference,
        "opens_at": _iso(page.opens_at), "closes_at": _iso(page.closes_at),
        "topics": sorted(topic.name for topic in page.topics.all()),
        "region": page.region.name if page.region_id else None,
    }


def _versions(page: ConsultationPage) -> list[dict]:
    """Every revision that went live (Wagtail logs each publication with its revision), in the
    order they were first published, with the text as it was then."""
    first_published: dict[int, datetime.datetime | None] = {}
    entries = (PageLogEntry.objects.filter(page_id=page.pk, action__in=PUBLISH_ACTIONS, revision_id__isnull=False)
               .order_by("timestamp", "pk").values_list("revision_id", "timestamp"))
    for revision_id, when in entries:
        first_published.setdefault(revision_id, when)
    if page.live_revision_id and page.live_revision_id not in first_published:  # published without a log entry
        first_published[page.live_revision_id] = page.last_published_at
    revisions = Revision.objects.in_bulk(list(first_published))
    versions = []
    for revision_id, when in sorted(first_published.items(), key=lambda item: (_iso(item[1]) or "", item[0])):
        revision = revisions.get(revision_id)
        if revision is None:  # purged since: say so rather than leave a silent gap
            versions.append({"revision": revision_id, "published_at": _iso(when), "available": False})
            continue
        version = revision.as_object()
        versions.append({
            "revision": revision_id, "published_at": _iso(when), "available": True, "title": version.title,
            "summary": version.summary, "introduction_html": expand_db_html(version.introduction or ""),
            "sections": [{"id": s["id"], "number": s["number"], "heading": s["heading"],
                          "html": expand_db_html(s["body"].source)} for s in version.section_list],
        })
    return versions


def _comments(page: ConsultationPage) -> dict:
    names = exports.Pseudonyms(page.pk)
    rows = (Comment.objects.filter(page_id=page.pk, status__in=[CommentStatus.PUBLISHED, CommentStatus.WITHDRAWN])
            .order_by("pk").values_list("pk", "status", "author_id", "section_id", "parent_id", "depth", "stance",
                                        "body", "body_html", "created_at", "edited_at", "support_count",
                                        "oppose_count", "reply_count", "is_official", "page_revision_id"))
    items = []
    for (pk, status, author, section, parent, depth, stance, body, body_html, created, edited, support, oppose,
         replies, official, revision) in rows.iterator(chunk_size=exports.CHUNK_ROWS):
        item = {"id": pk, "status": status, "section_id": section or None, "parent_id": parent, "depth": depth,
                "created_at": _iso(created), "replies": replies}
        if status == CommentStatus.PUBLISHED:
            item |= {"participant": names(author), "stance": stance or None, "text": body, "html": body_html,
                     "edited_at": _iso(edited), "support": support, "oppose": oppose, "official": official,
                     "revision": revision}
        items.append(item)
    hidden = Comment.objects.filter(page_id=page.pk, status__in=[CommentStatus.PENDING, CommentStatus.REJECTED])
    return {"items": items, "held_or_rejected": hidden.count(), "participants": exports.PSEUDONYMS}


def _statements(page: ConsultationPage) -> dict:
    table = exports.statements_table(page)
    columns = list(table.columns)
    held = Statement.objects.filter(page_id=page.pk).exclude(status=StatementStatus.PUBLISHED).count()
    return {"items": [dict(zip(columns, row, strict=True)) for row in table.rows()], "held_or_rejected": held}


def _polls(page: ConsultationPage) -> list[dict]:
    polls = []
    for poll in voting_selectors.page_polls(page):
        results = voting_selectors.poll_results(page, poll.id) or {}
        polls.append({"id": poll.id, "question": poll.question, "kind": poll.kind, "allow_other": poll.allow_other,
                      "scale_low_label": poll.scale_low_label, "scale_high_label": poll.scale_high_label,
                      **{key: value for key, value in results.items() if key != "poll_id"}})
    return polls


def _opinion_groups(page: ConsultationPage) -> dict | None:
    stored = analysis.latest(page.pk, AnalysisKind.OPINION_GROUPS)
    result = stored.result if stored is not None else {}
    if not result.get("groups"):
        return None
    return {key: result[key] for key in GROUP_KEYS if key in result}


def _moderation(page: ConsultationPage) -> dict:
    """The public moderation report, in the shape of GET /api/v1/pages/<id>/moderation-report/."""
    return json.loads(json.dumps(PageReportSerializer(transparency.page_report(page.pk)).data))


def _official_response(page: ConsultationPage) -> dict | None:
    if not (page.response_published_at and page.official_response):
        return None
    structured = OfficialResponse.objects.filter(page_id=page.pk, published_at__isnull=False).first()
    sections = structured.published_sections if structured is not None else []
    return {
        "first_published_at": _iso(page.response_published_at),
        "last_published_at": _iso(structured.published_at) if structured is not None else None,
        "summary_html": expand_db_html(page.official_response),
        "sections": [{"section_id": s.get("section_id"), "html": s.get("body_html", ""),
                      "comments": s.get("comments", []), "campaigns": s.get("campaigns", [])} for s in sections],
    }


def build_record(page: ConsultationPage) -> dict:
    """The record as plain JSON data; labels are in the consultation's language."""
    with translation.override(page.locale.language_code):
        return {
            "format": FORMAT, "consultation": _consultation(page), "closed_at": _iso(page.closes_at),
            "versions": _versions(page), "comments": _comments(page), "statements": _statements(page),
            "polls": _polls(page), "opinion_groups": _opinion_groups(page), "moderation": _moderation(page),
            "official_response": _official_response(page),
        }


# --- the readable rendering -----------------------------------------------------------------------

def _when(value: str | None) -> datetime.datetime | None:
    return datetime.datetime.fromisoformat(value) if value else None


def _section_headings(versions: list[dict]) -> dict[str, dict]:
    """Every section that was ever published, by id, as it last read: the latest version's
    sections in order first, then those removed along the way."""
    known: dict[str, dict] = {}
    for version in versions:
        for section in version.get("sections", []):
            known[section["id"]] = section
    latest = next((v["sections"] for v in reversed(versions) if v.get("available")), [])
    ordered = {s["id"]: {**known[s["id"]], "removed": False} for s in latest}
    for section_id, section in sorted(known.items(), key=lambda item: item[1]["number"]):
        ordered.setdefault(section_id, {**section, "removed": True})
    return ordered


def _threads(comments: list[dict], sections: dict[str, dict]) -> list[dict]:
    """Comments per section (whole-consultation ones after the sections), each followed by its
    replies; a reply whose comment is not public is shown at the top with a note."""
    public = {c["id"] for c in comments}
    children, roots = defaultdict(list), defaultdict(list)
    for comment in sorted(comments, key=lambda c: (c["created_at"], c["id"])):
        if comment["parent_id"] in public:
            children[comment["parent_id"]].append(comment)
        else:
            roots[comment["section_id"] or ""].append(comment)

    def view(comment: dict) -> dict:
        return {**comment, "created_at": _when(comment["created_at"]), "edited_at": _when(comment.get("edited_at")),
                "html": sanitise_html(comment.get("html") or ""),
                "orphan": comment["parent_id"] is not None and comment["parent_id"] not in public}

    def flatten(comment: dict, into: list) -> list:
        into.append(view(comment))
        for child in children[comment["id"]]:
            flatten(child, into)
        return into

    order = [*sections, "", *(key for key in roots if key and key not in sections)]
    return [{"section": sections.get(key), "whole": key == "",
             "comments": [row for root in roots[key] for row in flatten(root, [])]}
            for key in order if roots.get(key)]


def _statement_rows(items: list[dict]) -> tuple[list[int], list[dict]]:
    groups = sorted({int(key[len("agree_g"):]) for item in items for key in item if key.startswith("agree_g")})
    rows = [{**item, "created_at": _when(item["created_at"]),
             "by_group": [(opinion_map.group_letter(g), item[f"agree_g{g}"], item[f"disagree_g{g}"], item[f"pass_g{g}"])
                          for g in groups]}
            for item in items]
    return groups, rows


def _group_view(groups: dict | None, record: dict, sections: dict[str, dict]) -> dict | None:
    """The stored groups with letters (as on the dashboard) and each target in words, taken from
    the record itself so the rendering says nothing record.json does not."""
    if groups is None:
        return None
    words = {f"statement:{s['id']}": s["text"] for s in record["statements"]["items"]}
    words |= {f"comment:{c['id']}": (c.get("text") or "")[:200] for c in record["comments"]["items"]}
    with_words = gettext("Stance on: %(heading)s")
    words |= {f"section:{key}": with_words % {"heading": s["heading"]} for key, s in sections.items()}
    words["section:whole"] = gettext("Stance on the consultation as a whole")

    def listed(items: list[dict]) -> list[dict]:
        return [{**item, "words": words.get(item["target"], "—"),
                 "percent": round(100 * item["count"] / item["seen"]) if item.get("seen") else None}
                for item in items]

    return {**groups, "groups": [{**g, "letter": opinion_map.group_letter(g["index"]),
                                  "representative": listed(g.get("representative", [])),
                                  "agrees": listed(g.get("agrees", [])), "disagrees": listed(g.get("disagrees", []))}
                                 for g in groups.get("groups", [])],
            "consensus": [{**c, "words": words.get(c["target"], "—"), "direction": direction}
                          for direction in ("agree", "disagree") for c in groups.get(f"consensus_{direction}", [])],
            "divisive": [{**d, "words": words.get(d["target"], "—"),
                          "rates": [{"letter": opinion_map.group_letter(i), "percent": round(100 * rate)}
                                    for i, rate in enumerate(d.get("agree_rates", []))]}
                         for d in groups.get("divisive", [])]}


def _median(seconds: int | None) -> dict | None:
    parts = transparency.duration_parts(datetime.timedelta(seconds=seconds) if seconds is not None else None)
    return {"value": parts[0], "unit": parts[1]} if parts else None


def _html_context(record: dict, record_sha256: str) -> dict:
    versions, previous = [], None
    for version in record["versions"]:
        view = {**version, "published_at": _when(version["published_at"])}
        if version.get("available"):
            view["unchanged"] = previous is not None and all(
                version[key] == previous[key] for key in ("title", "summary", "introduction_html", "sections"))
            previous = version
        versions.append(view)
    sections = _section_headings(record["versions"])
    group_indexes, statements = _statement_rows(record["statements"]["items"])
    response = record["official_response"]
    if response is not None:
        response = {**response, "first_published_at": _when(response["first_published_at"]),
                    "sections": [{**s, "html": sanitise_html(s["html"]), "section": sections.get(s["section_id"])}
                                 for s in response["sections"]]}
    consultation = record["consultation"]
    return {
        "record": record, "record_sha256": record_sha256, "consultation": consultation,
        "language": consultation["language"], "rtl": translation.get_language_bidi(),
        "opens_at": _when(consultation["opens_at"]), "closes_at": _when(consultation["closes_at"]),
        "versions": versions, "threads": _threads(record["comments"]["items"], sections),
        "comment_count": len(record["comments"]["items"]),
        "group_indexes": group_indexes, "statements": statements, "polls": record["polls"],
        "groups": _group_view(record["opinion_groups"], record, sections), "moderation": record["moderation"],
        "median": _median(record["moderation"].get("median_decision_seconds")), "response": response,
    }


def render_html(record: dict, record_sha256: str) -> str:
    """record.html: in the consultation's language and the site's time zone, whoever renders it."""
    with translation.override(record["consultation"]["language"]), timezone.override(settings.TIME_ZONE):
        return render_to_string("reports/archive/record.html", _html_context(record, record_sha256))


# --- the bundle ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Bundle:
    files: dict[str, bytes]  # record.json, record.html, manifest.json
    digest: str  # SHA-256 of manifest.json

    @property
    def size(self) -> int:
        return sum(len(data) for data in self.files.values())


def manifest_for(record: dict, files: dict[str, bytes]) -> bytes:
    consultation = record["consultation"]
    return canonical_json({
        "format": FORMAT, "consultation": {"id": consultation["id"], "title": consultation["title"],
                                           "language": consultation["language"], "url": consultation["url"]},
        "closed_at": record["closed_at"],
        "files": [{"name": name, "size": len(data), "sha256": sha256(data)} for name, data in sorted(files.items())],
        "digest": "The record's digest is the SHA-256 of this file, byte for byte.",
    })


def build_bundle(page: ConsultationPage) -> Bundle:
    record = build_record(page)
    record_bytes = canonical_json(record)
    files = {RECORD: record_bytes, HTML: render_html(record, sha256(record_bytes)).encode()}
    manifest = manifest_for(record, files)
    return Bundle(files={**files, MANIFEST: manifest}, digest=sha256(manifest))


def stored_bundle(archive: ConsultationArchive) -> Bundle:
    return Bundle(files={RECORD: archive.record.encode(), HTML: archive.html.encode(),
                         MANIFEST: archive.manifest.encode()}, digest=archive.digest)


def zip_bytes(bundle: Bundle) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in BUNDLE_FILES:
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, bundle.files[name])
    return buffer.getvalue()


def write_bundle(bundle: Bundle, path: Path) -> Path:
    """A .zip file, or the three files in a directory (created if needed)."""
    path = Path(path)
    if path.suffix.lower() == ".zip":
        path.write_bytes(zip_bytes(bundle))
        return path
    path.mkdir(parents=True, exist_ok=True)
    for name, data in bundle.files.items():
        (path / name).write_bytes(data)
    return path


# --- archiving -------------------------------------------------------------------------------------

def archive_consultation(*, actor=None, page: ConsultationPage) -> tuple[ConsultationArchive, bool]:
    """Freeze a closed consultation's record. Returns (archive, created): unchanged content finds
    its archive again (created False, confirmed_at moved). `actor` None is the system (the
    worker, or an operator's manage.py command); a person must be an administrator."""
    if actor is not None and not is_admin(actor):
        raise PermissionDenied("Only administrators archive consultations.")
    page = ConsultationPage.objects.live().filter(pk=page.pk).first()
    if page is None or page.status != "closed":
        raise NotClosed("Only a published consultation that has closed can be archived.")
    bundle = build_bundle(page)
    now = timezone.now()
    archive, created = ConsultationArchive.objects.get_or_create(
        page_id=page.pk, digest=bundle.digest,
        defaults={"created_at": now, "confirmed_at": now, "manifest": bundle.files[MANIFEST].decode(),
                  "record": bundle.files[RECORD].decode(), "html": bundle.files[HTML].decode(),
                  "size": bundle.size})
    if not created:
        ConsultationArchive.objects.filter(pk=archive.pk).update(confirmed_at=now)
        archive.confirmed_at = now
    return archive, created


def due_page_ids(now: datetime.datetime | None = None) -> list[int]:
    """Published, public consultations that have closed and whose current record is missing,
    older than their closing (they were reopened) or older than their latest published response."""
    now = now or timezone.now()
    confirmed = (ConsultationArchive.objects.filter(page_id=OuterRef("pk")).order_by("-confirmed_at")
                 .values("confirmed_at")[:1])
    return list(ConsultationPage.objects.live().public().filter(closes_at__lte=now)
                .annotate(archived=Subquery(confirmed))
                .filter(Q(archived__isnull=True) | Q(archived__lt=F("closes_at"))
                        | Q(structured_response__published_at__gt=F("archived")))
                .order_by("pk").values_list("pk", flat=True))


def current_archive(page_id: int) -> ConsultationArchive | None:
    """The record confirmed last, without its files (for links and the digest)."""
    return (ConsultationArchive.objects.filter(page_id=page_id)
            .only("page_id", "digest", "created_at", "confirmed_at", "size").first())


def published_archive(digest: str) -> ConsultationArchive | None:
    return ConsultationArchive.objects.filter(digest=digest).only("page_id", "digest", "created_at").first()


# --- verifying a copy ------------------------------------------------------------------------------

@dataclass
class Verification:
    digest: str | None = None  # SHA-256 of the copy's manifest.json
    checked: list[str] = field(default_factory=list)  # files whose size and SHA-256 match the manifest
    problems: list[str] = field(default_factory=list)  # each names the file at fault

    @property
    def ok(self) -> bool:
        return not self.problems and self.digest is not None


class _Copy:
    """The files of a bundle, from a zip file or a directory, read in chunks."""

    def __init__(self, path: Path):
        self.path = path
        self.zip = None if path.is_dir() else zipfile.ZipFile(path)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.zip is not None:
            self.zip.close()

    def names(self) -> list[str]:
        if self.zip is not None:
            return [info.filename for info in self.zip.infolist() if not info.is_dir()]
        return sorted(child.name for child in self.path.iterdir() if child.is_file())

    def size(self, name: str) -> int:
        return self.zip.getinfo(name).file_size if self.zip is not None else (self.path / name).stat().st_size

    def open(self, name: str):
        return self.zip.open(name) if self.zip is not None else (self.path / name).open("rb")

    def hash(self, name: str) -> tuple[int, str]:
        digest, size = hashlib.sha256(), 0
        with self.open(name) as stream:
            while chunk := stream.read(HASH_CHUNK):
                digest.update(chunk)
                size += len(chunk)
        return size, digest.hexdigest()


def _listed_files(manifest: bytes) -> list[dict] | None:
    try:
        files = json.loads(manifest.decode())["files"]
    except (UnicodeDecodeError, ValueError, KeyError, TypeError):
        return None
    valid = isinstance(files, list) and all(
        isinstance(f, dict) and isinstance(f.get("name"), str) and isinstance(f.get("size"), int)
        and isinstance(f.get("sha256"), str) for f in files)
    # Exactly the two files, by their plain names: a crafted manifest cannot point outside the copy.
    return files if valid and sorted(f["name"] for f in files) == sorted(LISTED_FILES) else None


def verify_bundle(path: Path | str, *, expected_digest: str | None = None) -> Verification:
    """Check a copy (a zip file or a directory holding the three files): each file listed in
    manifest.json against its size and SHA-256, and, when `expected_digest` is given, the
    manifest against it. Nothing is trusted before it is checked; the copy is never unpacked."""
    path, result = Path(path), Verification()
    try:
        copy = _Copy(path)
    except (OSError, zipfile.BadZipFile) as exc:
        result.problems.append(f"{path}: not a readable zip file or directory ({exc}).")
        return result
    with copy:
        names = copy.names()
        result.problems += [f"{name}: appears more than once in the zip file." for name in set(names)
                            if names.count(name) > 1]
        if MANIFEST not in names:
            result.problems.append(f"{MANIFEST}: missing.")
            return result
        if copy.size(MANIFEST) > MANIFEST_MAX_BYTES:
            result.problems.append(f"{MANIFEST}: too large to be a manifest.")
            return result
        with copy.open(MANIFEST) as stream:
            manifest = stream.read(MANIFEST_MAX_BYTES + 1)
        result.digest = sha256(manifest)
        if expected_digest is not None and result.digest != expected_digest.strip().lower():
            result.problems.append(f"{MANIFEST}: its SHA-256 is {result.digest}, not the published "
                                   f"{expected_digest.strip().lower()}.")
        listed = _listed_files(manifest)
        if listed is None:
            result.problems.append(f"{MANIFEST}: not a valid manifest.")
            return result
        for entry in listed:
            name = entry["name"]
            if name not in names:
                result.problems.append(f"{name}: listed in the manifest but missing.")
                continue
            if copy.size(name) != entry["size"]:
                result.problems.append(f"{name}: {copy.size(name)} bytes, the manifest says {entry['size']}.")
                continue
            size, digest = copy.hash(name)
            if size != entry["size"] or digest != entry["sha256"]:
                result.problems.append(f"{name}: its SHA-256 is {digest}, the manifest says {entry['sha256']}.")
            else:
                result.checked.append(name)
        if copy.zip is not None:  # a directory may hold other things; a bundle may not
            extra = sorted(set(names) - {MANIFEST} - {entry["name"] for entry in listed})
            result.problems += [f"{name}: in the zip file but not in the manifest." for name in extra]
    return result
