"""The Wagtail admin's first page says when two-factor sign-in is not required for staff.

The embedded default (no DATABASE_URL) does not require it, so a demo can be tried at once;
production does. An admin must never be unsure which of the two they are looking at.
"""

from django.conf import settings
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from wagtail import hooks
from wagtail.admin.ui.components import Component


class TwoFactorRelaxedPanel(Component):
    name = "two_factor_relaxed"
    order = 10  # above Wagtail's own panels

    def render_html(self, parent_context=None):
        return format_html(
            '<section class="panel w-panel help-block help-warning" aria-labelledby="two-factor-relaxed">'
            '<h2 id="two-factor-relaxed">{}</h2><p>{}</p><p><a href="{}">{}</a></p></section>',
            _("Two-factor sign-in is not required here"),
            _("This installation runs the embedded default, so moderators, officials, editors and admins may "
              "sign in with a password alone. Production (DATABASE_URL set) requires an authenticator app for "
              "them; set RAYZAN_REQUIRE_MFA_FOR_STAFF=1 to require it here too."),
            reverse("mfa_index"),
            _("Set up two-factor sign-in for your own account"),
        )


@hooks.register("construct_homepage_panels")
def say_when_two_factor_is_relaxed(request, panels):
    if not settings.RAYZAN_REQUIRE_MFA_FOR_STAFF:
        panels.insert(0, TwoFactorRelaxedPanel())
