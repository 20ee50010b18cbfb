"""An official reads the report of a consultation with opinion groups, writes the response,
and the public sees it: axe-core finds no serious or critical violation on the dashboard, the
printable report, the response editor, the transparency report and the public page, in
English and in Persian."""

from consult.models import Statement
from reports.worker import Worker
from tests import factories
from tests.e2e.conftest import axe_violations, signed_in_context
from voting.models import StatementVote


def seed(index):
    page = factories.consultation(index, status="closed")
    author = factories.participant(f"Author {index.locale.language_code}")
    comment = factories.comment(page, author, text="Keep the night buses", section_id=page.section_list[0]["id"],
                                support_count=3)
    statements = [Statement.objects.create(page=page, text=f"Proposal {n}") for n in range(8)]
    votes = []
    for n in range(16):
        person = factories.participant(f"Voter {index.locale.language_code} {n}")
        votes += [StatementVote(statement=s, voter=person, value=1 if (i < 4) == (n % 2 == 0) else -1)
                  for i, s in enumerate(statements)]
    StatementVote.objects.bulk_create(votes)
    return page, comment


def test_reports_pages_are_accessible_in_both_languages(asgi_server, browser, site_tree):
    official = factories.participant("Official", roles=["official"])
    pages = {language: seed(site_tree.indexes[language]) for language in ("en", "fa")}
    Worker().run_once()
    base = asgi_server.url
    violations = {}
    context = signed_in_context(browser, official, base)
    try:
        tab = context.new_page()
        for language, (page, _comment) in pages.items():
            for path in (f"/{language}/reports/{page.pk}/", f"/{language}/reports/{page.pk}/print/",
                         f"/{language}/reports/{page.pk}/response/", f"/{language}/moderation/transparency/{page.pk}/"):
                tab.goto(base + path)
                assert tab.locator("h1").count() == 1
                found = axe_violations(tab)
                if found:
                    violations[path] = found
            assert tab.goto(f"{base}/{language}/reports/{page.pk}/").ok
            assert tab.locator("svg.opinion-map").count() == 1
            tab.goto(f"{base}/{language}/reports/{page.pk}/response/")
            tab.fill("textarea[name=summary]", "We heard you.")
            tab.get_by_role("button", name="Publish the response" if language == "en" else "انتشار پاسخ").click()
            tab.wait_for_url("**done=published")
            tab.goto(base + page.url)
            assert "We heard you." in tab.content()
            found = axe_violations(tab)
            if found:
                violations[page.url] = found
    finally:
        context.close()
    assert not violations, violations
