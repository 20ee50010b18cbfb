"""The hostile-input corpora (../shared/data/xss, read at run time) and a checker that parses
rendered HTML the way a browser does (html5lib) and judges every element, attribute and URL
against the allow-list, instead of substring matching, which false-alarms on escaped text."""

from pathlib import Path
from urllib.parse import urlsplit

import html5lib
import pytest
from django.conf import settings

XSS_DIR = Path(settings.RAYZAN_DEMO_DATA).parent / "xss"
ALLOWED_IN_USER_TEXT = {"p", "br", "strong", "em", "ul", "ol", "li", "a", "blockquote"}
SAFE_SCHEMES = {"http", "https", "mailto", ""}
NEVER = {"script", "style", "svg", "math", "iframe", "object", "embed", "template", "base", "meta", "link",
         "form", "input", "button", "textarea", "frame", "frameset", "applet", "img", "video", "audio", "source"}


def payloads() -> list[str]:
    files = sorted(XSS_DIR.glob("*.txt")) if XSS_DIR.is_dir() else []
    lines = [line for f in files if "LICENSE" not in f.name
             for line in f.read_text(encoding="utf-8", errors="replace").splitlines() if line.strip()]
    if not lines:
        pytest.skip("the hostile-input corpora are not on this machine")
    return lines


# Tricks specific to this site's Markdown subset and to right-to-left text, which the corpora lack.
EXTRA = [
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[x](java&#x09;script:alert(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[x](vbscript:msgbox(1))",
    "![x](javascript:alert(1))",
    '<https://example.org/"onmouseover="alert(1)>',
    "**<img src=x onerror=alert(1)>**",
    "> <iframe src=javascript:alert(1)></iframe>",
    "`</code><script>alert(1)</script>`",
    "[a](https://example.org \"title\" onmouseover=alert(1))",
    "\u202e<script>alert(1)</script>\u202d نظر شهروند",
    "نظر <svg/onload=alert(1)> شهروند",
    "{{ request.user.password }} {% debug %}",
]


def sample(limit: int | None = None) -> list[str]:
    """An evenly spread, deterministic selection of the corpora plus EXTRA, for paths where each
    write and each rendered page costs milliseconds (the sanitiser itself gets every line).
    RAYZAN_HOSTILE_SAMPLE sets the size; `all` sends every line."""
    import os

    lines = payloads()
    wanted = os.environ.get("RAYZAN_HOSTILE_SAMPLE", str(limit or 150))
    if wanted != "all" and int(wanted) < len(lines):
        step = len(lines) / int(wanted)
        lines = [lines[int(i * step)] for i in range(int(wanted))]
    return lines + EXTRA


def problems_in_json(data, path: str = "") -> list[str]:
    """API bodies: every `*_html` string passes the allow-list (other strings are text, which a
    client must escape, and are compared with what was stored by the caller)."""
    found = []
    if isinstance(data, dict):
        for key, value in data.items():
            if isinstance(value, str) and key.endswith("_html"):
                found += [f"{path}.{key}: {problem}" for problem in problems_in_fragment(value)]
            else:
                found += problems_in_json(value, f"{path}.{key}")
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found += problems_in_json(value, f"{path}[{index}]")
    return found


def problems_in_fragment(html: str) -> list[str]:
    """Everything in a fragment of user text that is not on the allow-list."""
    found = []
    fragment = html5lib.parseFragment(html, namespaceHTMLElements=False)
    for element in fragment.iter():
        if not isinstance(element.tag, str):
            continue  # comments and the like
        if element.tag == "DOCUMENT_FRAGMENT":
            continue
        if element.tag not in ALLOWED_IN_USER_TEXT:
            found.append(f"element <{element.tag}>")
        for name, value in element.attrib.items():
            if element.tag == "a" and name == "href":
                scheme = urlsplit(value.strip()).scheme.lower()
                if scheme not in SAFE_SCHEMES:
                    found.append(f"href scheme {scheme!r}")
            elif not (element.tag == "a" and name == "rel"):
                found.append(f"attribute {name}= on <{element.tag}>")
    return found


def problems_in_page(html: str) -> list[str]:
    """Page-wide: no script-capable element or attribute came from user text anywhere."""
    found = []
    document = html5lib.parse(html, namespaceHTMLElements=False)
    for element in document.iter():
        if not isinstance(element.tag, str):
            continue
        own_script = (element.tag == "script" and element.get("src", "").startswith("/static/")
                      and not (element.text or "").strip())
        if element.tag in NEVER - {"meta", "link", "form", "input", "button", "textarea"} and not own_script:
            found.append(f"element <{element.tag}>")
        for name, value in element.attrib.items():
            if name.lower().startswith("on"):
                found.append(f"event handler {name}= on <{element.tag}>")
            if name in {"href", "src", "action", "formaction", "xlink:href"}:
                scheme = urlsplit(value.strip()).scheme.lower()
                if scheme not in SAFE_SCHEMES:
                    found.append(f"{name} scheme {scheme!r} on <{element.tag}>")
    return found
