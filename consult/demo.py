"""`manage.py load_demo`: the demo site. Idempotent: a second run finds what the first made.

Always loads Rayzan's own bilingual sample (consult.demo_content). When the real drafts are
present (settings.RAYZAN_DEMO_DATA) it also imports the VA proposed rule (FR-XML), the USCG
proposed rule (with its own, long past comment period) and the UDHR in Persian and English.
"""

import datetime
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from wagtail.models import Locale, Page, Site

from cms.models import Region, SiteSettings, StandardPage, Topic
from consult import demo_content as content
from consult import services
from consult.models import ConsultationPage, ConsultationStatus, RoundtableFacilitator, RoundtablePage
from consult.site_tree import SiteTree, ensure_site_tree, ensure_translation

OPEN_FOR_DAYS = 60


@dataclass
class DemoReport:
    pages: list[Page] = field(default_factory=list)
    imported: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def load_demo(*, data_dir: str | None = None, log=print) -> DemoReport:
    report = DemoReport()
    with transaction.atomic():
        tree = ensure_site_tree()
        _site_settings()
        topics, regions = _snippets()
        _show_in_menus(tree.indexes.values())
        report.pages += _about_pages(tree)
        budget = _budget_consultation(tree, topics, regions)
        report.pages += budget
        report.pages += _roundtable(tree, topics, regions, discussing=budget)
    _import_shared_drafts(tree, topics, regions, Path(data_dir or settings.RAYZAN_DEMO_DATA), report, log)
    # Later modules add to the demo through settings (consult cannot import them): e.g. reports
    # imports a real Pol.is conversation so the dashboard and opinion groups have data.
    for dotted in getattr(settings, "RAYZAN_DEMO_EXTRAS", []):
        import_string(dotted)(tree=tree, report=report, log=log)
    return report


def _site_settings():
    site = Site.objects.get(is_default_site=True)
    site_settings = SiteSettings.for_site(site)
    if not site_settings.organisation_name:
        site_settings.organisation_name = "Rayzan demo"
        site_settings.save()


def _translated_snippets(model, rows, key_field):
    fa, en = Locale.objects.get(language_code="fa"), Locale.objects.get(language_code="en")
    result = {}
    for key, fa_name, en_name in rows:
        source = model.objects.filter(locale=fa, **{key_field: key}).first()
        if source is None:
            source = model.objects.create(locale=fa, name=fa_name, **{key_field: key})
        translated = source.get_translation_or_none(en)
        if translated is None:
            translated = source.copy_for_translation(en)
            translated.name = en_name
            translated.save()
        result[key] = {"fa": source, "en": translated}
    return result


def _snippets():
    return (_translated_snippets(Topic, content.TOPICS, "slug"),
            _translated_snippets(Region, content.REGIONS, "code"))


def _show_in_menus(pages):
    for page in pages:
        if not page.show_in_menus:
            page.show_in_menus = True
            page.save_revision().publish()


def _about_pages(tree: SiteTree) -> list[Page]:
    home = tree.homes["fa"]
    about = StandardPage.objects.child_of(home).filter(slug="about").first()
    body = {code: [{"type": t, "value": v} for t, v in content.ABOUT_BODY[code]] for code in ("fa", "en")}
    if about is None:
        about = services.page_publish_child(parent=home, page=StandardPage(
            title=content.ABOUT_TITLE["fa"], slug="about", intro=content.ABOUT_INTRO["fa"],
            body=body["fa"], show_in_menus=True, locale=home.locale))
    about_en = ensure_translation(about, "en", {"title": content.ABOUT_TITLE["en"],
                                                "intro": content.ABOUT_INTRO["en"], "body": body["en"]})
    return [about, about_en]


def _budget_sections(code: str):
    offset = 1 if code == "fa" else 3
    return [{"type": "section", "id": content.stable_id(f"budget-{row[0]}"),
             "value": {"heading": row[offset], "body": row[offset + 1]}} for row in content.BUDGET_SECTIONS]


def _budget_polls(code: str) -> list[dict]:
    polls = []
    for key, kind, fa_question, fa_options, en_question, en_options, extra in content.BUDGET_POLLS:
        labels = extra.get("en", {}) if code == "en" else {k: v for k, v in extra.items() if k.startswith("scale")}
        value = {"question": fa_question if code == "fa" else en_question, "kind": kind,
                 "options": fa_options if code == "fa" else en_options,
                 "allow_other": extra.get("allow_other", False), "results": "after_answer", **labels}
        polls.append({"type": "poll", "id": content.stable_id(f"budget-poll-{key}"), "value": value})
    return polls


def _open_now(page):
    """Open a demo consultation for OPEN_FOR_DAYS from now unless it is open with an end date."""
    if page.status != ConsultationStatus.OPEN or page.closes_at is None:
        now = timezone.now()
        services.page_update_and_publish(page=page, fields={
            "opens_at": now, "closes_at": now + datetime.timedelta(days=OPEN_FOR_DAYS)})


