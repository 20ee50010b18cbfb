"""Screening on submission: each screener with Persian and English cases, the evasions people
use, the texts that must pass, and the whole path through the API and the page."""

import json
from types import SimpleNamespace

import pytest
from django.test import Client

from consult.models import Comment, CommentStatus, ModerationMode, Statement, StatementStatus
from consult.screening import HOLD_REASONS, Hold, Submission
from moderation import personal_data, screeners
from moderation.models import AuditEntry, BlockedTerm
from tests import factories

pytestmark = pytest.mark.django_db


def submission(text, *, page=None, author=None, language="fa", kind="comment"):
    page = page or SimpleNamespace(moderation_mode="post", locale=SimpleNamespace(language_code=language))
    return Submission(kind=kind, text=text, author=author, page=page)


# --- personal data ------------------------------------------------------------------------------

@pytest.mark.parametrize("text, kind", [
    ("write to me: ali.rezaei@example.org", "email"),
    ("شماره‌ام ۰۹۱۲۳۴۵۶۷۸۹ است", "phone"),
    ("call 0912 345 6789 after six", "phone"),
    ("تلفن: ۰۲۱-۸۸۷۷۶۶۵۵", "phone"),
    ("+98 912 345 6789", "phone"),
    ("٠٠٩٨٩١٢٣٤٥٦٧٨٩", "phone"),  # Arabic digits, 0098 prefix
    ("ring +44 20 7946 0958", "phone"),
    ("کد ملی من ۰۰۱۲۳۴۵۶۷۹ است", "national_id"),
    ("ID 448-015923-1", "national_id"),
    ("card 6037 9912 3456 7893 please refund", "card"),
    ("۶۰۳۷-۹۹۱۲-۳۴۵۶-۷۸۹۳", "card"),
])
def test_personal_data_is_found_in_any_digits_and_spacing(text, kind):
    assert kind in personal_data.find(text)
    hold = screeners.personal(submission(text))
    assert hold is not None and hold.code == "personal_data" and kind in hold.detail


@pytest.mark.parametrize("text", [
    "در سال ۱۴۰۲ بودجه کم شد",            # a year
    "from 1399/12/29 to 1402/01/01",        # dates
    "the meeting is at 09:30",              # a time
    "۱۲۰۰۰۰۰۰۰ ریال هزینه شد",               # an amount
    "کد ۰۰۱۲۳۴۵۶۷۸ اشتباه است",              # ten digits with a wrong check digit
    "1111111111 and 1234567890",            # not national IDs
    "6037 9912 3456 7894",                  # fails Luhn
    "population 12,345,678 in 2023",        # counts
    "می‌خواهم نظرم را درباره‌ی بند ۳ بگویم",   # ordinary Persian with ZWNJ
])
def test_ordinary_numbers_and_text_are_not_held(text):
    assert personal_data.find(text) == []
    assert screeners.personal(submission(text)) is None


def test_national_id_check_digit():
    assert personal_data.national_id_is_valid("0012345679")
    assert personal_data.national_id_is_valid("4480159231")
    assert not personal_data.national_id_is_valid("0012345678")
    assert not personal_data.national_id_is_valid("0000000000")


# --- blocked words -----------------------------------------------------------------------------

@pytest.fixture
def blocked(db):
    BlockedTerm.objects.create(term="کلاهبردار", language="fa")
    BlockedTerm.objects.create(term="scam", language="")
    BlockedTerm.objects.create(term="idiot", language="en")


@pytest.mark.parametrize("text", [
    "او یک کلاهبردار است",
    "او یک كلاهبردار است",          # Arabic kaf
    "او یک کلاه‌بردار است",          # ZWNJ inside the word
    "او یک کلاه بردار است",          # a space inside the word
    "او یک ک.ل.ا.ه.ب.ر.د.ا.ر است",   # punctuation between letters
    "او یک کَلاهبَردار است",          # diacritics
    "this is a S C A M",
    "total s-c-a-m!",
    "a scam in Persian too: اسکم نه، scam",
])
def test_blocked_terms_match_after_normalisation(blocked, text):
    hold = screeners.blocked_words(submission(text, language="fa"))
    assert hold is not None and hold.code == "blocked_words"


@pytest.mark.parametrize("text, language", [
    ("the scampi were good", "en"),         # a longer word is not the term
    ("a scampering cat", "en"),
    ("کلاه برداشتم و رفتم", "fa"),           # words that merely start the same
    ("idiot", "fa"),                        # an English-only term on a Persian page
])
def test_blocked_terms_do_not_match_other_words(blocked, text, language):
    assert screeners.blocked_words(submission(text, language=language)) is None


# --- links, pre-moderation, first posts, repeats ----------------------------------------------

def test_links_are_held_only_when_the_site_asks_and_allowed_domains_pass(settings):
    text = "see https://spam.example.com/offer and www.iran.gov.ir/law"
    assert screeners.links(submission(text)) is None  # off by default: citizens cite sources
    settings.RAYZAN_SCREEN_LINKS = True
    assert screeners.links(submission(text)).detail == "spam.example.com"
    settings.RAYZAN_LINK_ALLOWED_DOMAINS = ["example.com", "gov.ir"]
    assert screeners.links(submission(text)) is None
    assert screeners.links(submission("no link here, just a sentence. And another.")) is None


