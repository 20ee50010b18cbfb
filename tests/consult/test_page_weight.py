"""Page weight: a citizen on a slow link gets the VA draft's consultation page, with everything
it loads (CSS, JavaScript, fonts), in at most 150 KB compressed, of which at most 20 KB script."""

import gzip
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db
DRAFTS = Path(settings.RAYZAN_DEMO_DATA)
BUDGET_TOTAL = 150 * 1024
BUDGET_SCRIPT = 20 * 1024


class Assets(HTMLParser):
    def __init__(self):
        super().__init__()
        self.styles, self.scripts = [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "link" and attrs.get("rel") == "stylesheet":
            self.styles.append(attrs["href"])
        if tag == "script" and attrs.get("src"):
            self.scripts.append(attrs["src"])


def compressed(body: bytes) -> int:
    return len(gzip.compress(body, compresslevel=6))


def fetch(client, url) -> bytes:
    response = client.get(url)
    assert response.status_code == 200, url
    return b"".join(response.streaming_content) if response.streaming else response.content


def page_weight(client, url):
    html = fetch(client, url)
    assets = Assets()
    assets.feed(html.decode())
    css = [fetch(client, href) for href in assets.styles]
    fonts = [fetch(client, font) for sheet in css
             for font in re.findall(rb"url\(['\"]?([^'\")]+\.woff2?)", sheet)]
    scripts = [fetch(client, src) for src in assets.scripts]
    script_bytes = sum(compressed(s) for s in scripts)
    total = compressed(html) + sum(compressed(c) for c in css) + sum(len(f) for f in fonts) + script_bytes
    return total, script_bytes, html


def test_va_consultation_page_weight(client, site_tree):
    if not (DRAFTS / "va-herbicide-proposed-rule.xml").is_file():
        pytest.skip("shared drafts are not on this machine")
    from consult.importers.fr_xml import import_fr_xml

    page = import_fr_xml(DRAFTS / "va-herbicide-proposed-rule.xml", parent=site_tree.indexes["en"])
    total, script, html = page_weight(client, page.url)
    assert b"I. Background" in html  # the whole draft is in the page, not loaded later
    assert total <= BUDGET_TOTAL, f"{total} bytes compressed"
    assert script <= BUDGET_SCRIPT, f"{script} bytes of script"


def test_demo_consultation_page_weight(client, site_tree):
    from consult.demo import load_demo

    load_demo(data_dir="/nonexistent", log=lambda *a: None)
    total, script, _html = page_weight(client, "/fa/consultations/participatory-budget/")
    assert total <= BUDGET_TOTAL and script <= BUDGET_SCRIPT


def test_the_live_client_fits_its_budget(client, site_tree):
    """The live client is at most 10 KB compressed, as served on a roundtable page."""
    from tests import factories

    roundtable = factories.roundtable(site_tree.indexes["fa"], state="live")
    assets = Assets()
    assets.feed(fetch(client, roundtable.url).decode())
    (live,) = [src for src in assets.scripts if "live" in src]
    assert compressed(fetch(client, live)) <= 10 * 1024
