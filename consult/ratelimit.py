"""Per-user write limits, shared by the form, API and socket paths (they call the same
services, which call `check`). Fixed windows in the cache: Redis in production, so every
worker counts together; an atomic add-then-incr (one round trip on Redis, consult.cacheops), so
concurrent requests cannot both slip in.

Limits are "count/period" in settings.RAYZAN_RATE_LIMITS, period one of s, m, h (or "10/30s").
"""

import re
import time
from dataclasses import dataclass

from django.conf import settings

from consult.cacheops import incr_with_floor

_SPEC = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([smh])\s*$")
_UNIT = {"s": 1, "m": 60, "h": 3600}


class RateLimited(Exception):
    def __init__(self, retry_after: int):
        super().__init__(f"rate limited, retry after {retry_after}s")
        self.retry_after = retry_after


@dataclass(frozen=True)
class Limit:
    count: int
    period: int


def parse(spec: str) -> Limit:
    match = _SPEC.match(spec or "")
    if not match:
        raise ValueError(f"bad rate limit {spec!r}; use e.g. '10/m'")
    count, multiple, unit = match.groups()
    return Limit(int(count), int(multiple or 1) * _UNIT[unit])


def check(*, user_id: int, action: str) -> None:
    """Count one write by this user; raise RateLimited when the window's allowance is spent."""
    limit = parse(settings.RAYZAN_RATE_LIMITS[action])
    now = time.time()
    window = int(now // limit.period)
    key = f"rl:{action}:{user_id}:{window}"
    used = incr_with_floor(key, initial=0, timeout=limit.period + 1)
    if used > limit.count:
        raise RateLimited(retry_after=max(1, int(limit.period - (now % limit.period)) + 1))
