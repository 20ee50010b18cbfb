"""The one place citizen text is cleaned and rendered (nh3, an allow-list sanitiser).

Input: `clean_text` / `clean_line` normalise what people type before it is stored: Unicode NFC,
no control characters, no bidi embeddings, overrides or isolates (the page isolates user text
itself, and these characters can disguise text), sane newlines. Output: `render_markdown` turns
the stored source (a small Markdown subset: paragraphs, emphasis, lists, links, quotes) into
HTML and passes it through nh3 with the allow-list below. Raw HTML in the source is never
interpreted: it is shown as text. No svg, math, style or script elements, ever.
"""

import re
import unicodedata

import nh3
from markdown_it import MarkdownIt

ALLOWED_TAGS = frozenset({"p", "br", "strong", "em", "ul", "ol", "li", "a", "blockquote"})
ALLOWED_ATTRIBUTES = {"a": {"href"}}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow ugc noopener noreferrer"

# LRE, RLE, PDF, LRO, RLO and LRI, RLI, FSI, PDI. LRM/RLM/ALM and ZWNJ/ZWJ stay: Persian needs them.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_BLANK_LINES = re.compile(r"\n{3,}")
_SPACES = re.compile(r"[ \t\u00a0]+")

_markdown = (
    MarkdownIt("zero", {"html": False, "breaks": True, "linkify": False})
    .enable(["blockquote", "list", "emphasis", "link", "newline", "escape"])
)


def _drop_controls(text: str, *, keep_newlines: bool) -> str:
    kept = []
    for ch in text:
        if ch in BIDI_CONTROLS:
            continue
        if ch == "\n" and keep_newlines:
            kept.append(ch)
        elif ch == "\t":
            kept.append(" ")
        elif unicodedata.category(ch) == "Cc":
            kept.append(" " if ch in "\n\r\v\f" else "")
        else:
            kept.append(ch)
    return "".join(kept)


def clean_text(text: str) -> str:
    """Multi-line citizen text, ready to store as Markdown source."""
    text = unicodedata.normalize("NFC", text or "").replace("\r\n", "\n").replace("\r", "\n")
    text = _drop_controls(text, keep_newlines=True)
    lines = [line.rstrip() for line in text.split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def clean_line(text: str) -> str:
    """One-line citizen text (display names, statements, poll answers): spaces collapsed."""
    text = unicodedata.normalize("NFC", text or "")
    return _SPACES.sub(" ", _drop_controls(text, keep_newlines=False)).strip()


def has_bidi_controls(text: str) -> bool:
    return any(ch in BIDI_CONTROLS for ch in text or "")


def sanitise_html(html: str) -> str:
    return nh3.clean(html, tags=set(ALLOWED_TAGS), attributes={k: set(v) for k, v in ALLOWED_ATTRIBUTES.items()},
                     url_schemes=set(URL_SCHEMES), link_rel=LINK_REL, strip_comments=True)


def render_markdown(source: str) -> str:
    """Stored Markdown source to safe HTML."""
    return sanitise_html(_markdown.render(source or "")).strip()


# Editors' rich text, in Wagtail's stored form: the tags of the Draftail features in use
# (cms.blocks.RICH_TEXT_FEATURES, consult.blocks.SECTION_TEXT_FEATURES and a few more), internal
# links as <a linktype="page|document" id="N">, and the block keys Wagtail's comments anchor to.
# No images or embeds: a feature that needs them must add its tags here first.
RICH_TEXT_TAGS = frozenset({"p", "br", "h2", "h3", "h4", "b", "i", "strong", "em", "ul", "ol", "li", "a",
                            "blockquote", "hr", "sub", "sup", "code"})
RICH_TEXT_ATTRIBUTES = {"a": {"href", "linktype", "id"}, "*": {"data-block-key"}}
RICH_TEXT_URL_SCHEMES = frozenset({"http", "https", "mailto", "tel"})


def _rich_text_attribute(tag: str, attribute: str, value: str) -> str | None:
    # A link's id is the linked page's or document's number, never a name scripts could trip on.
    if tag == "a" and attribute == "id" and not value.isdigit():
        return None
    return value


def sanitise_rich_text(html: str) -> str:
    """Editors' rich text (Wagtail's stored HTML) through the same sanitiser as citizens' text."""
    return nh3.clean(html or "", tags=set(RICH_TEXT_TAGS),
                     attributes={k: set(v) for k, v in RICH_TEXT_ATTRIBUTES.items()},
                     url_schemes=set(RICH_TEXT_URL_SCHEMES), link_rel=None, strip_comments=True,
                     attribute_filter=_rich_text_attribute)
