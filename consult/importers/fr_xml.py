"""Import a US Federal Register document (GPO FR-XML: PRORULE, RULE, NOTICE) as a ConsultationPage.

What goes where
- Preamble (PREAMB): title = SUBJECT; agency = AGENCY title-cased (", " + SUBAGY when present);
  summary = SUM paragraphs as plain text; introduction = SUM + ADD + FURINF as HTML, each under an
  <h3>; contact_details = FURINF as text (contact_email = the first e-mail address in it);
  source_reference = "FR Doc. 2024-02590; RIN 2900-AR10" (the FR doc number is the identity used
  to find the page again on re-import: RINs such as 1625-AA00 are shared by many documents).
- Sections, read from SUPLINF in document order:
  * every HD SOURCE="HD1" or "HD2" heading starts a section, its text kept exactly. A heading with
    no text of its own before the next heading (VA: "II. Proposed Changes to § 3.307 ..." followed
    directly by "a. Amendments ...") is not kept as an empty section (nothing to comment on, and a
    rich-text body is required): it is joined to the next heading with " — ".
    Text before the first HD1 (rare) goes to a section "Supplementary information".
  * LSTSUB becomes one section headed by its own heading ("List of Subjects in 38 CFR Part 3").
  * The regulatory text: PART starts a section ("PART 3—ADJUDICATION"; SUBPART heads as <h4>) that
    holds the paragraph directly before it ("For the reasons ... proposes to amend ...") and the
    authority citation (AMDPAR 1 + AUTH). Each SECTION becomes one section headed
    "SECTNO SUBJECT" ("§ 3.105 Revision of decisions."), and the amendatory instructions (AMDPAR,
    "The revisions read as follows:") that precede a SECTION go to the top of that section, since
    they say what is being done to it. A trailing SIG goes to the section it follows.
  * Headings longer than 255 characters are cut at a word boundary with "…", and the full heading
    is then repeated in bold as the first paragraph of the body, so no text is lost.
- Body HTML is built here from escaped text: P, FP, AMDPAR -> <p>; runs of two or more FP -> <ul>;
  E -> <em> (T="01"/"02", FR's bold and bold small caps, -> <strong>); NOTE and AUTH -> a paragraph
  with its head as a bold run-in ("Note 1: ..."); STARS (omitted unchanged text) -> "* * * * *";
  GPOTABLE -> its title and its column heads as bold paragraphs and one list item per row ("first
  cell — Column: value; ..."), since tables are not among the section rich-text features; SIG -> one
  paragraph per line. EXTRACT is rendered inline (its FPs usually form a list). Footnote references
  (SU before FTREF) become "[n]"; FTNT footnotes are gathered and appended as paragraphs at the end
  of their section. PRTPAGE page markers are dropped (their tail text is kept). Unknown elements
  keep their text as paragraphs. The XML's layout whitespace is collapsed, and a line break
  right before punctuation ("<E>Regulations.gov</E>" + newline + " , under") is dropped.

Comment period
- Publication date: a DATE element (present in full FR issue files) wins; otherwise the filing
  date in FRDOC ("Filed 2-9-24; 8:45 am") plus one Federal business day: the next day that is not a
  Saturday, Sunday or US federal holiday (5 U.S.C. 6103, with Saturday holidays observed on Friday
  and Sunday ones on Monday; Inauguration Day is not counted). Both sample files were filed on
  Friday 9 February 2024 and published on Monday 12 February 2024.
- Closing date: from the DATES (EFFDATE) text, preferring sentences that mention comments: an
  explicit date ("on or before March 13, 2024") or "N days after date of publication" (the VA
  placeholder "[insert date 60 days after date of publication in the Federal Register]"), counted
  from the publication date.
- Stored as aware datetimes in America/New_York: opens_at = publication day 00:00, closes_at =
  closing day 23:59:59. Without a known publication date the page opens at import time. With
  `open_for_days` (the demo loader) the period is [now, now + days] instead.

The XML is parsed with the standard library (expat does not fetch external entities and, since
2.4.1, refuses entity-expansion bombs); the input is an operator-chosen file, not user upload.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree as ET
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import slugify

from consult import services
from consult.importers import DraftImportError, section_block_id, section_stream
from consult.models import ConsultationPage

EASTERN = ZoneInfo("America/New_York")
DOCUMENT_ROOTS = {"PRORULE", "RULE", "NOTICE"}
HEADING_MAX = 255
SLUG_MAX = 80
FALLBACK_SECTION_HEADING = "Supplementary information"
INTRODUCTION_PARTS = [("SUM", "Summary"), ("ADD", "Addresses"), ("FURINF", "For further information contact")]
BOLD_TYPES = {"01", "02"}
SMALL_WORDS = {"a", "an", "and", "as", "at", "by", "for", "in", "of", "on", "or", "the", "to"}
# Elements whose content is one paragraph of inline text (E, SU, PRTPAGE inside are inline).
PARAGRAPH_TAGS = {"P", "FP", "AMDPAR", "DATED", "NAME", "TITLE", "SECTNO", "SUBJECT", "ENT"}
# Children that mark an unknown element as a container of blocks rather than a paragraph.
BLOCK_TAGS = {"P", "FP", "HD", "EXTRACT", "GPOTABLE", "NOTE", "AUTH", "SIG", "STARS", "AMDPAR", "FTNT",
              "SECTION", "PART", "SUBPART", "LSTSUB", "DATED", "NAME", "TITLE"}
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December"]
MONTH_DATE = re.compile(r"\b(" + "|".join(MONTHS) + r")\s+(\d{1,2}),\s*(\d{4})")
DAYS_AFTER = re.compile(r"\b(\d{1,3})\s+days\s+(?:after|from|following)\s+(?:the\s+)?(?:date\s+of\s+)?"
                        r"publication", re.IGNORECASE)
FILED = re.compile(r"Filed\s+(\d{1,2})-(\d{1,2})-(\d{2,4})")
FR_DOC = re.compile(r"FR\s+Doc\.?\s*([0-9]{2,4}-[0-9]+)")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
LAYOUT_BEFORE_PUNCT = re.compile(r"^\s*\n\s*(?=[.,;:)\]])")
WHITESPACE = re.compile(r"\s+")


@dataclass
class FederalRegisterDocument:
    title: str
    agency: str
    summary: str
    dates_text: str
    addresses: str
    contact: str
    rin: str
    cfr: str
    fr_doc: str
    publication_date: dt.date | None
    comment_period_closes: dt.date | None
    sections: list[tuple[str, str]] = field(default_factory=list)
    action: str = ""
    docket: str = ""
    contact_email: str = ""
    introduction_html: str = ""

    @property
    def source_reference(self) -> str:
        return "; ".join(part for part in (self.fr_doc, f"RIN {self.rin}" if self.rin else "") if part)

    def comment_period(self) -> tuple[dt.datetime | None, dt.datetime | None]:
        """(opens_at, closes_at) as aware datetimes in US Eastern time."""
        opens = closes = None
        if self.publication_date:
            opens = dt.datetime.combine(self.publication_date, dt.time(0, 0), tzinfo=EASTERN)
        if self.comment_period_closes:
            closes = dt.datetime.combine(self.comment_period_closes, dt.time(23, 59, 59), tzinfo=EASTERN)
        return opens, closes


# --- Inline text ------------------------------------------------------------------------------


def _normalise(text: str | None) -> str:
    if not text:
        return ""
    return WHITESPACE.sub(" ", LAYOUT_BEFORE_PUNCT.sub("", text))


def _join(parts) -> SafeString:
    """Join HTML fragments that were all built from escaped text."""
    return mark_safe("".join(parts))  # every part is escaped or format_html output


def _text(elem) -> str:
    """All the text of an element, whitespace collapsed (PRTPAGE and the like have none)."""
    return WHITESPACE.sub(" ", "".join(elem.itertext())).strip()


class _Inline:
    """Pieces of one paragraph: (text, style) with style None, "em" or "strong"."""

    def __init__(self):
        self.pieces: list[list] = []

    def add(self, text: str, style: str | None = None):
        text = _normalise(text)
        if not text:
            return
        previous = self.pieces[-1][0] if self.pieces else " "
        if previous.endswith(" ") and text.startswith(" "):
            text = text[1:]
        if text:
            self.pieces.append([text, style])

    def add_reference(self, number: str):
        if self.pieces:
            self.pieces[-1][0] = self.pieces[-1][0].rstrip()
        self.pieces.append([f"[{number.strip()}]", None])

    def _trimmed(self) -> list[list]:
        pieces = [list(piece) for piece in self.pieces]
        if pieces:
            pieces[0][0] = pieces[0][0].lstrip()
            pieces[-1][0] = pieces[-1][0].rstrip()
        return [piece for piece in pieces if piece[0]]

    def text(self) -> str:
        return "".join(text for text, _style in self._trimmed())

    def html(self) -> SafeString:
        out = []
        for text, style in self._trimmed():
            core = text.strip()
            if style is None or not core:
                out.append(escape(text))
                continue
            lead = " " if text[0].isspace() else ""
            trail = " " if text[-1].isspace() else ""
            out.append(lead + format_html("<{0}>{1}</{0}>", style, core) + trail)
        return _join(out)


def _inline(elem, *, footnote: bool = False, prefix: str = "") -> _Inline:
    line = _Inline()
    if prefix:
        line.add(prefix, "strong")
        line.add(" ")
    line.add(elem.text)
    children = list(elem)
    for position, child in enumerate(children):
        following = children[position + 1].tag if position + 1 < len(children) else None
        if child.tag == "E":
            line.add("".join(child.itertext()), "strong" if child.get("T") in BOLD_TYPES else "em")
        elif child.tag == "SU" and (footnote or following == "FTREF"):
            line.add_reference("".join(child.itertext()))
        elif child.tag not in {"PRTPAGE", "FTREF"}:
            line.add("".join(child.itertext()))
        line.add(child.tail)
    return line


def _paragraph(elem, **kwargs) -> str:
    html = _inline(elem, **kwargs).html()
    return format_html("<p>{}</p>", html) if html else ""


# --- Blocks -----------------------------------------------------------------------------------


class _Body:
    """Renders block elements to HTML fragments, collecting footnotes on the side."""

    def __init__(self):
        self.footnotes: list[str] = []

    def blocks(self, elements) -> list[str]:
        out, run = [], []
        for elem in elements:
            if elem.tag == "FP":
                run.append(elem)
                continue
            out += self._fp_run(run)
            run = []
            out += self.block(elem)
        return out + self._fp_run(run)

    def _fp_run(self, run) -> list[str]:
        if len(run) == 1:
            return [_paragraph(run[0])]
        items = [format_html("<li>{}</li>", _inline(fp).html()) for fp in run if _text(fp)]
        return [format_html("<ul>{}</ul>", _join(items))] if items else []

    def block(self, elem) -> list[str]:
        tag = elem.tag
        if tag in {"PRTPAGE", "FTREF"}:
            return []
        if tag == "FTNT":
            self.footnotes += [p for p in (_paragraph(child, footnote=True) for child in elem) if p]
            return []
        if tag == "HD":
            text = _text(elem)
            level = "h3" if elem.get("SOURCE") in {"HD1", "HD2", "HD3"} else "h4"
            return [format_html("<{0}>{1}</{0}>", level, text)] if text else []
        if tag == "STARS":
            return ["<p>* * * * *</p>"]
        if tag == "GPOTABLE":
            return _table(elem)
        if tag in {"NOTE", "AUTH"}:
            return self._run_in(elem)
        if tag in PARAGRAPH_TAGS:
            return [p for p in [_paragraph(elem)] if p]
        if tag in {"EXTRACT", "SIG", "SUBPART", "LSTSUB"} or any(child.tag in BLOCK_TAGS for child in elem):
            return self.blocks(list(elem))
        paragraph = _paragraph(elem)
        return [paragraph] if paragraph else []

    def _run_in(self, elem) -> list[str]:
        """NOTE/AUTH: the head becomes a bold run-in of the first paragraph ("Note 1: The term ...")."""
        children = list(elem)
        head = _text(children[0]) if children and children[0].tag == "HD" else ""
        rest = children[1:] if head else children
        if head and rest and rest[0].tag == "P":
            return [_paragraph(rest[0], prefix=head), *self.blocks(rest[1:])]
        first = [format_html("<p><strong>{}</strong></p>", head)] if head else []
        return first + self.blocks(rest)


def _table(table) -> list[str]:
    out = []
    title = _text(table.find("TTITLE")) if table.find("TTITLE") is not None else ""
    if title:
        out.append(format_html("<p><strong>{}</strong></p>", title))
    heads = [_text(ched) for ched in table.iter("CHED")]
    if any(heads):  # the column heads, in the same shape as the rows below
        others = "; ".join(head for head in heads[1:] if head)
        out.append(format_html("<p><strong>{}</strong></p>", " — ".join(h for h in (heads[0], others) if h)))
    items = []
    for row in table.iter("ROW"):
        cells = [_inline(ent).html() for ent in row.findall("ENT")]
        items.append(format_html("<li>{}</li>", _row_html(cells, heads)))
    if items:
        out.append(format_html("<ul>{}</ul>", _join(items)))
    for extra in table:
        if extra.tag not in {"TTITLE", "BOXHD", "ROW"}:
            out += [p for p in [_paragraph(extra)] if p]
    return out


def _row_html(cells: list[str], heads: list[str]) -> str:
    if not cells:
        return ""
    rest = []
    for position, cell in enumerate(cells[1:], start=1):
        if not cell:
            continue
        head = heads[position] if position < len(heads) else ""
        rest.append(format_html("{}: {}", head, cell) if head else cell)
    if not rest:
        return cells[0]
    return format_html("{} — {}", cells[0], format_html("; ".join(["{}"] * len(rest)), *rest))


# --- Sections ---------------------------------------------------------------------------------


def truncate_heading(text: str, limit: int = HEADING_MAX) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:—-") + "…"


@dataclass
class _Section:
    heading: str
    parts: list[str] = field(default_factory=list)
    footnotes: list[str] = field(default_factory=list)

    def is_empty(self) -> bool:
        return not self.parts and not self.footnotes


class _SectionBuilder:
    def __init__(self):
        self.sections: list[_Section] = []
        self.pending: list[str] = []  # amendatory text waiting for the SECTION it introduces
        self.body = _Body()

    @property
    def current(self) -> _Section:
        if not self.sections:
            self.sections.append(_Section(FALLBACK_SECTION_HEADING))
        return self.sections[-1]

    def start(self, heading: str):
        self._collect_footnotes()
        if self.sections and self.sections[-1].is_empty() and not self.pending:
            self.sections[-1].heading = f"{self.sections[-1].heading} — {heading}"
            return
        self.sections.append(_Section(heading, parts=self.pending))
        self.pending = []

    def add(self, parts: list[str]):
        self.flush_pending()
        parts = [part for part in parts if part]
        if parts:
            self.current.parts.extend(parts)

    def hold(self, parts: list[str]):
        self.pending.extend(part for part in parts if part)

    def flush_pending(self):
        if self.pending:
            pending, self.pending = self.pending, []
            self.current.parts.extend(pending)

    def _collect_footnotes(self):
        if self.body.footnotes:
            self.current.footnotes.extend(self.body.footnotes)
            self.body.footnotes = []

    def finish(self) -> list[tuple[str, str]]:
        self.flush_pending()
        self._collect_footnotes()
        result = []
        for section in self.sections:
            heading = truncate_heading(section.heading)
            parts = list(section.parts)
            if heading != section.heading:
                parts.insert(0, format_html("<p><strong>{}</strong></p>", section.heading))
            parts += section.footnotes
            result.append((heading, "".join(parts) or format_html("<p>{}</p>", section.heading)))
        return result


def _sections(suplinf) -> list[tuple[str, str]]:
    builder = _SectionBuilder()
    children = list(suplinf)
    regulatory = False
    for position, child in enumerate(children):
        following = children[position + 1].tag if position + 1 < len(children) else None
        tag = child.tag
        if tag == "HD" and child.get("SOURCE") in {"HD1", "HD2"}:
            builder.flush_pending()
            builder.start(_text(child))
            regulatory = False
        elif tag == "HD" and position == 0 and child.get("SOURCE") == "HED":
            continue  # the "SUPPLEMENTARY INFORMATION:" label
        elif tag == "LSTSUB":
            _start_with_own_heading(builder, child)
        elif tag == "PART":
            _start_with_own_heading(builder, child)
            regulatory = True
        elif tag == "SECTION":
            _start_cfr_section(builder, child)
            regulatory = True
        elif tag in {"AUTH", "SIG"}:
            builder.add(builder.body.block(child))
        elif regulatory or (tag in {"P", "AMDPAR"} and following == "PART"):
            builder.hold(builder.body.block(child))
        else:
            builder.add(builder.body.block(child))
    return builder.finish()


def _start_with_own_heading(builder: _SectionBuilder, elem):
    children = list(elem)
    head = children[0] if children and children[0].tag == "HD" else None
    builder.start(_text(head) if head is not None else elem.tag.title())
    builder.add(builder.body.blocks(children[1:] if head is not None else children))


def _start_cfr_section(builder: _SectionBuilder, section):
    sectno, subject = section.find("SECTNO"), section.find("SUBJECT")
    heading = " ".join(_text(part) for part in (sectno, subject) if part is not None) or "Regulatory text"
    builder.start(heading)
    builder.add(builder.body.blocks([child for child in section if child.tag not in {"SECTNO", "SUBJECT"}]))


# --- Preamble and dates -----------------------------------------------------------------------


def _find_text(root, path: str) -> str:
    elem = root.find(path)
    return _text(elem) if elem is not None else ""


def _paragraphs(elem) -> list:
    return [] if elem is None else [child for child in elem if child.tag != "HD" and _text(child)]


def _plain(elem) -> str:
    return "\n\n".join(_inline(p).text() for p in _paragraphs(elem))


def title_case(text: str) -> str:
    if not text.isupper():
        return text
    words = text.lower().split()
    return " ".join(w if i and w in SMALL_WORDS else w[:1].upper() + w[1:] for i, w in enumerate(words))


def _introduction(preamb) -> str:
    parts = []
    for path, heading in INTRODUCTION_PARTS:
        paragraphs = _paragraphs(preamb.find(path))
        if paragraphs:
            parts.append(format_html("<h3>{}</h3>", heading))
            parts += [_paragraph(p) for p in paragraphs]
    return "".join(parts)


def us_federal_holidays(year: int) -> set[dt.date]:
    """Observed US federal holidays (5 U.S.C. 6103) of a year."""

    def nth_weekday(month, weekday, n):
        first = dt.date(year, month, 1)
        return first + dt.timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))

    def last_monday(month):
        day = dt.date(year, month + 1, 1) - dt.timedelta(days=1)
        return day - dt.timedelta(days=day.weekday())

    def observed(day):
        return day + dt.timedelta(days={5: -1, 6: 1}.get(day.weekday(), 0))

    fixed = [(1, 1), (7, 4), (11, 11), (12, 25)] + ([(6, 19)] if year >= 2021 else [])
    days = {observed(dt.date(year, month, day)) for month, day in fixed}
    days |= {nth_weekday(1, 0, 3), nth_weekday(2, 0, 3), last_monday(5), nth_weekday(9, 0, 1),
             nth_weekday(10, 0, 2), nth_weekday(11, 3, 4)}
    if dt.date(year + 1, 1, 1).weekday() == 5:  # New Year's Day on a Saturday: observed on 31 December
        days.add(dt.date(year, 12, 31))
    return days


def next_business_day(day: dt.date) -> dt.date:
    day += dt.timedelta(days=1)
    while day.weekday() >= 5 or day in us_federal_holidays(day.year):
        day += dt.timedelta(days=1)
    return day


def _parse_month_date(text: str) -> dt.date | None:
    match = MONTH_DATE.search(text)
    if not match:
        return None
    month, day, year = match.groups()
    try:
        return dt.date(int(year), MONTHS.index(month) + 1, int(day))
    except ValueError:
        return None


def filing_date(frdoc_text: str) -> dt.date | None:
    match = FILED.search(frdoc_text)
    if not match:
        return None
    month, day, year = (int(part) for part in match.groups())
    try:
        return dt.date(year + 2000 if year < 100 else year, month, day)
    except ValueError:
        return None


def publication_date(root) -> dt.date | None:
    """An explicit DATE element, else the next Federal business day after filing."""
    for elem in root.iter("DATE"):
        explicit = _parse_month_date(_text(elem))
        if explicit:
            return explicit
    filed = filing_date(_find_text(root, "FRDOC"))
    return next_business_day(filed) if filed else None


def comment_period_closes(dates_text: str, published: dt.date | None) -> dt.date | None:
    sentences = re.split(r"(?<=[.;])\s+", dates_text)
    ordered = sorted(sentences, key=lambda sentence: "comment" not in sentence.lower())  # stable
    for sentence in ordered:
        explicit = _parse_month_date(sentence)
        if explicit:
            return explicit
        relative = DAYS_AFTER.search(sentence)
        if relative and published:
            return published + dt.timedelta(days=int(relative.group(1)))
    return None


# --- Parsing ----------------------------------------------------------------------------------


def _load(path) -> ET.Element:
    path = Path(path)
    if not path.is_file():
        raise DraftImportError(f"File not found: {path}")
    try:
        root = ET.parse(path).getroot()  # operator-chosen file; see the module docstring
    except ET.ParseError as exc:
        raise DraftImportError(f"{path.name} is not well-formed XML: {exc}") from exc
    except (OSError, UnicodeError) as exc:
        raise DraftImportError(f"Cannot read {path}: {exc}") from exc
    if root.tag not in DOCUMENT_ROOTS or root.find("PREAMB") is None:
        raise DraftImportError(f"{path.name} is not a Federal Register document in FR-XML "
                               f"(root element <{root.tag}>, expected one of {sorted(DOCUMENT_ROOTS)} "
                               f"with a PREAMB).")
    return root


def parse_fr_xml(path) -> FederalRegisterDocument:
    root = _load(path)
    preamb = root.find("PREAMB")
    title = _find_text(preamb, "SUBJECT")
    if not title:
        raise DraftImportError(f"{Path(path).name} has no SUBJECT (title) in its preamble.")
    agency = title_case(_find_text(preamb, "AGENCY")) or _plain(preamb.find("AGY")).rstrip(".")
    if _find_text(preamb, "SUBAGY"):
        agency = f"{agency}, {_find_text(preamb, 'SUBAGY')}"
    dates_elem = preamb.find("EFFDATE") if preamb.find("EFFDATE") is not None else preamb.find("DATES")
    dates_text = _plain(dates_elem)
    published = publication_date(root)
    fr_doc = FR_DOC.search(_find_text(root, "FRDOC"))
    contact = _plain(preamb.find("FURINF"))
    email = EMAIL.search(contact)
    suplinf = root.find("SUPLINF")
    return FederalRegisterDocument(
        title=title, agency=agency[:255], summary=_plain(preamb.find("SUM")), dates_text=dates_text,
        addresses=_plain(preamb.find("ADD")), contact=contact,
        rin=re.sub(r"^RIN\s*", "", _find_text(preamb, "RIN")), cfr=_find_text(preamb, "CFR"),
        fr_doc=f"FR Doc. {fr_doc.group(1)}" if fr_doc else "",
        publication_date=published, comment_period_closes=comment_period_closes(dates_text, published),
        sections=_sections(suplinf) if suplinf is not None else [],
        action=_plain(preamb.find("ACT")), docket=_find_text(preamb, "DEPDOC").strip("[] "),
        contact_email=email.group(0).rstrip(".") if email else "", introduction_html=_introduction(preamb),
    )


# --- Import -----------------------------------------------------------------------------------


def _unique_slug(parent, title: str) -> str:
    base = slugify(title)[:SLUG_MAX].rstrip("-") or "consultation"
    if "-" in base and len(slugify(title)) > SLUG_MAX:
        base = base[: base.rindex("-")]
    taken = set(parent.get_children().values_list("slug", flat=True))
    slug, number = base, 1
    while slug in taken:
        number += 1
        slug = f"{base}-{number}"
    return slug


def _section_data(document: FederalRegisterDocument) -> list[dict]:
    key = document.fr_doc or document.title
    seen = Counter()
    rows = []
    for heading, body in document.sections:
        seen[heading] += 1
        rows.append((section_block_id(f"fr-xml|{key}|{heading}|{seen[heading]}"), heading, body))
    return section_stream(rows)


def page_fields(document: FederalRegisterDocument, *, open_for_days: int | None = None) -> dict:
    if open_for_days is not None:
        opens_at = timezone.now()
        closes_at = opens_at + dt.timedelta(days=open_for_days)
    else:
        opens_at, closes_at = document.comment_period()
        opens_at = opens_at or timezone.now()
    return {
        "title": document.title[:255],
        "summary": document.summary or document.title,
        "introduction": document.introduction_html,
        "agency": document.agency,
        "contact_details": document.contact,
        "contact_email": document.contact_email[:254],
        "source_reference": document.source_reference[:255],
        "sections": _section_data(document),
        "opens_at": opens_at,
        "closes_at": closes_at,
    }


def find_existing(parent, document: FederalRegisterDocument) -> ConsultationPage | None:
    pages = ConsultationPage.objects.child_of(parent)
    if document.fr_doc:
        return (pages.filter(source_reference=document.fr_doc).first()
                or pages.filter(source_reference__startswith=f"{document.fr_doc};").first())
    return pages.filter(title=document.title).first()


def import_fr_xml(path, *, parent, actor=None, open_for_days: int | None = None) -> ConsultationPage:
    """Create and publish (or update and republish) the ConsultationPage for an FR-XML document."""
    document = parse_fr_xml(path)
    fields = page_fields(document, open_for_days=open_for_days)
    existing = find_existing(parent, document)
    if existing is not None:
        return services.page_update_and_publish(actor=actor, page=existing, fields=fields)
    page = ConsultationPage(slug=_unique_slug(parent, document.title), locale_id=parent.locale_id, **fields)
    return services.page_publish_child(actor=actor, parent=parent, page=page)
