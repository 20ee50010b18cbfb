"""The FR-XML and UDHR importers, run on the real drafts in settings.RAYZAN_DEMO_DATA (skipped when
that directory is absent) and on small synthetic inputs written to tmp_path.

Expected section counts, read off the documents:
- VA proposed rule (FR Doc. 2024-02590): 29 sections. SUPLINF has 11 HD1 headings (I.–X. and
  "Signing Authority") and 9 HD2 headings = 20; "II. Proposed Changes to § 3.307 ..." has no text
  before its first subsection, so it is joined to "a. Amendments to § 3.307(a)(6) ..." = 19; then
  "List of Subjects in 38 CFR Part 3" (LSTSUB), "PART 3—ADJUDICATION" (PART with the authority
  citation) and the 8 amended CFR sections §§ 3.105, 3.114, 3.307, 3.309, 3.313, 3.814, 3.815 and
  3.816 = 19 + 1 + 1 + 8 = 29.
- USCG proposed rule (FR Doc. 2024-02703): 5 HD1 + 7 HD2 = 12 (all with text), + LSTSUB + PART 165
  + § 165.715 = 15.
Both were filed on Friday 9 February 2024 and published on Monday 12 February 2024.
"""

import datetime as dt
import re
from collections import Counter
from io import StringIO
from pathlib import Path
from xml.etree import ElementTree as ET
from zoneinfo import ZoneInfo

import pytest
from bs4 import BeautifulSoup
from django.conf import settings
from django.core.management import CommandError, call_command
from django.utils.html import escape

from consult.importers import DraftImportError, section_block_id
from consult.importers.fr_xml import import_fr_xml, next_business_day, parse_fr_xml
from consult.importers.udhr import article_block_id, import_udhr
from consult.models import ConsultationPage

EASTERN = ZoneInfo("America/New_York")
VA = "va-herbicide-proposed-rule.xml"
USCG = "uscg-biscayne-bay-safety-zone-proposed-rule.xml"
ALLOWED_TAGS = {"p", "em", "strong", "ul", "ol", "li", "h3", "h4"}
VA_FIRST_HEADINGS = [
    "I. Background",
    "a. The BWN Act of 2019",
    "b. The NDAA of 2021",
    "c. The PACT Act",
    "II. Proposed Changes to § 3.307 Diseases Associated With Exposure to Certain Herbicide Agents"
    " — a. Amendments to § 3.307(a)(6) Based on the BWN Act of 2019",
    "b. Amendments to § 3.307 Based on the PACT Act",
]
VA_CFR_HEADINGS = ["§ 3.105", "§ 3.114", "§ 3.307", "§ 3.309", "§ 3.313", "§ 3.814", "§ 3.815", "§ 3.816"]
USCG_HEADINGS = [
    "I. Table of Abbreviations", "II. Background, Purpose, and Legal Basis",
    "III. Discussion of Proposed Rule", "IV. Regulatory Analyses", "A. Regulatory Planning and Review",
    "B. Impact on Small Entities",
    "C. Collection of Information", "D. Federalism and Indian Tribal Governments",
    "E. Unfunded Mandates Reform Act", "F. Environment", "G. Protest Activities",
    "V. Public Participation and Request for Comments", "List of Subjects in 33 CFR Part 165",
    "PART 165—REGULATED NAVIGATION AREAS AND LIMITED ACCESS AREAS",
    "§ 165.715 Safety Zone; Biscayne Bay, Homestead, FL.",
]


@pytest.fixture
def drafts() -> Path:
    path = Path(settings.RAYZAN_DEMO_DATA)
    if not path.is_dir():
        pytest.skip(f"real drafts not available at {path}")
    return path


def eastern(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=EASTERN)


def words(text: str) -> Counter:
    return Counter(re.findall(r"\w+", text))


