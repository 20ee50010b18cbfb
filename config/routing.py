from django.urls import path, re_path

from consult.consumers import LiveConsumer, UnknownStreamConsumer
from moderation.consumers import QueueConsumer

websocket_urlpatterns = [
    path("ws/live/<int:page_id>/", LiveConsumer.as_asgi()),
    path("ws/moderation/", QueueConsumer.as_asgi()),
    re_path(r"^", UnknownStreamConsumer.as_asgi()),
]
