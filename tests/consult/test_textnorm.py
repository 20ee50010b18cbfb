"""Persian normalisation: spelling variants meet, ordinary words are left whole."""

import pytest

from consult.textnorm import compact, normalise


@pytest.mark.parametrize("variant,canonical", [
    ("كلية", "کلیه"),                 # Arabic kaf, yeh and teh marbuta
    ("يكسان", "یکسان"),               # Arabic yeh and kaf (UDHR, preamble)
    ("شناسائی", "شناسایی"),           # hamza seat vs yeh (UDHR, preamble)
    ("کلیهٔ", "کلیه"),                 # hamza above (ezafe) as written in the UDHR
    ("واقعاً", "واقعا"),               # tanwin
    ("حقوقِ", "حقوق"),                 # kasra
    ("بیـــن", "بین"),                 # tatweel
    ("ماده ۱۲", "ماده 12"),            # Persian digits
    ("ماده ١٢", "ماده 12"),            # Arabic-Indic digits
    ("بین‌المللی", "بین المللی"),      # ZWNJ counts as a space
    ("Human RIGHTS", "human rights"),
])
def test_variants_normalise_alike(variant, canonical):
    assert normalise(variant) == normalise(canonical)


@pytest.mark.parametrize("a,b", [("می‌تواند", "میتواند"), ("می تواند", "میتواند"), ("بین‌المللی", "بینالمللی")])
def test_compact_joins_zwnj_space_and_nothing(a, b):
    assert compact(a) == compact(b)


def test_ordinary_words_are_not_merged():
    assert normalise("خانه و مدرسه") == "خانه و مدرسه"
    assert normalise("") == ""