def html_words(html: str) -> Counter:
    text = re.sub(r"<[^>]+>", " ", html)
    return words(text.replace("&#x27;", "'").replace("&quot;", '"').replace("&amp;", "&"))


def assert_safe_section_html(body: str):
    assert "<script" not in body.lower()
    assert set(re.findall(r"</?([a-zA-Z0-9]+)", body)) <= ALLOWED_TAGS


def section_headings(page) -> list[str]:
    return [section["heading"] for section in page.section_list]


# --- Parsing (no database) ----------------------------------------------------------------------


def test_va_document_metadata_and_period(drafts):
    document = parse_fr_xml(drafts / VA)
    assert document.title == ("Updating VA Adjudication Regulations for Disability or Death Benefit Claims "
                              "Related to Exposure to Certain Herbicide Agents")
    assert document.agency == "Department of Veterans Affairs"
    assert document.fr_doc == "FR Doc. 2024-02590"
    assert document.rin == "2900-AR10"
    assert document.cfr == "38 CFR Part 3"
    assert document.summary.startswith("The Department of Veterans Affairs (VA) proposes to amend")
    assert "60 days after date of publication" in document.dates_text
    assert document.publication_date == dt.date(2024, 2, 12)  # filed Fri 9 Feb 2024
    assert document.comment_period_closes == dt.date(2024, 4, 12)  # 60 days later (2024 is a leap year)
    assert document.comment_period() == (eastern(2024, 2, 12, 0, 0), eastern(2024, 4, 12, 23, 59, 59))


def test_va_sections(drafts):
    sections = parse_fr_xml(drafts / VA).sections
    headings = [heading for heading, _body in sections]
    assert len(sections) == 29  # see the module docstring
    assert headings[: len(VA_FIRST_HEADINGS)] == VA_FIRST_HEADINGS
    assert "X. Severability" in headings
    assert "List of Subjects in 38 CFR Part 3" in headings
    assert "PART 3—ADJUDICATION" in headings
    assert [h.split(" ", 2)[0] + " " + h.split(" ", 2)[1] for h in headings[-8:]] == VA_CFR_HEADINGS
    assert headings[-8] == "§ 3.105 Revision of decisions."
    assert all(len(heading) <= 255 for heading in headings)
    for _heading, body in sections:
        assert body
        assert_safe_section_html(body)


def test_va_section_content(drafts):
    sections = dict(parse_fr_xml(drafts / VA).sections)
    ndaa = sections["b. The NDAA of 2021"]
    assert "Parkinsonism.[1]</p>" in ndaa  # footnote reference, then the footnote at the end
    assert ndaa.endswith("Washington, DC: The National Academies Press. <em>https://doi.org/10.17226/25137</em>.</p>")
    amend_3105 = sections["§ 3.105 Revision of decisions."]
    assert amend_3105.startswith("<p>2. Amend § 3.105 by revising paragraph (g) to read as follows:</p>")
    assert "<p>* * * * *</p>" in amend_3105
    long_heading = next(h for h in sections if h.startswith("§ 3.307"))
    assert long_heading.endswith("…")  # SECTNO + SUBJECT is 258 characters: cut, full text kept in the body
    assert "water supply at Camp Lejeune; wartime and service on or after January 1, 1947.</strong></p>" in (
        sections[long_heading])
    assert "<li>At Phu Quoc Extension Point A — Latitude north: 10°14′51.16″; " in sections[long_heading]
    assert "<p><strong>Note 1:</strong> The term “soft-tissue sarcoma” includes the following:</p>" in (
        sections["§ 3.309 Disease subject to presumptive service connection."])
    assert "9804" not in "".join(sections.values())  # PRTPAGE page numbers are dropped


@pytest.mark.parametrize("name", [VA, USCG])
def test_no_text_of_the_supplementary_information_is_lost(drafts, name):
    suplinf = ET.parse(drafts / name).getroot().find("SUPLINF")
    source = words("".join(suplinf.itertext())) - words("SUPPLEMENTARY INFORMATION")
    imported = Counter()
    for heading, body in parse_fr_xml(drafts / name).sections:
        imported += words(heading) + html_words(body)
    assert source - imported == Counter()


