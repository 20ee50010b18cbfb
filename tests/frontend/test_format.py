import datetime
import zoneinfo

from django.utils import translation

from frontend.templatetags.rayzan_format import localdate, localdigits

TEHRAN = zoneinfo.ZoneInfo("Asia/Tehran")


def test_persian_dates_are_jalali_with_persian_digits():
    with translation.override("fa"):
        # 12 February 2024 is 23 Bahman 1402.
        assert localdate(datetime.date(2024, 2, 12)) == "۲۳ بهمن ۱۴۰۲"
        # Nowruz: 20 March 2024 is 1 Farvardin 1403.
        assert localdate(datetime.date(2024, 3, 20)) == "۱ فروردین ۱۴۰۳"


def test_persian_datetime_uses_local_time():
    moment = datetime.datetime(2024, 3, 20, 10, 30, tzinfo=datetime.UTC)  # 14:00 in Tehran
    with translation.override("fa"), timezone_override("Asia/Tehran"):
        assert localdate(moment, "datetime") == "۱ فروردین ۱۴۰۳، ساعت ۱۴:۰۰"


def test_english_dates_are_gregorian_with_latin_digits():
    with translation.override("en"):
        assert localdate(datetime.date(2024, 2, 12)) == "12 February 2024"
        assert localdigits(2024) == 2024


def test_persian_digits():
    with translation.override("fa"):
        assert localdigits(1403) == "۱۴۰۳"
        assert localdigits("Page 3 of 12") == "Page ۳ of ۱۲"


def timezone_override(name):
    from django.utils import timezone

    return timezone.override(zoneinfo.ZoneInfo(name))
