"""Display-name rules, shared by the sign-up form, the profile form and the API (through
consult.services.profiles, which calls `clean_display_name`).

A display name is a pseudonym shown beside a person's comments, so it must be readable and
must not mislead: no hidden direction controls or invisible characters (they can disguise a
name or make two names look alike), at least one letter, unique in every spelling that looks
the same to a reader (case, Arabic/Persian letter forms, diacritics, ZWNJ), and nothing that
claims a role or speaks for the platform.
"""

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from consult.models import Profile
from consult.models.contributions import DISPLAY_NAME_MAX
from consult.sanitize import clean_line, has_bidi_controls
from consult.textnorm import ZWNJ, compact, localised_number, normalise

DISPLAY_NAME_MIN = 2

# Words a display name may not contain: roles and the platform's own name, in English and
# Persian, with common spellings. Compared in `normalise` form, so Arabic letter forms (مدير),
# case, ZWNJ and punctuation do not get round it.
RESERVED_NAME_WORDS = (
    "moderator", "moderation", "mod team", "admin", "administrator", "sysadmin", "official", "officer",
    "editor", "staff", "rayzan", "raizan",
    "مدیر", "ناظر", "ادمین", "ادمن", "مسئول", "مسوول", "مسؤول", "ویراستار", "رایزن", "مقام رسمی",
)
# Ordinary words that happen to contain a reserved one ("badminton" holds "admin", "مدیریت"
# (management) holds "مدیر", "مناظره" (debate) holds "ناظر"). Only a whole word is excused: the
# rest of the name is still checked.
INNOCENT_WORDS = ("badminton", "creditor", "creditors", "flagstaff", "مدیریت", "مناظره", "مسئولیت", "مسوولیت")
# Latin look-alikes (digits and Cyrillic/Greek letters) folded before the reserved-word check.
_LOOKALIKES = str.maketrans({
    "0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "|": "l",
    "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "х": "x", "і": "i", "ѕ": "s", "ԁ": "d", "м": "m",
    "т": "t", "к": "k", "α": "a", "ε": "e", "ο": "o", "ι": "i", "ν": "v", "τ": "t", "κ": "k", "ρ": "p",
})
# Characters that draw nothing yet are letters or spaces to Unicode: fillers and odd spaces.
_BLANK_LOOKING = frozenset("\u115f\u1160\u3164\uffa0\u2800\u180e\u2028\u2029")
_ALLOWED_SPACES = frozenset(" \u00a0\t")  # clean_line turns these into one ordinary space

_RESERVED = tuple({normalise(word) for word in RESERVED_NAME_WORDS})
_INNOCENT = frozenset(normalise(word) for word in INNOCENT_WORDS)


def _invisible(ch: str) -> bool:
    """Format, private-use, unassigned or surrogate characters (ZWNJ excepted), fillers that
    draw nothing, and spaces other than the ordinary one."""
    if ch == ZWNJ:
        return False
    category = unicodedata.category(ch)
    if category in {"Cf", "Co", "Cn", "Cs", "Zl", "Zp"} or ch in _BLANK_LOOKING:
        return True
    return category == "Zs" and ch not in _ALLOWED_SPACES


def _fold(text: str) -> str:
    """`normalise`, with look-alikes folded both before it (for "@", "$") and after it (for
    digits it has turned Latin)."""
    text = unicodedata.normalize("NFKC", text).casefold().translate(_LOOKALIKES)
    return normalise(normalise(text).translate(_LOOKALIKES))


def is_reserved(name: str) -> bool:
    """True when the name, as a reader would see it, claims a role or the platform's name:
    a reserved word appears as a word, or inside the name once spaces, punctuation and ZWNJ
    are removed ("Site_Admin", "مدیر‌سایت", "m.o.d.e.r.a.t.o.r", "Adm1n")."""
    for folded in {normalise(name), _fold(name)}:
        words = [word for word in folded.split() if word not in _INNOCENT]
        spaced = f" {' '.join(words)} "
        squeezed = "".join(words)
        for reserved in _RESERVED:
            if f" {reserved} " in spaced or reserved.replace(" ", "") in squeezed:
                return True
    return False


def display_name_taken(name: str, *, exclude_user_id: int | None = None) -> bool:
    """Case-insensitively, and in every spelling `normalise` treats as the same: both are
    indexed lookups (Profile.display_name_key holds the compact normalised form and is unique,
    so two people racing with spelling variants cannot both get the name)."""
    others = Profile.objects.exclude(user_id=exclude_user_id) if exclude_user_id else Profile.objects.all()
    return others.filter(Q(display_name__iexact=name) | Q(display_name_key=compact(name))).exists()


_ZWNJ_RUNS = re.compile(ZWNJ + "{2,}")
TAKEN_MESSAGE = _("Someone else already uses this display name or one that looks the same. Choose a different "
                  "name, for example by adding a word or a number.")


def clean_display_name(raw: str, *, exclude_user_id: int | None = None) -> str:
    """The display name to store, or ValidationError (code says which rule) with a message
    that tells the person what to do instead."""
    raw = raw or ""
    if has_bidi_controls(raw):
        raise ValidationError(
            _("Your display name contains hidden characters that change the direction of text. "
              "Type the name again yourself instead of pasting it."), code="bidi")
    if any(_invisible(ch) for ch in raw):
        raise ValidationError(
            _("Your display name contains invisible characters. Type it again using only letters, "
              "numbers, ordinary spaces and, in Persian, the zero-width non-joiner."), code="invisible")
    name = _ZWNJ_RUNS.sub(ZWNJ, clean_line(raw)).strip(" " + ZWNJ)
    if not name:
        raise ValidationError(
            _("Enter a display name. It is shown beside what you write; it does not need to be your real name."),
            code="required")
    if len(name) < DISPLAY_NAME_MIN:
        raise ValidationError(_("Enter a display name of at least %(min)s characters."), code="too_short",
                              params={"min": localised_number(DISPLAY_NAME_MIN)})
    if len(name) > DISPLAY_NAME_MAX:
        raise ValidationError(_("Enter a display name of %(max)s characters or fewer."), code="too_long",
                              params={"max": localised_number(DISPLAY_NAME_MAX)})
    if not any(ch.isalpha() for ch in name):
        raise ValidationError(_("Your display name must contain at least one letter."), code="no_letter")
    if is_reserved(name):
        raise ValidationError(
            _("Display names cannot suggest that you are a moderator, an official, an editor or part of Rayzan. "
              "Choose a different name."), code="reserved")
    if display_name_taken(name, exclude_user_id=exclude_user_id):
        raise ValidationError(TAKEN_MESSAGE, code="taken")
    return name
