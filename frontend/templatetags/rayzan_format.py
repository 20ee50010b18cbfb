"""Locale-aware formatting: Solar Hijri (Jalali) dates and Persian digits on Persian pages,
Gregorian dates and Latin digits elsewhere."""

import datetime

import jdatetime
from django import template
from django.utils import formats, timezone
from django.utils.translation import get_language

register = template.Library()

PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
JALALI_MONTHS = ("فروردین", "اردیبهشت", "خرداد", "تیر", "مرداد", "شهریور",
                 "مهر", "آبان", "آذر", "دی", "بهمن", "اسفند")


def _is_persian() -> bool:
    return (get_language() or "").split("-")[0] == "fa"


def persian_digits(text) -> str:
    return str(text).translate(PERSIAN_DIGITS)


@register.filter
def localdigits(value):
    """Write the digits of `value` in the active language's digits."""
    if value is None:
        return ""
    if _is_persian():
        return persian_digits(formats.number_format(value, force_grouping=False)
                              if isinstance(value, (int, float)) else value)
    return value


@register.filter
def localdate(value, style="date"):
    """A date or datetime in the active language: Jalali with Persian digits in Persian.

    style: "date" (12 Esfand 1402) or "datetime" (with the local time)."""
    if not value:
        return ""
    with_time = style == "datetime" and isinstance(value, datetime.datetime)
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
    day = value.date() if isinstance(value, datetime.datetime) else value
    if _is_persian():
        jalali = jdatetime.date.fromgregorian(date=day)
        text = f"{jalali.day} {JALALI_MONTHS[jalali.month - 1]} {jalali.year}"
        if with_time:
            text += f"، ساعت {value:%H:%M}"
        return persian_digits(text)
    text = f"{day.day} {formats.date_format(day, 'F Y')}"
    if with_time:
        text += f", {value:%H:%M}"
    return text


@register.filter
def isodate(value):
    """Machine-readable date for <time datetime="…">."""
    if not value:
        return ""
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).isoformat() if timezone.is_aware(value) else value.isoformat()
    return value.isoformat()