def test_uscg_document(drafts):
    document = parse_fr_xml(drafts / USCG)
    assert document.title == "Safety Zone; Biscayne Bay, Homestead, FL"
    assert document.agency == "Department of Homeland Security, Coast Guard"
    assert document.fr_doc == "FR Doc. 2024-02703"
    assert document.rin == "1625-AA00"
    assert document.contact_email == "Benjamin.D.Adrien@uscg.mil"
    assert [heading for heading, _body in document.sections] == USCG_HEADINGS
    assert "March 13, 2024" in document.dates_text
    assert document.comment_period() == (eastern(2024, 2, 12, 0, 0), eastern(2024, 3, 13, 23, 59, 59))
    for _heading, body in document.sections:
        assert_safe_section_html(body)


def test_publication_is_the_next_federal_business_day():
    assert next_business_day(dt.date(2024, 2, 9)) == dt.date(2024, 2, 12)  # Friday -> Monday
    assert next_business_day(dt.date(2024, 1, 12)) == dt.date(2024, 1, 16)  # Martin Luther King Jr. Day
    assert next_business_day(dt.date(2024, 7, 3)) == dt.date(2024, 7, 5)  # Independence Day
    assert next_business_day(dt.date(2026, 7, 2)) == dt.date(2026, 7, 6)  # 4 July 2026 observed Fri 3 July
    assert next_business_day(dt.date(2024, 11, 27)) == dt.date(2024, 11, 29)  # Thanksgiving


HOSTILE_FR_XML = """<?xml version="1.0" encoding="UTF-8"?>
<PRORULE>
  <PREAMB>
    <AGENCY TYPE="N">DEPARTMENT OF TESTING</AGENCY>
    <SUBJECT>Escaping &lt;script&gt;alert(1)&lt;/script&gt; Test</SUBJECT>
    <EFFDATE><HD SOURCE="HED">DATES:</HD><P>Comments must be received on or before June 3, 2024.</P></EFFDATE>
  </PREAMB>
  <SUPLINF>
    <HD SOURCE="HED">SUPPLEMENTARY INFORMATION:</HD>
    <HD SOURCE="HD1">I. &lt;img src=x onerror=alert(1)&gt;</HD>
    <P>Text with <E T="03">&lt;script&gt;alert(2)&lt;/script&gt;</E> &amp; more.</P>
  </SUPLINF>
  <FRDOC>[FR Doc. 2024-99999 Filed 5-2-24; 8:45 am]</FRDOC>
</PRORULE>
"""


def test_markup_in_the_text_is_escaped_and_explicit_dates_win(tmp_path):
    path = tmp_path / "hostile.xml"
    path.write_text(HOSTILE_FR_XML, encoding="utf-8")
    document = parse_fr_xml(path)
    assert document.sections == [(
        "I. <img src=x onerror=alert(1)>",  # headings are plain text, escaped by the template
        "<p>Text with <em>&lt;script&gt;alert(2)&lt;/script&gt;</em> &amp; more.</p>",
    )]
    assert document.publication_date == dt.date(2024, 5, 3)
    assert document.comment_period_closes == dt.date(2024, 6, 3)


@pytest.mark.parametrize("content", ["not xml at all", "<html><body>hello</body></html>", "<PRORULE><P>"])
def test_bad_input_is_a_clear_error(tmp_path, content):
    path = tmp_path / "bad.xml"
    path.write_text(content)
    with pytest.raises(DraftImportError):
        parse_fr_xml(path)
    with pytest.raises(DraftImportError, match="File not found"):
        parse_fr_xml(tmp_path / "missing.xml")


# --- Importing into Wagtail ---------------------------------------------------------------------


