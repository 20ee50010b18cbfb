"""Helpers for consult's HTML views (and other apps' form views): the no-JavaScript path.

Forms post, the service decides, and the view redirects (post/redirect/get) or re-renders
with the GOV.UK error summary. Service refusals become the page a person can act on.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme

from consult.ratelimit import RateLimited


def safe_next(request, fallback: str) -> str:
    """Where to go after a POST: the form's `next` if it is on this site, else `fallback`."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return fallback


def rate_limited(request, exc: RateLimited, back_url: str = ""):
    response = render(request, "429.html", {"retry_after": exc.retry_after, "back_url": back_url,
                                             "has_errors": True}, status=429)
    response["Retry-After"] = str(exc.retry_after)
    return response


def add_service_errors(form, exc: ValidationError) -> None:
    """Put a service's ValidationError onto the form's fields (unknown fields: form-wide)."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


__all__ = ["PermissionDenied", "add_service_errors", "rate_limited", "safe_next"]
