"""One stylesheet for both directions: logical properties only, so RTL needs no second sheet."""

import re
from pathlib import Path

import pytest

STATIC = Path(__file__).resolve().parents[2] / "frontend" / "static"
PHYSICAL = re.compile(
    r"(?<![-\w])(margin|padding|border)-(left|right)\b|(?<![-\w])(left|right)\s*:|"
    r"text-align\s*:\s*(left|right)|float\s*:\s*(left|right)|border-(top|bottom)-(left|right)-radius"
)


@pytest.mark.parametrize("sheet", sorted(STATIC.rglob("*.css")), ids=lambda p: p.name)
def test_stylesheets_use_logical_properties(sheet):
    offending = [line.strip() for line in sheet.read_text().splitlines() if PHYSICAL.search(line)]
    assert offending == []


def test_templates_have_no_inline_physical_styles():
    templates = Path(__file__).resolve().parents[2].glob("*/templates/**/*.html")
    offending = [str(t) for t in templates if PHYSICAL.search(t.read_text())]
    assert offending == []
