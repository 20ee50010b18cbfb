"""Liveness and readiness for the proxy, systemd and monitoring.

/healthz: the process answers (no dependency is touched): restart it when this fails.
/readyz: it can serve: the database answers a query, the cache (Redis, when REDIS_URL is set)
round-trips a key, and the channel layer takes a message. 200 with the checks as JSON, 503
when one fails: take the worker out of rotation, do not restart it.

Both are answered by config.observability before the rest of the middleware (no session, no
language, no host check, no HTTPS redirect), are never cached, and are not translated: they
are for machines.
"""

import asyncio
import logging
import os
import time

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpResponseNotAllowed, JsonResponse
from django.utils.cache import add_never_cache_headers

logger = logging.getLogger(__name__)

CHECK_TIMEOUT_SECONDS = 2.0
PROBE_GROUP = "rayzan-readyz"


def _json(body: dict, status: int = 200) -> JsonResponse:
    response = JsonResponse(body, status=status)
    add_never_cache_headers(response)
    return response


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        if cursor.fetchone() != (1,):
            raise RuntimeError("unexpected answer")


def check_cache() -> None:
    key, value = f"readyz:{os.getpid()}", time.monotonic_ns()
    cache.set(key, value, timeout=10)
    if cache.get(key) != value:
        raise RuntimeError("the value written was not read back")


async def _send_probe() -> None:
    layer = get_channel_layer()
    if layer is None:
        raise RuntimeError("no channel layer is configured")
    await asyncio.wait_for(layer.group_send(PROBE_GROUP, {"type": "readyz.probe"}), CHECK_TIMEOUT_SECONDS)


def check_channel_layer() -> None:
    """A message to a group nobody is in: the layer must take it (with Redis, a PUBLISH)."""
    async_to_sync(_send_probe)()


def readiness_checks() -> dict:
    checks = {"database": check_database, "channel_layer": check_channel_layer}
    if settings.REDIS_URL:
        checks["cache"] = check_cache
    return checks


def healthz(request):
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    return _json({"status": "ok"})


def readyz(request):
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    results, ready = {}, True
    for name, check in readiness_checks().items():
        started = time.perf_counter()
        try:
            check()
        except Exception as exc:  # any failure means "not ready"; the reason goes to the log
            ready = False
            logger.warning("readyz: %s failed", name, exc_info=True)
            results[name] = {"ok": False, "error": type(exc).__name__}
            continue
        results[name] = {"ok": True, "ms": round((time.perf_counter() - started) * 1000, 1)}
    return _json({"status": "ok" if ready else "unavailable", "checks": results}, status=200 if ready else 503)
