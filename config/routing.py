from django.urls import path, re_path

from consult.consumers import LiveConsumer, UnknownStreamConsumer

websocket_urlpatterns = [
    path("ws/live/<int:page_id>/", LiveConsumer.as_asgi()),
    re_path(r"^", UnknownStreamConsumer.as_asgi()),
]