def _budget_consultation(tree: SiteTree, topics, regions) -> list[Page]:
    index = tree.indexes["fa"]
    page = ConsultationPage.objects.child_of(index).filter(slug="participatory-budget").first()
    now = timezone.now()

    def fields(code):
        office, details = content.BUDGET_CONTACT[code]
        return {
            "title": content.BUDGET_TITLE[code], "summary": content.BUDGET_SUMMARY[code],
            "introduction": content.BUDGET_INTRO[code], "sections": _budget_sections(code),
            "agency": office, "contact_details": details, "contact_email": "participation@example.org",
            "region": regions["tehran"][code],
            "polls": _budget_polls(code),
            "seed_statements": [{"type": "statement", "id": content.stable_id(f"budget-statement-{row[0]}"),
                                 "value": row[1 if code == "fa" else 2]} for row in content.BUDGET_STATEMENTS],
        }

    if page is None:
        page = ConsultationPage(slug="participatory-budget", locale=index.locale, opens_at=now,
                                closes_at=now + datetime.timedelta(days=OPEN_FOR_DAYS), **fields("fa"))
        page.topics = [topics["budget"]["fa"], topics["urban-services"]["fa"]]
        page = services.page_publish_child(parent=index, page=page)
    else:
        _open_now(page)
    translation = page.get_translation_or_none(Locale.objects.get(language_code="en"))
    if translation is None:
        en_fields = fields("en")
        en_fields["topics"] = [topics["budget"]["en"], topics["urban-services"]["en"]]
        translation = services.page_translation_create(source=page, language_code="en", fields=en_fields)
    else:
        _open_now(translation.specific)
    return [page, translation]


def _roundtable(tree: SiteTree, topics, regions, *, discussing: list[Page]) -> list[Page]:
    """The budget roundtable, in both languages, discussing the budget consultation (so its
    facilitators can spotlight the consultation's comments)."""
    index = tree.indexes["fa"]
    page = RoundtablePage.objects.child_of(index).filter(slug="budget-roundtable").first()
    starts = timezone.localtime().replace(hour=18, minute=0, second=0, microsecond=0) + datetime.timedelta(days=3)

    def fields(code):
        first = 1 if code == "fa" else 3
        return {
            "title": content.ROUNDTABLE_TITLE[code], "summary": content.ROUNDTABLE_SUMMARY[code],
            "agenda": [{"type": "item", "id": content.stable_id(f"agenda-{row[0]}"),
                        "value": {"title": row[first], "description": row[first + 1], "duration_minutes": row[5]}}
                       for row in content.ROUNDTABLE_AGENDA],
            "seed_statements": [{"type": "statement", "id": content.stable_id(f"statement-{row[0]}"),
                                 "value": row[1 if code == "fa" else 2]}
                                for row in content.ROUNDTABLE_STATEMENTS],
            "region": regions["tehran"][code],
        }

    def facilitators(code):
        first = 0 if code == "fa" else 2
        return [RoundtableFacilitator(name=row[first], role=row[first + 1], sort_order=n)
                for n, row in enumerate(content.ROUNDTABLE_FACILITATORS)]

    if page is None:
        page = RoundtablePage(slug="budget-roundtable", locale=index.locale, starts_at=starts,
                              ends_at=starts + datetime.timedelta(hours=1, minutes=10), **fields("fa"))
        page.facilitators = facilitators("fa")
        page.topics = [topics["budget"]["fa"]]
        page = services.page_publish_child(parent=index, page=page)
    translation = page.get_translation_or_none(Locale.objects.get(language_code="en"))
    if translation is None:
        en_fields = {**fields("en"), "facilitators": facilitators("en"), "topics": [topics["budget"]["en"]]}
        translation = services.page_translation_create(source=page, language_code="en", fields=en_fields)
    pages = [page.specific, translation.specific]
    for roundtable, consultation in zip(pages, discussing, strict=True):
        if roundtable.consultation_id != consultation.pk:
            services.page_update_and_publish(page=roundtable, fields={"consultation": consultation})
    return pages


def _import_shared_drafts(tree: SiteTree, topics, regions, data_dir: Path, report: DemoReport, log):
    if not data_dir.is_dir():
        report.skipped.append(str(data_dir))
        log(f"Real drafts not found at {data_dir}: loaded Rayzan's own sample only.")
        return
    from consult.importers import udhr

    # Import each draft once: a second run finds the page and leaves it (and its history) alone.
    va = data_dir / "va-herbicide-proposed-rule.xml"
    if va.is_file():
        page = _import_fr_once(va, tree.indexes["en"], open_for_days=OPEN_FOR_DAYS)
        _classify(page, topics["veterans"]["en"], regions["national"]["en"])
        report.pages.append(page)
        report.imported.append(va.name)
    uscg = data_dir / "uscg-biscayne-bay-safety-zone-proposed-rule.xml"
    if uscg.is_file():
        page = _import_fr_once(uscg, tree.indexes["en"], open_for_days=None)  # its own, past, period
        report.pages.append(page)
        report.imported.append(uscg.name)
    fa_path, en_path = data_dir / "udhr-fa.html", data_dir / "udhr-en.html"
    if fa_path.is_file() and en_path.is_file():
        existing = udhr.find_existing(tree.indexes["fa"])
        if existing is not None and existing.get_translation_or_none(tree.indexes["en"].locale):
            pages = (existing, existing.get_translation(tree.indexes["en"].locale).specific)
        else:
            pages = udhr.import_udhr(fa_path, en_path, indexes=tree.indexes, open_for_days=OPEN_FOR_DAYS)
        for page, code in zip(pages, ("fa", "en"), strict=True):
            _classify(page, topics["human-rights"][code], regions["national"][code])
        report.pages += list(pages)
        report.imported += [fa_path.name, en_path.name]


def _import_fr_once(path: Path, parent, *, open_for_days):
    from consult.importers import fr_xml

    existing = fr_xml.find_existing(parent, fr_xml.parse_fr_xml(path))
    if existing is not None:
        return existing
    return fr_xml.import_fr_xml(path, parent=parent, open_for_days=open_for_days)


def _classify(page, topic, region):
    page = ConsultationPage.objects.get(pk=page.pk)
    if page.region_id != region.pk or not page.topics.filter(pk=topic.pk).exists():
        services.page_update_and_publish(page=page, fields={"region": region, "topics": [topic]})
