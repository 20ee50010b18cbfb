"""The moderators' live queue: every change to a case (opened, claimed, decided, escalated,
appealed) is sent after the commit to the channel-layer group that moderators' queue pages
listen on (moderation.consumers.QueueConsumer). Low volume, so a plain group is enough; the
page itself stays correct without it (it is rendered from the database on each load)."""

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)
QUEUE_GROUP = "moderation.queue"


def queue_changed(case, change: str) -> None:
    message = {"type": "queue.changed", "case": case.pk, "page": case.page_id, "change": change,
               "priority": case.priority, "status": case.status}
    transaction.on_commit(lambda: _send(message))


def _send(message: dict) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(QUEUE_GROUP, message)
    except Exception:  # the queue page is correct on reload; a lost notice only delays it
        logger.exception("moderation: could not announce case %s", message.get("case"))
