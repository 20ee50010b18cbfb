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


def _comment_tally(comment) -> dict:
    return {"up": comment.support_count, "down": comment.oppose_count}


def _statement_tally(statement) -> dict:
    return {"agree": statement.agree_count, "disagree": statement.disagree_count, "pass": statement.pass_count}


# kind -> (lookup, cast, withdraw, tally): the same four steps for either kind of target.
KINDS = {
    "comment": (selectors.comment_votable, services.comment_vote_cast, services.comment_vote_withdraw,
                _comment_tally),
    "statement": (selectors.statement_votable, services.statement_vote_cast, services.statement_vote_withdraw,
                  _statement_tally),
}


def vote_command(*, actor, page_id: int, message: dict) -> dict:
    kind, pk = _target(message.get("target"))
    lookup, cast, withdraw, tally = KINDS[kind]
    target = lookup(pk)
    if target is None or target.page_id != page_id:
        raise Http404
    value = message.get("value")
    if value is None:
        target = withdraw(actor=actor, **{kind: target})
    else:
        target = cast(actor=actor, value=value, **{kind: target})
    return {"target": f"{kind}:{pk}", **tally(target), "my_vote": value}
