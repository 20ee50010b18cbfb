"""Error responses in the visitor's language: HTML pages for people, the API's JSON contract
({"code", "message", "fields"}) for anything under /api/. The language is already active
(LocaleMiddleware: URL prefix, cookie or Accept-Language)."""

from django.core.exceptions import BadRequest
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import requires_csrf_token


def _wants_json(request) -> bool:
    return request.path_info.startswith("/api/")


def _json(code: str, message: str, status: int) -> JsonResponse:
    return JsonResponse({"code": code, "message": message, "fields": {}}, status=status)


@requires_csrf_token
def bad_request(request, exception=None):
    message = str(exception) if isinstance(exception, BadRequest) else ""
    if _wants_json(request):
        return _json("bad_request", message or _("The request was not understood."), 400)
    return render(request, "400.html", {"message": message}, status=400)


@requires_csrf_token
def permission_denied(request, exception=None):
    if _wants_json(request):
        return _json("permission_denied", _("You do not have permission to do this."), 403)
    return render(request, "403.html", status=403)


@requires_csrf_token
def page_not_found(request, exception=None):
    if _wants_json(request):
        return _json("not_found", _("There is nothing at this address."), 404)
    return render(request, "404.html", status=404)


@requires_csrf_token
def server_error(request):
    if _wants_json(request):
        return _json("server_error", _("Something went wrong on our side. Please try again later."), 500)
    return render(request, "500.html", status=500)
