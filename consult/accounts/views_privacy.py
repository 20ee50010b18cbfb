"""Privacy pages: the privacy notice, one's data as a JSON download, and deleting one's account
(a password-confirmed form; no JavaScript needed). The API does the same through
consult.accounts.api_privacy; both call consult.accounts.privacy."""

import json

from django import forms
from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from consult.accounts.privacy import account_data, account_erase, erasure_refusal
from consult.ratelimit import RateLimited
from consult.web import add_service_errors, rate_limited

DOWNLOAD_NAME = "rayzan-my-data.json"


class EraseForm(forms.Form):
    password = forms.CharField(label=_("Your password"), strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
                               error_messages={"required": _("Enter your password to delete your account.")})


@require_GET
def privacy_notice(request):
    return render(request, "consult/accounts/privacy_notice.html", {
        "consent_version": settings.RAYZAN_CONSENT_VERSION,
        "retention_days": settings.RAYZAN_RETENTION_DAYS,
        "session_days": settings.SESSION_COOKIE_AGE // 86400,
    })


@never_cache
@login_required
@require_GET
def data_download(request):
    """All of one's data, as the file `rayzan-my-data.json` (the same JSON as GET /api/v1/me/data/)."""
    body = json.dumps(account_data(request.user), cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{DOWNLOAD_NAME}"'
    return response


@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def erase(request):
    """Explain what deleting the account does, then do it once the password matches."""
    refusal = erasure_refusal(request.user)
    form = EraseForm(request.POST or None)
    if request.method == "POST" and refusal is None and form.is_valid():
        try:
            account_erase(actor=request.user, password=form.cleaned_data["password"])
        except RateLimited as exc:
            return rate_limited(request, exc, back_url=request.path)
        except PermissionDenied as exc:
            refusal = str(exc)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            logout(request)
            return redirect("accounts:erased")
    status = 403 if refusal else 400 if form.errors else 200
    return render(request, "consult/accounts/erase.html",
                  {"form": form, "refusal": refusal, "has_errors": bool(form.errors)}, status=status)


@require_GET
def erased(request):
    """Where a deleted account lands (signed out by then)."""
    return render(request, "consult/accounts/erased.html")
