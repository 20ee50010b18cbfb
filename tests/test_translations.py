"""The Persian catalogue is complete and well-formed, and the pages really speak it."""

import gettext
import re
from pathlib import Path

import pytest
from asgiref.local import Local
from babel.messages.pofile import read_po
from django.conf import settings
from django.core.management import call_command

LOCALE_DIR = Path(settings.LOCALE_PATHS[0])
FA_PO = LOCALE_DIR / "fa" / "LC_MESSAGES" / "django.po"
EN_PO = LOCALE_DIR / "en" / "LC_MESSAGES" / "django.po"

PLACEHOLDER = re.compile(r"%\(\w+\)[sdifr]|\{[\w.]*\}")
ARABIC_YEH_KAF = re.compile("[\u064a\u0643]")
# "می" / "نمی" written as a separate word before a verb: the prefix needs a ZWNJ (می‌توانید).
SPACED_VERB_PREFIX = re.compile(r"(?<![\w\u200c])ن?می (?=\w)")


def load(path):
    with path.open("rb") as po_file:
        return read_po(po_file, locale=path.parent.parent.name, abort_invalid=True)


FA = load(FA_PO)
FA_MESSAGES = [m for m in FA if m.id]


def ids(message):
    return message.id if isinstance(message.id, tuple) else (message.id,)


def strings(message):
    return message.string if isinstance(message.string, tuple) else (message.string,)


def label(message):
    return f"{message.context + ': ' if message.context else ''}{ids(message)[0]}"


def reset_translation_caches():
    """What Django's own autoreloader does when a .mo changes: forget every loaded catalogue."""
    from django.utils.translation import trans_real

    gettext._translations = {}
    trans_real._translations = {}
    trans_real._default = None
    trans_real._active = Local()
    trans_real.translation_catalog_exists.cache_clear()


@pytest.fixture(scope="module", autouse=True)
def compiled_catalogues():
    call_command("compile_catalogues")
    reset_translation_caches()
    yield
    reset_translation_caches()


# --- the catalogue -------------------------------------------------------------------------------

def test_headers():
    for path, language, plural in [(FA_PO, "fa", "nplurals=2; plural=(n > 1);"),
                                   (EN_PO, "en", "nplurals=2; plural=(n != 1);")]:
        header = path.read_text(encoding="utf-8").split("\n\n", 1)[0]
        assert f'"Language: {language}\\n"' in header
        assert f'"Plural-Forms: {plural}\\n"' in header
        assert '"content-type: text/plain; charset=utf-8\\n"' in header.lower()
        assert "fuzzy" not in header, f"{path}: the header is marked fuzzy"
        assert not load(path).fuzzy
    assert len(FA_MESSAGES) > 150


@pytest.mark.parametrize("message", FA_MESSAGES, ids=label)
def test_fa_entry_is_translated(message):
    assert not message.fuzzy
    forms = strings(message)
    assert len(forms) == (2 if message.pluralizable else 1)
    assert all(form.strip() for form in forms), "missing translation"
    expected = {p for msgid in ids(message) for p in PLACEHOLDER.findall(msgid)}
    for form in forms:
        assert set(PLACEHOLDER.findall(form)) == expected
        assert not ARABIC_YEH_KAF.search(form), "Arabic ي/ك instead of Persian ی/ک"
        assert not SPACED_VERB_PREFIX.search(form), "verb prefix می without ZWNJ"


def test_list_separator_is_the_persian_comma():
    assert FA.get(",", context="list separator").string == "،"


def test_en_catalogue_leaves_the_source_text_alone():
    assert all(not any(strings(m)) for m in load(EN_PO) if m.id)


def test_catalogues_compile():
    call_command("compile_catalogues")
    for language in ("fa", "en"):
        mo = LOCALE_DIR / language / "LC_MESSAGES" / "django.mo"
        assert mo.stat().st_mtime >= mo.with_suffix(".po").stat().st_mtime
    with (LOCALE_DIR / "fa" / "LC_MESSAGES" / "django.mo").open("rb") as mo_file:
        fa = gettext.GNUTranslations(mo_file)
    assert fa.gettext("Search") == "جستجو"
    assert fa.pgettext("list separator", ",") == "،"
    assert fa.ngettext("%(shown)s result", "%(shown)s results", 5) == "%(shown)s نتیجه"


# --- rendered pages ------------------------------------------------------------------------------

FA_TEXT = {"skip": "رفتن به محتوای اصلی", "search": ">جستجو<", "not_found": "صفحه پیدا نشد"}
EN_TEXT = {"skip": "Skip to main content", "search": ">Search<", "not_found": "Page not found"}


@pytest.mark.parametrize(("path", "status", "keys"), [
    ("consultations/", 200, ["skip", "search"]),
    ("search/?q=x", 200, ["skip", "search"]),
    ("no-such-page/", 404, ["skip", "search", "not_found"]),
])
@pytest.mark.parametrize(("language", "wanted", "unwanted"), [("fa", FA_TEXT, EN_TEXT), ("en", EN_TEXT, FA_TEXT)])
def test_pages_speak_the_language_of_their_url(client, site_tree, path, status, keys, language, wanted,
                                               unwanted):
    response = client.get(f"/{language}/{path}")
    assert response.status_code == status
    html = response.content.decode()
    for key in keys:
        assert wanted[key] in html
        assert unwanted[key] not in html
