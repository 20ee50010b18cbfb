"""The screeners consult runs on every new or edited contribution (settings.RAYZAN_SCREENERS).

Each takes a consult.screening.Submission and returns a Hold with a reason code, or None.
They read the text after consult.textnorm's normalisation, so the spellings people use to
slip past a filter (Arabic ك/ي for Persian ک/ی, ZWNJ or spaces inside a word, diacritics,
Persian and Arabic digits, punctuation between letters) are seen as what they are.
"""

import datetime
import re

from django.conf import settings
from django.utils import timezone

from consult.models import Comment, ModerationMode, Statement
from consult.screening import Hold, Submission
from consult.textnorm import normalise
from moderation import personal_data
from moderation.models import BlockedTerm


def premoderation(submission: Submission) -> Hold | None:
    """A consultation in pre-moderation holds everything."""
    if getattr(submission.page, "moderation_mode", None) == ModerationMode.PRE:
        return Hold("premoderation")
    return None


_URL = re.compile(r"(?i)\b(?:https?://|ftp://|www\.)\S+|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|org|net|ir|info|"
                  r"io|me|co|xyz|top|site|online|app|dev|gov|edu|int|eu|uk|de|fr|ru|cn)\b(?:/\S*)?")


def _host(url: str) -> str:
    url = re.sub(r"(?i)^(?:https?|ftp)://", "", url)
    return url.split("/", 1)[0].split(":", 1)[0].lower().removeprefix("www.")


def links(submission: Submission) -> Hold | None:
    """Links, where the site holds them (RAYZAN_SCREEN_LINKS), except to allowed domains and
    their subdomains (RAYZAN_LINK_ALLOWED_DOMAINS)."""
    if not settings.RAYZAN_SCREEN_LINKS:
        return None
    allowed = [d.lower().removeprefix("www.") for d in settings.RAYZAN_LINK_ALLOWED_DOMAINS]
    for match in _URL.finditer(submission.text):
        host = _host(match.group(0))
        if not any(host == d or host.endswith("." + d) for d in allowed):
            return Hold("links", detail=host)
    return None


def _tokens(text: str) -> list[str]:
    return normalise(text).split()


def find_term(tokens: list[str], term: str) -> bool:
    """Whether the compact `term` is spelled by consecutive whole tokens.

    Joining neighbouring tokens catches "b a d", "b.a.d" and a ZWNJ or space inside a Persian
    word; requiring whole tokens keeps "class" from matching "ass"."""
    for start in range(len(tokens)):
        joined = ""
        for token in tokens[start:]:
            joined += token
            if joined == term:
                return True
            if len(joined) >= len(term) or not term.startswith(joined):
                break
    return False


def blocked_words(submission: Submission) -> Hold | None:
    """Terms from the blocked-terms list (a snippet editors and moderators keep), for the
    page's language or for every language."""
    language = getattr(getattr(submission.page, "locale", None), "language_code", "")
    tokens = _tokens(submission.text)
    if not tokens:
        return None
    for term in BlockedTerm.objects.for_language(language):
        if term.compact and find_term(tokens, term.compact):
            return Hold("blocked_words", detail=term.term)
    return None


def personal(submission: Submission) -> Hold | None:
    """E-mail addresses, phone numbers, Iranian national IDs and card numbers."""
    kinds = personal_data.find(submission.text)
    if kinds:
        return Hold("personal_data", detail=", ".join(kinds))
    return None


def _authored(author):
    """The author's public contributions so far (comments and statements)."""
    return (Comment.objects.filter(author=author).exclude(status="rejected"),
            Statement.objects.filter(author=author).exclude(status="rejected"))


def first_posts(submission: Submission) -> Hold | None:
    """A new account's first N contributions (RAYZAN_HOLD_FIRST_POSTS; 0, the default, is off)."""
    limit = settings.RAYZAN_HOLD_FIRST_POSTS
    if limit <= 0 or submission.item_id is not None:
        return None
    comments, statements = _authored(submission.author)
    if comments.count() + statements.count() < limit:
        return Hold("new_account")
    return None


REPEAT_SHINGLE = 3


def shingles(text: str) -> set[str]:
    tokens = _tokens(text)
    if len(tokens) < REPEAT_SHINGLE:
        return {" ".join(tokens)} if tokens else set()
    return {" ".join(tokens[i:i + REPEAT_SHINGLE]) for i in range(len(tokens) - REPEAT_SHINGLE + 1)}


def similarity(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def repeats(submission: Submission) -> Hold | None:
    """Near-duplicates of the same person's recent texts (RAYZAN_REPEAT_HOURS, RAYZAN_REPEAT_SIMILARITY),
    anywhere on the site: one person pasting the same text everywhere is a campaign, not a
    conversation. Short texts ("I agree") are left alone."""
    mine = shingles(submission.text)
    if len(mine) < 3:
        return None
    since = timezone.now() - datetime.timedelta(hours=settings.RAYZAN_REPEAT_HOURS)
    comments, statements = _authored(submission.author)
    recent = ([body for body in comments.filter(created_at__gte=since).exclude(pk=submission.item_id or 0)
               .order_by("-created_at").values_list("body", flat=True)[:20]]
              + list(statements.filter(created_at__gte=since).order_by("-created_at")
                     .values_list("text", flat=True)[:20]))
    for text in recent:
        if similarity(mine, shingles(text)) >= settings.RAYZAN_REPEAT_SIMILARITY:
            return Hold("repeat")
    return None
