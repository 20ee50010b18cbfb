"""voting's command on the live socket: `{"type": "vote", "target": "comment:17", "value": 1}`.

Plugged into consult's socket through settings.RAYZAN_LIVE_COMMANDS; it calls the same services
as the API, so the permission, the allowed values and the rate limit are the API's. A value of
null withdraws the vote. Targets must be on the socket's own page.
"""

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _

from voting import selectors, services


def _target(raw) -> tuple[str, int]:
    if isinstance(raw, str) and ":" in raw:
        kind, _sep, number = raw.partition(":")
        if kind in {"comment", "statement"} and number.isdigit() and len(number) <= 10:
            return kind, int(number)
    raise ValidationError({"target": [_("Name what you vote on as comment:<id> or statement:<id>.")]})


def vote_command(*, actor, page_id: int, message: dict) -> dict:
    kind, pk = _target(message.get("target"))
    value = message.get("value")
    if kind == "comment":
        comment = selectors.comment_votable(pk)
        if comment is None or comment.page_id != page_id:
            raise Http404
        if value is None:
            comment = services.comment_vote_withdraw(actor=actor, comment=comment)
        else:
            comment = services.comment_vote_cast(actor=actor, comment=comment, value=value)
        return {"target": f"comment:{pk}", "up": comment.support_count, "down": comment.oppose_count,
                "my_vote": value}
    statement = selectors.statement_votable(pk)
    if statement is None or statement.page_id != page_id:
        raise Http404
    if value is None:
        statement = services.statement_vote_withdraw(actor=actor, statement=statement)
    else:
        statement = services.statement_vote_cast(actor=actor, statement=statement, value=value)
    return {"target": f"statement:{pk}", "agree": statement.agree_count, "disagree": statement.disagree_count,
            "pass": statement.pass_count, "my_vote": value}
