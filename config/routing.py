from django.urls import path

from consult.consumers import LiveConsumer

websocket_urlpatterns = [
    path("ws/live/<int:page_id>/", LiveConsumer.as_asgi()),
]
