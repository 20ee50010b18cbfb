"""ASGI entry point: HTTP through Django, WebSockets through Channels' router."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from config.asgi_handler import get_asgi_application

django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.conf import settings  # noqa: E402

from config.routing import websocket_urlpatterns  # noqa: E402
from config.security import StaffTwoFactorSocketMiddleware  # noqa: E402

if settings.RAYZAN_REPORTS_WORKER == "thread":  # opinion groups and campaigns, off the request path
    from reports.worker import start_in_thread

    start_in_thread()

from config.gc_tuning import tune_for_server  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(StaffTwoFactorSocketMiddleware(URLRouter(websocket_urlpatterns)))),
    }
)

if settings.RAYZAN_GC_TUNING:  # after everything is loaded (config/gc_tuning.py says why)
    tune_for_server()