def test_import_va_publishes_a_page_with_the_documents_period(drafts, site_tree, client):
    parent = site_tree.indexes["en"]
    page = import_fr_xml(drafts / VA, parent=parent)
    page.refresh_from_db()
    assert page.live
    assert page.get_parent().pk == parent.pk
    assert page.locale.language_code == "en"
    assert page.agency == "Department of Veterans Affairs"
    assert page.source_reference == "FR Doc. 2024-02590; RIN 2900-AR10"
    assert page.opens_at == eastern(2024, 2, 12, 0, 0)
    assert page.closes_at == eastern(2024, 4, 12, 23, 59, 59)
    assert page.closes_at.astimezone(EASTERN).date() == dt.date(2024, 4, 12)
    assert page.status == "closed"
    assert "<h3>Addresses</h3>" in page.introduction
    assert len(page.sections) == 29
    assert section_headings(page)[:2] == ["I. Background", "a. The BWN Act of 2019"]
    assert len({section["id"] for section in page.section_list}) == 29
    for section in page.section_list:
        assert_safe_section_html(str(section["body"]))

    response = client.get(page.url)
    # The consultation page template belongs to another part of the project; if this fails with a
    # TemplateDoesNotExist, the template is missing, not the import.
    assert response.status_code == 200
    html = response.content.decode()
    for heading in section_headings(page):
        assert escape(heading) in html
    assert "&amp;#x27;" not in html and "&lt;p&gt;" not in html  # rich text is not escaped twice
    assert page.slug == "updating-va-adjudication-regulations-for-disability-or-death-benefit-claims"


def test_import_uscg_keeps_its_own_period(drafts, site_tree, client):
    page = import_fr_xml(drafts / USCG, parent=site_tree.indexes["en"])
    page.refresh_from_db()
    assert section_headings(page) == USCG_HEADINGS
    assert page.opens_at == eastern(2024, 2, 12, 0, 0)
    assert page.closes_at == eastern(2024, 3, 13, 23, 59, 59)
    assert page.contact_email == "Benjamin.D.Adrien@uscg.mil"
    response = client.get(page.url)
    assert response.status_code == 200  # see the note on the template in the VA test
    for heading in USCG_HEADINGS:
        assert escape(heading) in response.content.decode()


def test_reimport_updates_instead_of_duplicating(drafts, site_tree):
    parent = site_tree.indexes["en"]
    first = import_fr_xml(drafts / VA, parent=parent)
    ids = [section["id"] for section in first.section_list]
    count = ConsultationPage.objects.count()
    revisions = first.revisions.count()

    again = import_fr_xml(drafts / VA, parent=parent, open_for_days=30)
    again.refresh_from_db()
    assert again.pk == first.pk
    assert ConsultationPage.objects.count() == count
    assert again.revisions.count() == revisions + 1
    assert [section["id"] for section in again.section_list] == ids  # comments stay anchored
    assert again.is_open
    assert again.closes_at - again.opens_at == dt.timedelta(days=30)


def test_section_ids_are_the_explicit_ones(drafts, site_tree):
    page = import_fr_xml(drafts / USCG, parent=site_tree.indexes["en"])
    page = ConsultationPage.objects.get(pk=page.pk)
    expected = section_block_id("fr-xml|FR Doc. 2024-02703|I. Table of Abbreviations|1")
    assert page.section_list[0]["id"] == expected


# --- UDHR ----------------------------------------------------------------------------------------


def source_headings(path: Path) -> list[str]:
    soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
    return [" ".join(article.find("h2").get_text().split()) for article in soup.find_all("article")]


