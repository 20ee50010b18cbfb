"""The first middleware: a request id, one access line and the HTTP metrics for every request,
and the operations endpoints (/healthz, /readyz, /metrics) answered before everything else.

The operations endpoints are answered here, not through the URLconf, so that a probe or a scrape
sent to 127.0.0.1:800N works whatever ALLOWED_HOSTS says, over plain HTTP under
SECURE_SSL_REDIRECT, and without a session, a language or a database query (for /healthz).

The access line carries the method, the path, the route's name, the status, the duration, the
request id and the user's id when the request had already looked the user up. It never carries
the IP address (personal data: nginx's own log has it, for as long as the operator keeps it),
the e-mail address, or the query string (search terms); secret keys in a path (password-reset
and e-mail-confirmation links) are replaced with "[redacted]".
"""

import logging
import re
import time

from django.utils.functional import SimpleLazyObject, empty

from config import health, logs, metrics

access_log = logging.getLogger("rayzan.access")

OPERATIONS = {"/healthz": ("healthz", health.healthz), "/readyz": ("readyz", health.readyz),
              "/metrics": ("metrics", metrics.metrics_view)}
_SECRET_URL_PART = re.compile(r"key|token|uid", re.IGNORECASE)


def _route(request) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "none"  # answered before URL resolution (a redirect) or not found by the resolver
    return match.view_name or match.route or "none"


def _loggable_path(request) -> str:
    """The path, with the segment that holds a secret URL argument (`key`, `token`, `uidb36`, …)
    replaced; secrets sit at the end of such paths, so the last segment holding one is taken."""
    match = getattr(request, "resolver_match", None)
    secrets = [value for name, value in (match.kwargs.items() if match else ())
               if _SECRET_URL_PART.search(name) and isinstance(value, str) and value]
    if not secrets:
        return request.path
    segments = request.path.split("/")
    for secret in secrets:
        holding = [index for index, segment in enumerate(segments) if secret in segment]
        if holding:
            segments[holding[-1]] = "[redacted]"
    return "/".join(segments)


def _user_id(request) -> int | None:
    """The signed-in user's id, only if something already loaded the user (never a query here)."""
    user = getattr(request, "_cached_user", None)
    if user is None:
        candidate = request.__dict__.get("user")
        if isinstance(candidate, SimpleLazyObject):
            user = None if candidate._wrapped is empty else candidate._wrapped
        else:
            user = candidate  # set by DRF's token authentication
    return user.pk if user is not None and getattr(user, "is_authenticated", False) else None


class RequestObservabilityMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = logs.request_id_from(request.META.get("HTTP_X_REQUEST_ID"))
        binding = logs.bind_request_id(request.request_id)
        started = time.perf_counter()
        try:
            operation, view = OPERATIONS.get(request.path_info, (None, None))
            response = view(request) if view else self.get_response(request)
            seconds = time.perf_counter() - started
            route = operation or _route(request)
            metrics.observe_request(request.method, route, response.status_code, seconds)
            if operation is None:  # probes and scrapes every few seconds would drown the log
                path = _loggable_path(request)
                access_log.info("%s %s %s %.1fms", request.method, path, response.status_code, seconds * 1000,
                                extra={"method": request.method, "path": path, "route": route,
                                       "status": response.status_code, "duration_ms": round(seconds * 1000, 1),
                                       "user_id": _user_id(request)})
            response.headers["X-Request-ID"] = request.request_id
            return response
        finally:
            logs.unbind_request_id(binding)
