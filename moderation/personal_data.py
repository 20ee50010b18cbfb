"""Finding personal data in citizens' text: e-mail addresses, phone numbers (Iranian and
international), Iranian national ID numbers (by their check digit) and card numbers (Luhn).

Digits are read in any script (Persian ۰–۹, Arabic ٠–٩, full-width), and a number may be
broken up by single spaces, dashes, dots or brackets, as people write them. What must *not*
match matters as much: years (۱۴۰۲, 1399/12/29), times (09:30), counts and prices are not
phone numbers; ten digits are an ID only when the check digit agrees.
"""

import re
import unicodedata

_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")
_SEP = r"[ \-.()\u200c]?"

EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")
# Iranian numbers: 0 + area code or mobile prefix + subscriber, 11 digits in all (021 1234 5678,
# 0912 345 6789), or the same after +98 / 0098 without the 0.
IRANIAN_PHONE = re.compile(
    rf"(?<![\d+])(?:0{_SEP}[1-9](?:{_SEP}\d){{9}}|(?:\+{_SEP}?|00)98{_SEP}?[1-9](?:{_SEP}\d){{9}})(?!\d)")
# Any other international number (E.164): + and 8 to 14 digits, or 00 and 9 to 14 (a shorter
# run after 00 is more often an ID or a code than a phone number).
INTERNATIONAL_PHONE = re.compile(
    rf"(?<![\d+])(?:\+{_SEP}?[1-9](?:{_SEP}\d){{7,13}}|00[1-9](?:{_SEP}\d){{8,13}})(?!\d)")
NATIONAL_ID = re.compile(r"(?<![\d+])\d{3}[ \-]?\d{6}[ \-]?\d(?![\d])")
CARD = re.compile(r"(?<![\d+])\d{4}(?:[ \-]?\d{4}){3}(?!\d)")


def _digits_only(text: str) -> str:
    return re.sub(r"\D", "", text)


def national_id_is_valid(number: str) -> bool:
    """The Iranian national ID (کد ملی) check: ten digits, not all the same; the weighted sum
    of the first nine (weights 10..2) mod 11 gives the tenth."""
    if not re.fullmatch(r"\d{10}", number) or len(set(number)) == 1:
        return False
    remainder = sum(int(number[i]) * (10 - i) for i in range(9)) % 11
    check = int(number[9])
    return check == remainder if remainder < 2 else check == 11 - remainder


def luhn_is_valid(number: str) -> bool:
    if not re.fullmatch(r"\d{12,19}", number) or len(set(number)) == 1:
        return False
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def prepared(text: str) -> str:
    """NFKC (full-width digits and the like), then Latin digits; everything else kept."""
    return unicodedata.normalize("NFKC", text or "").translate(_DIGITS)


def find(text: str) -> list[str]:
    """The kinds of personal data in `text`, in a fixed order: email, phone, national_id, card."""
    text = prepared(text)
    kinds = []
    if EMAIL.search(text):
        kinds.append("email")
    if IRANIAN_PHONE.search(text) or INTERNATIONAL_PHONE.search(text):
        kinds.append("phone")
    if any(national_id_is_valid(_digits_only(m.group(0))) for m in NATIONAL_ID.finditer(text)):
        kinds.append("national_id")
    if any(luhn_is_valid(_digits_only(m.group(0))) for m in CARD.finditer(text)):
        kinds.append("card")
    return kinds