def test_import_udhr_creates_linked_translations(drafts, site_tree, client):
    fa, en = import_udhr(drafts / "udhr-fa.html", drafts / "udhr-en.html", indexes=site_tree.indexes)
    fa, en = ConsultationPage.objects.get(pk=fa.pk), ConsultationPage.objects.get(pk=en.pk)
    assert fa.live and en.live
    assert fa.locale.language_code == "fa" and en.locale.language_code == "en"
    assert fa.get_parent().pk == site_tree.indexes["fa"].pk
    assert en.get_parent().pk == site_tree.indexes["en"].pk
    assert fa.translation_key == en.translation_key
    assert fa.get_translation(en.locale).pk == en.pk
    assert fa.title == "اعلامیه جهانی حقوق بشر"
    assert en.title == "Universal Declaration of Human Rights"
    assert "Whereas recognition of the inherent dignity" in en.introduction
    assert section_headings(fa) == source_headings(drafts / "udhr-fa.html")
    assert section_headings(en) == source_headings(drafts / "udhr-en.html")
    assert len(fa.section_list) == len(en.section_list) == 30
    for number, (fa_section, en_section) in enumerate(zip(fa.section_list, en.section_list, strict=True), 1):
        assert fa_section["id"] == en_section["id"] == article_block_id(number)
        assert_safe_section_html(str(fa_section["body"]))
        assert_safe_section_html(str(en_section["body"]))
    article_11 = str(en.section_list[10]["body"])
    assert article_11.startswith("<ol><li>Everyone charged with a penal offence")
    assert fa.is_open and en.is_open
    for page in (fa, en):
        response = client.get(page.url)
        assert response.status_code == 200  # see the note on the template in the VA test
        assert escape(page.section_list[0]["heading"]) in response.content.decode()


def test_reimport_udhr_does_not_duplicate(drafts, site_tree):
    paths = (drafts / "udhr-fa.html", drafts / "udhr-en.html")
    fa, en = import_udhr(*paths, indexes=site_tree.indexes)
    count = ConsultationPage.objects.count()
    fa2, en2 = import_udhr(*paths, indexes=site_tree.indexes, open_for_days=10)
    assert (fa2.pk, en2.pk) == (fa.pk, en.pk)
    assert ConsultationPage.objects.count() == count
    en2 = ConsultationPage.objects.get(pk=en2.pk)
    assert en2.closes_at - en2.opens_at == dt.timedelta(days=10)


def test_udhr_rejects_other_html(tmp_path, site_tree):
    other = tmp_path / "other.html"
    other.write_text("<html><body><h1>Hello</h1><article><h2>Only one</h2><p>x</p></article></body></html>")
    with pytest.raises(DraftImportError):
        import_udhr(other, other, indexes=site_tree.indexes)


# --- Management commands -------------------------------------------------------------------------


def test_import_fr_xml_command(drafts, db):
    out = StringIO()
    call_command("import_fr_xml", str(drafts / USCG), stdout=out)
    text = out.getvalue()
    assert "/en/consultations/" in text
    assert "15 sections" in text
    call_command("import_fr_xml", str(drafts / USCG), "--open-for-days", "5", stdout=StringIO())
    assert ConsultationPage.objects.filter(source_reference__startswith="FR Doc. 2024-02703").count() == 1


def test_import_fr_xml_command_errors(tmp_path, db):
    with pytest.raises(CommandError, match="File not found"):
        call_command("import_fr_xml", str(tmp_path / "missing.xml"))
    text_file = tmp_path / "notes.txt"
    text_file.write_text("This is not XML.\n")
    with pytest.raises(CommandError, match="not well-formed XML"):
        call_command("import_fr_xml", str(text_file))
    with pytest.raises(CommandError, match="at least 1"):
        call_command("import_fr_xml", str(text_file), "--open-for-days", "0")


def test_import_udhr_command(drafts, db):
    out = StringIO()
    call_command("import_udhr", str(drafts / "udhr-fa.html"), str(drafts / "udhr-en.html"), stdout=out)
    assert out.getvalue().count("30 sections") == 2
    with pytest.raises(CommandError, match="File not found"):
        call_command("import_udhr", str(drafts / "missing-fa.html"), str(drafts / "udhr-en.html"))
