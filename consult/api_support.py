"""Shared API plumbing: the error contract and pagination (see ARCHITECTURE.md).

Errors are JSON {"code", "message", "fields"} with the right 4xx status; the message is in
the request's language (Accept-Language, activated by LocaleMiddleware).
"""

from django.core.exceptions import BadRequest, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from consult.ratelimit import RateLimited


class ErrorSerializer(serializers.Serializer):
    """The error contract, for the OpenAPI schema: every 4xx answer has this body."""

    code = serializers.CharField(help_text="Machine-readable, e.g. invalid, not_found, method_not_allowed.")
    message = serializers.CharField(help_text="For people, in the request's language.")
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Per-parameter or per-field messages; empty when the error is not about one. Messages about "
                  "an item of a list or a part of an object are listed under the field itself.")


def only_public_api(endpoints, **kwargs):
    """drf-spectacular preprocessing hook: document /api/v1/ only.

    Wagtail's admin API is built on DRF too; without this its private endpoints would leak
    into the public schema."""
    return [endpoint for endpoint in endpoints if endpoint[0].startswith("/api/v1/")]


RETRY_AFTER_HEADER = {
    "Retry-After": {
        "description": "Seconds to wait before trying again.",
        "schema": {"type": "integer", "minimum": 1},
        "required": True,
    },
}


def document_retry_after(result, generator, request, public):
    """drf-spectacular postprocessing hook: every documented 429 carries Retry-After (the rate
    limits always send it), written once here rather than on each view."""
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            too_many = operation.get("responses", {}).get("429") if isinstance(operation, dict) else None
            if too_many is not None:
                too_many.setdefault("headers", {}).update(RETRY_AFTER_HEADER)
    return result


class Pagination(PageNumberPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100


def _messages(detail) -> list[str]:
    if isinstance(detail, dict):
        return [message for value in detail.values() for message in _messages(value)]
    if isinstance(detail, list):
        return [message for item in detail for message in _messages(item)]
    return [str(detail)]


def _flatten(fields: dict) -> dict[str, list[str]]:
    """Per-field messages as the contract (and the schema) has them: {"field": ["message", ...]}.
    Errors inside a list item or a nested object are listed under their top-level field, once."""
    return {str(key): list(dict.fromkeys(_messages(value))) for key, value in fields.items()}


class TooManyRequests(exceptions.Throttled):
    default_code = "rate_limited"


def exception_handler(exc, context):
    """Map service and Django exceptions onto the contract; DRF renders the rest."""
    if isinstance(exc, RateLimited):
        exc = TooManyRequests(wait=exc.retry_after, detail=_(
            "You have sent a lot in a short time. Wait %(seconds)s seconds, then try again.")
            % {"seconds": exc.retry_after})
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages})
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, BadRequest):
        exc = exceptions.ParseError(str(exc) or None)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    fields = {}
    code = getattr(exc, "default_code", "error")
    if isinstance(exc, exceptions.ValidationError):
        code = "invalid"
        message = _("Some of the values you sent are not valid. Correct them and try again.")
        fields = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        fields = _flatten(fields)
    elif isinstance(exc, exceptions.APIException):
        codes = exc.get_codes()
        code = codes if isinstance(codes, str) else code
        message = str(exc.detail) if not isinstance(exc.detail, (list, dict)) else str(exc.default_detail)
    else:  # pragma: no cover - DRF only hands APIExceptions here
        message = _("The request could not be processed.")
    body = {"code": code, "message": message, "fields": fields}
    return Response(body, status=response.status_code, headers=_retry_after(response))


def _retry_after(response):
    value = response.headers.get("Retry-After") if hasattr(response, "headers") else None
    return {"Retry-After": value} if value else None


def bad_request(message: str, **fields) -> Response:
    return Response({"code": "bad_request", "message": message, "fields": fields},
                    status=status.HTTP_400_BAD_REQUEST)
