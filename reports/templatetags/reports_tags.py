from django import template
from django.utils import timezone

register = template.Library()


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None


@register.simple_tag
def now_local():
    return timezone.localtime()
