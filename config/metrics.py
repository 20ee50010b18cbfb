"""Prometheus metrics at /metrics: HTTP requests, the live sockets and events (counted in
consult.hub and consult.events, which cannot import config), and two figures read from the
database at scrape time (config.metrics_state).

Several uvicorn workers each count in their own process. With PROMETHEUS_MULTIPROC_DIR set (it
must be set in the environment before the process starts, see deploy/README.md), every process
writes its counters to files in that directory and whichever worker answers the scrape adds them
up; without it (one process, the embedded default) the process's own registry is served.

/metrics is not public: it answers a request carrying `Authorization: Bearer <RAYZAN_METRICS_TOKEN>`,
or one made straight from the machine itself (a loopback address and no proxy header: nginx
adds X-Forwarded-For, so requests through the proxy never count as local). Anything else gets 404.
"""

import atexit
import glob
import hmac
import ipaddress
import os
import re

from django.conf import settings
from django.http import HttpResponse, HttpResponseNotAllowed, HttpResponseNotFound
from django.utils.cache import add_never_cache_headers
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)

from config import metrics_state

MULTIPROCESS_DIR = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

HTTP_REQUESTS = Counter("rayzan_http_requests", "HTTP requests answered, by method, route name and status.",
                        ["method", "route", "status"])
HTTP_DURATION = Histogram("rayzan_http_request_duration_seconds",
                          "Time to answer an HTTP request (a streamed export: to its first byte), by method and route.",
                          ["method", "route"],
                          buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0))


def observe_request(method: str, route: str, status: int, seconds: float) -> None:
    method = method if method in KNOWN_METHODS else "other"  # a label's values must stay few
    HTTP_REQUESTS.labels(method, route, str(status)).inc()
    HTTP_DURATION.labels(method, route).observe(seconds)


# --- the scrape -------------------------------------------------------------------------------

class _ThisProcess:
    """The default registry (this process's metrics, plus Python's and the process's own)."""

    def collect(self):
        return REGISTRY.collect()


def scrape_registry() -> CollectorRegistry:
    registry = CollectorRegistry()
    if MULTIPROCESS_DIR:
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_ThisProcess())
    registry.register(metrics_state.DatabaseFigures())
    return registry


def _bearer_token_matches(request) -> bool:
    expected = settings.RAYZAN_METRICS_TOKEN
    scheme, _space, offered = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    return bool(expected) and scheme.lower() == "bearer" and hmac.compare_digest(offered.strip().encode(),
                                                                                 expected.encode())


def _straight_from_loopback(request) -> bool:
    if any(header in request.META for header in ("HTTP_X_FORWARDED_FOR", "HTTP_FORWARDED", "HTTP_X_REAL_IP")):
        return False
    try:
        return ipaddress.ip_address(request.META.get("REMOTE_ADDR", "")).is_loopback
    except ValueError:
        return False


def may_scrape(request) -> bool:
    """A request that carries credentials is judged by them alone; otherwise only loopback."""
    if "HTTP_AUTHORIZATION" in request.META:
        return _bearer_token_matches(request)
    return _straight_from_loopback(request)


def metrics_view(request) -> HttpResponse:
    if not may_scrape(request):
        return HttpResponseNotFound("Not Found", content_type="text/plain")
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    response = HttpResponse(generate_latest(scrape_registry()), content_type=CONTENT_TYPE_LATEST)
    add_never_cache_headers(response)
    return response


# --- multiprocess bookkeeping -----------------------------------------------------------------

_LIVE_GAUGE_FILE = re.compile(r"gauge_live\w*?_(\d+)\.db$")


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def forget_dead_processes(directory: str) -> None:
    """Drop the live gauges (open sockets) of workers that died without cleaning up (killed, or
    crashed), so the sum counts only running workers. Counters of dead workers stay: a counter
    must never go down."""
    for path in glob.glob(os.path.join(directory, "gauge_live*_*.db")):
        found = _LIVE_GAUGE_FILE.search(os.path.basename(path))
        if found and not _pid_alive(int(found.group(1))):
            multiprocess.mark_process_dead(int(found.group(1)), directory)


if MULTIPROCESS_DIR:
    forget_dead_processes(MULTIPROCESS_DIR)
    atexit.register(multiprocess.mark_process_dead, os.getpid(), MULTIPROCESS_DIR)