def test_premoderation_holds_everything_on_a_premoderated_page():
    page = SimpleNamespace(moderation_mode=ModerationMode.PRE, locale=None)
    assert screeners.premoderation(submission("fine", page=page)).code == "premoderation"
    assert screeners.premoderation(submission("fine")) is None


def test_first_posts_are_held_only_when_configured(settings, en):
    author = factories.participant("Newcomer")
    page = factories.consultation(en)
    assert screeners.first_posts(submission("hello", author=author, page=page)) is None
    settings.RAYZAN_HOLD_FIRST_POSTS = 1
    assert screeners.first_posts(submission("hello", author=author, page=page)).code == "new_account"
    Comment.objects.create(page=page, author=author, body="x", body_html="<p>x</p>")
    assert screeners.first_posts(submission("hello", author=author, page=page)) is None


def test_repeats_of_ones_own_recent_text_are_held_short_agreement_is_not(en):
    author = factories.participant("Repeater")
    page = factories.consultation(en)
    original = "The bus lanes on Valiasr street must be finished before the new fares apply to anyone."
    Comment.objects.create(page=page, author=author, body=original, body_html="<p>x</p>")
    again = original.replace("anyone", "anyone at all") + "!!"
    assert screeners.repeats(submission(again, author=author, page=page)).code == "repeat"
    other = factories.participant("Someone else")
    assert screeners.repeats(submission(again, author=other, page=page)) is None
    Comment.objects.create(page=page, author=author, body="I agree", body_html="<p>x</p>")
    assert screeners.repeats(submission("I agree", author=author, page=page)) is None


def test_a_hold_must_use_a_known_reason():
    with pytest.raises(ValueError):
        Hold("because")
    assert set(HOLD_REASONS) >= {"premoderation", "links", "blocked_words", "personal_data", "new_account",
                                 "repeat"}


# --- the whole path ----------------------------------------------------------------------------

def api_client(user, language="en"):
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def test_a_comment_with_a_phone_number_is_held_explained_and_logged(en):
    author = factories.participant("Careless")
    page = factories.consultation(en)
    client = api_client(author)
    response = client.post(f"/api/v1/consultations/{page.pk}/comments/",
                           {"text": "Call me on 0912 345 6789 about this", "stance": "support"},
                           content_type="application/json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "pending" and "personal details" in body["held_because"][0]
    comment = Comment.objects.get(pk=body["id"])
    assert comment.screening == [{"code": "personal_data", "detail": "phone"}]
    entry = AuditEntry.objects.get(item_type="comment", item_id=comment.pk)
    assert entry.action == "screener.hold" and entry.reason == "personal_data" and entry.actor is None

    public = Client(HTTP_ACCEPT_LANGUAGE="en").get(f"/api/v1/consultations/{page.pk}/comments/").json()
    assert public["count"] == 0
    own_page = client.get(body["url"]).content.decode()
    assert "Awaiting moderation" in own_page and "personal details" in own_page

    clean = client.post(f"/api/v1/consultations/{page.pk}/comments/",
                        {"text": "The 1402 budget was too small", "stance": "oppose"},
                        content_type="application/json").json()
    assert clean["status"] == "published" and clean["held_because"] == []


def test_the_reason_is_told_in_persian_on_a_persian_request(fa):
    author = factories.participant("نویسنده")
    page = factories.consultation(fa)
    body = api_client(author, "fa").post(f"/api/v1/consultations/{page.pk}/comments/",
                                         {"text": "ایمیل من ali@example.org است", "stance": "support"},
                                         content_type="application/json").json()
    assert body["status"] == "pending" and "شخصی" in body["held_because"][0]


def test_an_edit_that_adds_personal_data_takes_the_comment_off_the_page(en):
    author = factories.participant("Editor of own words")
    page = factories.consultation(en)
    client = api_client(author)
    created = client.post(f"/api/v1/consultations/{page.pk}/comments/", {"text": "Fine text", "stance": "support"},
                          content_type="application/json").json()
    assert created["status"] == "published"
    edited = client.patch(f"/api/v1/comments/{created['id']}/",
                          json.dumps({"text": "Fine text, card 6037 9912 3456 7893"}), content_type="application/json")
    assert edited.status_code == 200, edited.content
    assert edited.json()["status"] == "pending"
    assert Comment.objects.get(pk=created["id"]).status == CommentStatus.PENDING
    assert Client().get(f"/api/v1/consultations/{page.pk}/comments/").json()["count"] == 0


def test_a_statement_with_a_blocked_term_is_held(en, blocked):
    author = factories.participant("Statement writer")
    page = factories.consultation(en)
    response = api_client(author).post(f"/api/v1/pages/{page.pk}/statements/", {"text": "This plan is a scam"},
                                       content_type="application/json")
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "pending" and response.json()["held_because"]
    statement = Statement.objects.get(pk=response.json()["id"])
    assert statement.status == StatementStatus.PENDING and statement.screening[0]["code"] == "blocked_words"
