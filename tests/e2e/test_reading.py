"""A citizen reads consultations in Persian and English, with and without JavaScript."""

import pytest

from consult.models import ConsultationPage
from tests.e2e.conftest import axe_violations


def budget_pages():
    fa = ConsultationPage.objects.get(slug="participatory-budget", locale__language_code="fa")
    en = fa.get_translations().get().specific
    return fa, en


def test_persian_page_is_rtl_and_language_switch_leads_to_translation(live_server, page, demo_site):
    fa, en = budget_pages()
    page.goto(live_server.url + fa.url)
    html = page.locator("html")
    assert html.get_attribute("dir") == "rtl"
    assert html.get_attribute("lang") == "fa"
    page.locator(".language-switch a[hreflang=en]").click()
    page.wait_for_url(live_server.url + en.url)
    assert page.locator("html").get_attribute("dir") == "ltr"
    assert page.locator("h1").inner_text() == en.title
    # ...and back again.
    page.locator(".language-switch a[hreflang=fa]").click()
    page.wait_for_url(live_server.url + fa.url)


def test_table_of_contents_jumps_to_a_section(live_server, page, demo_site):
    fa, _en = budget_pages()
    page.goto(live_server.url + fa.url)
    third = fa.section_list[2]
    page.locator(f".toc a[href='#{third['anchor']}']").click()
    assert page.evaluate("location.hash") == f"#{third['anchor']}"
    assert page.locator(f"#{third['anchor']} h2").is_visible()


def test_pages_read_fully_without_javascript(live_server, browser, demo_site):
    fa, _en = budget_pages()
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url + fa.url)
    for section in fa.section_list:
        assert page.locator(f"#{section['anchor']}").is_visible()
    page.goto(live_server.url + "/fa/consultations/")
    page.select_option("#id_status", "open")
    page.locator(".filters button[type=submit]").click()
    assert "status=open" in page.url
    assert page.locator(".card").count() >= 1
    context.close()


@pytest.mark.parametrize("language", ["fa", "en"])
def test_no_serious_accessibility_violations(live_server, page, demo_site, language):
    fa, en = budget_pages()
    consultation = fa if language == "fa" else en
    urls = [f"/{language}/", f"/{language}/consultations/", consultation.url,
            f"/{language}/search/?q=budget", f"/{language}/no-such-page/"]
    va = ConsultationPage.objects.filter(title__startswith="Updating VA").first()
    if va and language == "en":
        urls.append(va.url)
    problems = {}
    for url in urls:
        page.goto(live_server.url + url)
        found = axe_violations(page)
        if found:
            problems[url] = found
    assert problems == {}
