"""Public search over consultations, roundtables and each section of a draft.

The index is a table of normalised text (consult.textnorm), one row for a page and one for
each section, written when a page is published. A query matches a row when every query word
occurs in it, or when the query without spaces occurs in the row without spaces; that is
what makes ZWNJ, space and no space between word parts equivalent.
"""

from dataclasses import dataclass, field

from django.db.models import Q
from django.utils.text import Truncator
from wagtail.models import Locale, Page

from consult.models import ConsultationPage, RoundtablePage, SearchEntry, html_to_text
from consult.textnorm import compact, normalise

MAX_QUERY_LENGTH = 200
MAX_RESULTS = 50


def indexed_page_types() -> tuple[type, ...]:
    """The page models the public search covers (a function: models load after this module)."""
    return (ConsultationPage, RoundtablePage)


def _entries_for(page) -> list[SearchEntry]:
    entries = []
    if isinstance(page, ConsultationPage):
        head = " ".join([page.title, page.summary, html_to_text(page.introduction), page.agency])
        entries.append((None, page.title, page.summary, head))
        for section in page.section_list:
            body = html_to_text(section["body"])
            entries.append((section["id"], section["heading"], body, f"{section['heading']} {body}"))
    elif isinstance(page, RoundtablePage):
        agenda = " ".join(f"{i['title']} {i.get('description') or ''}" for i in page.agenda_items)
        statements = " ".join(s["text"] for s in page.statements)
        entries.append((None, page.title, page.summary, f"{page.title} {page.summary} {agenda} {statements}"))
    return [
        SearchEntry(
            page_id=page.pk, locale_id=page.locale_id, section_id=section_id or "", position=position,
            title=title[:255], snippet=Truncator(" ".join(snippet.split())).chars(240),
            text=f" {normalise(text)} ", compact=compact(text),
        )
        for position, (section_id, title, snippet, text) in enumerate(entries)
    ]


def index_page(page) -> None:
    if not isinstance(page, indexed_page_types()):
        return
    SearchEntry.objects.filter(page_id=page.pk).delete()
    if page.live:
        SearchEntry.objects.bulk_create(_entries_for(page))


def remove_page(page) -> None:
    SearchEntry.objects.filter(page_id=page.pk).delete()


def rebuild() -> int:
    SearchEntry.objects.all().delete()
    count = 0
    for model in indexed_page_types():
        for page in model.objects.live():
            index_page(page)
            count += 1
    return count


@dataclass
class SearchHit:
    page: Page
    page_entry: SearchEntry | None = None
    sections: list[SearchEntry] = field(default_factory=list)


def search(query: str, *, locale: Locale | None = None) -> list[SearchHit]:
    """Pages matching `query`, each with its matching sections, best first."""
    words = normalise(query[:MAX_QUERY_LENGTH]).split()
    if not words:
        return []
    by_words = Q()
    for word in words:
        by_words &= Q(text__contains=word)
    entries = SearchEntry.objects.filter(by_words | Q(compact__contains=compact(query[:MAX_QUERY_LENGTH])))
    if locale is not None:
        entries = entries.filter(locale=locale)
    entries = list(entries.order_by("page_id", "position")[: MAX_RESULTS * 20])
    hits: dict[int, SearchHit] = {}
    pages = {p.pk: p for p in Page.objects.live().filter(pk__in={e.page_id for e in entries}).specific()}
    for entry in entries:
        page = pages.get(entry.page_id)
        if page is None:
            continue
        hit = hits.setdefault(entry.page_id, SearchHit(page=page))
        if entry.section_id:
            hit.sections.append(entry)
        else:
            hit.page_entry = entry
    phrase = normalise(query)

    def rank(hit: SearchHit):
        title_match = phrase in normalise(hit.page.title)
        return (not title_match, hit.page_entry is None, -len(hit.sections), hit.page.title)

    return sorted(hits.values(), key=rank)[:MAX_RESULTS]
