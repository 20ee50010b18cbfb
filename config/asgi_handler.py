"""Django's ASGI handler with the middleware chain run in one thread hop per request.

Django's ASGIHandler builds its chain in async mode. Every middleware we use (Django's own,
WhiteNoise, allauth, Wagtail's redirects) is a sync middleware that is merely async-capable:
in async mode each one runs its request and response halves through `sync_to_async`, so one
request makes about twenty hops between the event loop and a worker thread, and our views
are sync anyway. Measured in process on PostgreSQL, a vote cost 22.7 ms of CPU that way
against 12.4 ms through the WSGI handler (bench/participation.py has the server figures).

Here the chain is built as WSGI builds it, fully sync, and the event loop enters it once per
request with `sync_to_async(thread_sensitive=True)`. Under ASGI every request has its own
thread-sensitive context, so requests still run concurrently, exactly as they did before.
What is lost is native async views over HTTP; we have none (WebSockets go through Channels,
not through this handler). If one is ever added, it still works: Django wraps it with
`async_to_sync` in the sync chain.
"""

from django.core.handlers.asgi import ASGIHandler


class SyncChainASGIHandler(ASGIHandler):
    def load_middleware(self, is_async=False):
        super().load_middleware(is_async=False)
        self._middleware_chain = self.adapt_method_mode(
            True, self._middleware_chain, method_is_async=False, name="the middleware chain")


def get_asgi_application() -> SyncChainASGIHandler:
    """Like django.core.asgi.get_asgi_application, with the one-hop handler."""
    import django

    django.setup(set_prefix=False)
    return SyncChainASGIHandler()
