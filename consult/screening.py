"""Screening new contributions: the interface consult owns and moderation fills.

consult cannot import moderation (imports go one way, see ARCHITECTURE.md), so it defines what
a screener is and calls the ones named in settings:

- `settings.RAYZAN_SCREENERS`: dotted paths of callables `screener(submission) -> Hold | None`,
  run in order on every new or edited comment and every new statement. Any hold keeps the
  contribution from the public until a moderator decides.
- `settings.RAYZAN_HOLD_LISTENERS`: dotted paths of callables `listener(item, holds)`, called in
  the write's transaction once a held item is saved (moderation records it in its audit log).

A hold names one of the reasons below. The vocabulary lives here, with the plain words its
author reads, so consult can explain a hold without knowing which screener made it; the
screener adds a `detail` for moderators (which word, which kind of personal data — never the
personal data itself).
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

HOLD_REASONS = {
    "premoderation": _("In this consultation a moderator reads every contribution before it appears."),
    "links": _("Contributions with links are checked by a moderator before they appear."),
    "blocked_words": _("Your text contains words that a moderator must check before it appears."),
    "personal_data": _("Your text seems to contain personal details, such as an e-mail address, a phone "
                       "number, an ID or a card number. To protect you and others, a moderator checks it "
                       "first. You can edit it to remove them."),
    "new_account": _("The first contributions of a new account are checked by a moderator."),
    "repeat": _("This is very like something you posted a short while ago. A moderator checks repeats "
                "before they appear."),
}


@dataclass(frozen=True)
class Submission:
    """What a screener sees: the sanitised source text, who wrote it, where, and what it is."""

    kind: str  # "comment" or "statement"
    text: str
    author: object
    page: object
    item_id: int | None = None  # set when an existing contribution is edited


@dataclass(frozen=True)
class Hold:
    code: str
    detail: str = ""
    extra: dict = field(default_factory=dict)

    def __post_init__(self):
        if self.code not in HOLD_REASONS:
            raise ValueError(f"unknown hold reason {self.code!r}; add it to consult.screening.HOLD_REASONS")

    def as_dict(self) -> dict:
        return {"code": self.code, "detail": self.detail}


def _load(paths) -> list:
    return [import_string(path) for path in paths]


def screen(submission: Submission) -> list[Hold]:
    """Every hold the configured screeners make (empty: publish)."""
    holds = []
    for screener in _load(getattr(settings, "RAYZAN_SCREENERS", [])):
        hold = screener(submission)
        if hold is not None:
            holds.append(hold)
    return holds


def held(item, holds: list[Hold]) -> None:
    """Tell the listeners that `item` (a saved Comment or Statement) was held."""
    for listener in _load(getattr(settings, "RAYZAN_HOLD_LISTENERS", [])):
        listener(item, holds)


def hold_messages(screening: list[dict]) -> list[str]:
    """The plain words for a stored list of holds, in the active language, without repeats."""
    messages = []
    for code in dict.fromkeys(entry.get("code") for entry in screening or []):
        if code in HOLD_REASONS:
            messages.append(str(HOLD_REASONS[code]))
    return messages
