"""What moderation tells people, in words they can act on, in their own language.

Each function composes one notification (consult.services.notifications renders it under the
recipient's preferred language and e-mails it after the commit)."""

import functools

from django.contrib.auth import get_user_model
from django.template import engines
from django.urls import reverse
from django.utils.translation import gettext as _

from consult.services.notifications import notify
from moderation.models import Appeal, AppealOutcome, Case, Outcome, RejectReason, Sanction, SanctionKind


def _what(case: Case) -> str:
    return _("your comment") if case.item_type == "comment" else _("your statement")


def _item_url(case: Case) -> str:
    if case.item_type == "comment":
        return reverse("consult:comment", args=[case.item_id])
    return reverse("moderation:appeal", args=[case.pk])


@functools.cache
def _when_template():
    return engines["django"].from_string("{% load rayzan_format %}{{ moment|localdate:'datetime' }}")


def _when(moment) -> str:
    """A date and time as the site's pages write it (Jalali and Persian digits in Persian)."""
    return _when_template().render({"moment": moment}).strip()


def case_decided(case: Case, author) -> None:
    """Tell the author how their held, flagged or reported contribution was decided."""
    def compose():
        what = _what(case)
        if case.outcome == Outcome.APPROVED:
            return (_("Your contribution is published"),
                    _("A moderator reviewed %(what)s and published it.") % {"what": what}, _item_url(case))
        note = f"\n\n{_('The moderator’s note:')} {case.note_to_author}" if case.note_to_author else ""
        appeal = "\n\n" + _("If you think this decision is wrong, you can appeal it once, with a note, within the "
                            "time shown on the appeal page. Another moderator will decide.")
        if case.outcome == Outcome.REDACTED:
            body = _("A moderator masked part of %(what)s (for example personal data) and published the rest.") % {
                "what": what}
            return _("Part of your contribution was masked"), body + note + appeal, reverse(
                "moderation:appeal", args=[case.pk])
        reason = RejectReason(case.decision_reason).label if case.decision_reason else ""
        body = _("A moderator decided not to publish %(what)s. The reason: %(reason)s.") % {"what": what,
                                                                                          "reason": reason}
        return _("Your contribution was not published"), body + note + appeal, reverse("moderation:appeal",
                                                                                        args=[case.pk])
    notify(recipient=author, kind=f"moderation.{case.outcome}", compose=compose)


def appeal_decided(appeal: Appeal) -> None:
    def compose():
        note = f"\n\n{_('The moderator’s note:')} {appeal.note_to_author}" if appeal.note_to_author else ""
        if appeal.outcome == AppealOutcome.REINSTATED:
            return (_("Your appeal succeeded"),
                    _("Another moderator reviewed your appeal and reinstated your contribution.") + note,
                    _item_url(appeal.case))
        return (_("Your appeal was not upheld"),
                _("Another moderator reviewed your appeal and kept the original decision. This decision is "
                  "final.") + note, reverse("moderation:appeal", args=[appeal.case_id]))
    notify(recipient=appeal.appellant, kind=f"moderation.appeal_{appeal.outcome}", compose=compose)


def restriction_text(sanction: Sanction) -> str:
    """The sentence a suspended or banned person sees whenever they try to write."""
    reason = RejectReason(sanction.reason).label
    if sanction.kind == SanctionKind.BAN:
        text = _("A moderator has banned your account from taking part (reason: %(reason)s). You can still read "
                 "everything.") % {"reason": reason}
    else:
        text = _("A moderator has suspended your account until %(until)s (reason: %(reason)s). You can read "
                 "everything meanwhile, and take part again after that.") % {"until": _when(sanction.until),
                                                                           "reason": reason}
    if sanction.note:
        text += " " + _("The moderator’s note:") + " " + sanction.note
    return text


def sanction_imposed(sanction: Sanction) -> None:
    def compose():
        if sanction.kind == SanctionKind.WARN:
            reason = RejectReason(sanction.reason).label
            body = _("A moderator has warned you about your contributions (reason: %(reason)s). Please keep to "
                     "the participation rules: further breaches can lead to a suspension.") % {"reason": reason}
            if sanction.note:
                body += "\n\n" + _("The moderator’s note:") + " " + sanction.note
            return _("A warning from the moderators"), body, reverse("accounts:notifications")
        subject = _("Your account is banned") if sanction.kind == SanctionKind.BAN else _("Your account is suspended")
        return subject, restriction_text(sanction), reverse("accounts:notifications")
    notify(recipient=sanction.person, kind=f"moderation.{sanction.kind}", compose=compose)


def sanction_lifted(sanction: Sanction) -> None:
    def compose():
        return (_("You can take part again"),
                _("A moderator has lifted the restriction on your account."), reverse("accounts:notifications"))
    notify(recipient=sanction.person, kind="moderation.lifted", compose=compose)


def case_escalated(case: Case) -> None:
    """Tell the officials (in-app and e-mail) that a moderator needs their decision."""
    officials = get_user_model().objects.filter(groups__name="official", is_active=True).select_related("profile")
    for official in officials[:50]:
        def compose():
            return (_("A moderator asks for your decision"),
                    _("A moderator escalated a contribution to the officials. Their note: %(note)s") % {
                        "note": case.escalation_note}, reverse("moderation:case", args=[case.pk]))
        notify(recipient=official, kind="moderation.escalated", compose=compose)
