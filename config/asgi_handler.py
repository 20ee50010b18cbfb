"""Django's ASGI handler with each request served in one thread hop.

Django's ASGIHandler builds its chain in async mode. Every middleware we use (Django's own,
WhiteNoise, allauth, Wagtail's redirects) is a sync middleware that is merely async-capable:
in async mode each one runs its request and response halves through `sync_to_async`, so one
request makes about twenty hops between the event loop and a worker thread, and our views
are sync anyway. Measured in process on PostgreSQL, a vote cost 22.7 ms of CPU that way
against 12.4 ms through the WSGI handler (bench/participation.py has the server figures).

Here the chain is built as WSGI builds it, fully sync, and the event loop enters it once per
request with `sync_to_async(thread_sensitive=True)`. Django's own handle() makes two more hops
for the signals around a request (request_started before the chain, and request_finished from
response.close() after sending) and runs a disconnect listener beside every request; here
both signals run in the same hop as the chain, and a response held in memory is closed
(request_finished: the database connection goes back to the pool) before its bytes are sent.
Streamed responses are closed after sending, and stop when the client disconnects, as in
Django. Under ASGI every request has its own
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

import asyncio
import contextlib
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import ThreadSensitiveContext, sync_to_async
from django.core import signals
from django.core.exceptions import RequestAborted
from django.core.handlers.asgi import ASGIHandler, get_script_prefix
from django.http import FileResponse
from django.urls import set_script_prefix

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
        # As the WSGI handler builds it: get_response() runs the whole chain synchronously.
        super().load_middleware(is_async=False)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            raise ValueError(f"Django can only handle ASGI/HTTP connections, not {scope['type']}.")
        executor = self.threads.borrow()
        try:
            async with ThreadSensitiveContext(executor=executor):
                await self.handle(scope, receive, send)
        finally:
            self.threads.give_back(executor)

    async def handle(self, scope, receive, send):
        """Django's ASGIHandler.handle, with the request served in one hop to its thread."""
        try:
            body_file = await self.read_body(receive)
        except RequestAborted:
            return
        set_script_prefix(get_script_prefix(scope))
        try:
            response, closed = await sync_to_async(self.serve, thread_sensitive=True)(scope, body_file)
            response._handler_class = self.__class__
            if isinstance(response, FileResponse):
                response.block_size = self.chunk_size
            if response.streaming:
                await self.send_until_disconnect(response, receive, send)
            else:
                with contextlib.suppress(asyncio.CancelledError):  # the client went away
                    await self.send_response(response, send)
            if not closed:
                await sync_to_async(response.close, thread_sensitive=True)()
        finally:
            body_file.close()

    def serve(self, scope, body_file) -> tuple:
        """On the request's thread: request_started, the middleware chain and view, and for a
        response held in memory its close(), which sends request_finished and so returns the
        database connection before the bytes go out. Returns (response, closed)."""
        signals.request_started.send(sender=self.__class__, scope=scope)
        request, error_response = self.create_request(scope, body_file)
        response = error_response if request is None else self.get_response(request)
        if response.streaming:
            return response, False
        response.close()
        return response, True

    async def send_until_disconnect(self, response, receive, send):
        """A streamed response (an export) stops when the client disconnects, as in Django."""
        sending = asyncio.create_task(self.send_response(response, send))
        listening = asyncio.create_task(self.listen_for_disconnect(receive))
        await asyncio.wait([sending, listening], return_when=asyncio.FIRST_COMPLETED)
        for task in (listening, sending):
            if not task.done():
                task.cancel()
            with contextlib.suppress(asyncio.CancelledError, RequestAborted):
                await task


def get_asgi_application() -> SyncChainASGIHandler:
    """Like django.core.asgi.get_asgi_application, with the one-hop handler."""
    import django

    django.setup(set_prefix=False)
    return SyncChainASGIHandler()
