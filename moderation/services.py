"""Moderation's writes. Every one appends to the audit log in the same transaction."""

from consult.screening import Hold
from moderation import audit


def hold_recorded(item, holds: list[Hold]) -> None:
    """consult held a new or edited contribution (settings.RAYZAN_HOLD_LISTENERS)."""
    audit.append(action="screener.hold", item=item, reason=holds[0].code,
                 before={}, after={"status": item.status, "holds": [hold.as_dict() for hold in holds]})
