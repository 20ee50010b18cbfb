"""Text normalisation for search and matching, Persian first.

Persian text in the wild mixes Arabic and Persian letter forms (ك/ک, ي/ی/ى), hamza spellings
(ۀ, هٔ, ئ), optional diacritics, the zero-width non-joiner (ZWNJ) or a space or nothing between
word parts, and three sets of digits. `normalise` maps all of them to one form, for the index
and the query alike. Letter and digit tables come from persiantools; the rest is Unicode.
"""

import re
import unicodedata

from persiantools import characters, digits

ZWNJ = "\u200c"
# Extra letter forms persiantools leaves alone but that vary in real Persian spelling.
_LETTERS = str.maketrans({
    "ۀ": "ه", "ة": "ه", "ہ": "ه", "ە": "ه",
    "أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا",
    "ؤ": "و", "ئ": "ی", "ء": "",
    "ـ": "",  # tatweel (kashida)
})
_LATIN_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")
_SEPARATORS = re.compile(r"[\W_]+", re.UNICODE)


def normalise(text: str) -> str:
    """Lower-case, one letter form, no diacritics, Latin digits, words separated by one space."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text)
    text = characters.ar_to_fa(text)
    text = digits.ar_to_fa(text).translate(_LATIN_DIGITS)
    text = text.translate(_LETTERS)
    # ZWNJ and ZWJ join word parts: treat them as the space they stand for.
    text = text.replace(ZWNJ, " ").replace("\u200d", " ")
    text = "".join(ch for ch in unicodedata.normalize("NFD", text)
                   if unicodedata.category(ch) not in {"Mn", "Cf"})
    text = text.casefold()
    return _SEPARATORS.sub(" ", text).strip()


def compact(text: str) -> str:
    """`normalise` with every space removed: "می شود", "می‌شود" and "میشود" become one."""
    return normalise(text).replace(" ", "")


_PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


def localised_number(number) -> str:
    """A number for a message in the active language: Persian digits in Persian."""
    from django.utils.translation import get_language

    text = str(number)
    return text.translate(_PERSIAN_DIGITS) if (get_language() or "").startswith("fa") else text
