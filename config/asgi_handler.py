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

The thread is lent, not made. Django gives each request a fresh ThreadSensitiveContext, whose
executor starts a new thread for the request and another to join it afterwards: two thread
starts per request, about a third of a vote's CPU in the event loop's process. Here a request
borrows a single-thread executor from a small free list and gives it back (asgiref's
ThreadSensitiveContext(executor=...), which leaves the executor running). Requests still run
concurrently, one thread each, as under a threaded WSGI server; Django's request_started and
request_finished handlers still run on the request's own thread, so each request gets and
returns its database connection as before.
"""

from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import ThreadSensitiveContext
from django.core.handlers.asgi import ASGIHandler

IDLE_THREADS_KEPT = 32


class RequestThreads:
    """Single-thread executors lent to one request at a time. list.pop and list.append are
    atomic, so event loops in several threads (tests) may share it."""

    def __init__(self, keep: int = IDLE_THREADS_KEPT):
        self.keep = keep
        self.idle: list[ThreadPoolExecutor] = []

    def borrow(self) -> ThreadPoolExecutor:
        try:
            return self.idle.pop()
        except IndexError:
            return ThreadPoolExecutor(max_workers=1, thread_name_prefix="http-request")

    def give_back(self, executor: ThreadPoolExecutor) -> None:
        if len(self.idle) < self.keep:
            self.idle.append(executor)
        else:  # a burst is over: let its extra threads finish what they hold and end
            executor.shutdown(wait=False)


class SyncChainASGIHandler(ASGIHandler):
    def __init__(self):
        super().__init__()
        self.threads = RequestThreads()

    def load_middleware(self, is_async=False):
        super().load_middleware(is_async=False)
        self._middleware_chain = self.adapt_method_mode(
            True, self._middleware_chain, method_is_async=False, name="the middleware chain")

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            raise ValueError(f"Django can only handle ASGI/HTTP connections, not {scope['type']}.")
        executor = self.threads.borrow()
        try:
            async with ThreadSensitiveContext(executor=executor):
                await self.handle(scope, receive, send)
        finally:
            self.threads.give_back(executor)


def get_asgi_application() -> SyncChainASGIHandler:
    """Like django.core.asgi.get_asgi_application, with the one-hop handler."""
    import django

    django.setup(set_prefix=False)
    return SyncChainASGIHandler()
