"""Garbage-collector settings for a long-running server process.

CPython's full (generation 2) collection walks every tracked object. A worker holds a couple of
million of them after start-up (Django, Wagtail, DRF, the URL conf and templates), plus its
live sockets; measured with 1,000 listeners, full collections paused the process for 200 to 650
ms, which was the whole tail of the live stream's latency and of request times. So, once the
application is loaded, everything alive is moved out of the collector's sight (`gc.freeze`,
which is what it is for: long-lived objects that never become garbage), and the youngest
generation is collected less often, since each request makes thousands of short-lived objects.
Reference cycles are still collected; only the start-up heap is no longer rescanned.
"""

import gc

YOUNG_THRESHOLD = 10_000  # CPython's default is 700 (2,000 from 3.13); a young pass then takes a few ms


def tune_for_server() -> None:
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - import every view now, so it is frozen with the rest
    gc.collect()
    gc.freeze()
    _young, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)
