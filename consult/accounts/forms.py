"""Forms for sign-up (allauth builds its SignupForm on top of ParticipantSignupForm), the
profile page and the welcome page. They validate with the same rules as the service they call
(consult.services.profiles), so a mistake shows beside its field instead of failing later."""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _
from wagtail.models import Locale

from cms.models import Region
from consult.accounts.validation import clean_display_name
from consult.models.contributions import DISPLAY_NAME_MAX
from consult.services.profiles import default_language, profile_create

# Each language named in itself (فارسی, English), as language pickers should.
LANGUAGE_CHOICES = [(code, get_language_info(code)["name_local"]) for code, _name in settings.LANGUAGES]


def regions_in_active_language():
    """Regions in the current language's locale (each region exists once per language)."""
    try:
        locale = Locale.get_active()
    except Locale.DoesNotExist:
        return Region.objects.none()
    return Region.objects.filter(locale=locale).order_by("name")


class ProfileFieldsForm(forms.Form):
    """Display name, region and preferred language: the fields a participant can change."""

    display_name = forms.CharField(
        label=_("Display name"), max_length=DISPLAY_NAME_MAX * 2, strip=False,
        help_text=_("Shown beside everything you write. Use a name you are happy for anyone to see; it does "
                    "not need to be your real name. 2 to 40 characters."),
        widget=forms.TextInput(attrs={"autocomplete": "nickname", "dir": "auto"}),
        error_messages={"required": _("Enter a display name. It is shown beside what you write; it does not need "
                                      "to be your real name.")},
    )
    region = forms.ModelChoiceField(
        label=_("Region"), queryset=Region.objects.none(), required=False, empty_label=_("Prefer not to say"),
        help_text=_("The area you live in, if you want to say. It helps show decision-makers where views come from."),
        error_messages={"invalid_choice": _("Choose a region from the list, or leave it empty.")},
    )
    preferred_language = forms.ChoiceField(
        label=_("Language for e-mails and pages"), choices=LANGUAGE_CHOICES, widget=forms.RadioSelect,
        error_messages={"required": _("Choose Persian or English."), "invalid_choice": _("Choose Persian or English.")},
    )

    def __init__(self, *args, user=None, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions_in_active_language()
        self.fields["preferred_language"].initial = default_language()
        if self.is_bound:
            return
        profile = getattr(user, "profile", None) if user is not None else None
        if profile is not None:
            self.initial.update({
                "display_name": profile.display_name,
                "region": profile.region.localized.pk if profile.region else None,
                "preferred_language": profile.preferred_language,
            })

    def clean_display_name(self):
        exclude = self.user.pk if self.user is not None and self.user.pk else None
        return clean_display_name(self.cleaned_data["display_name"], exclude_user_id=exclude)


class ConsentFormMixin(forms.Form):
    consent = forms.BooleanField(
        label=_("I agree to the terms of use and the privacy notice"),
        error_messages={"required": _("To take part, agree to the terms of use and the privacy notice.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        version = _("Version %(version)s.") % {"version": settings.RAYZAN_CONSENT_VERSION}
        self.fields["consent"].help_text = format_html('{} <a href="{}">{}</a>', version, reverse("privacy"),
                                                       _("Read the privacy notice"))


class ParticipantSignupForm(ConsentFormMixin, ProfileFieldsForm):
    """allauth's SignupForm subclasses this (ACCOUNT_SIGNUP_FORM_CLASS) and calls `signup`
    after it has saved the user; the profile and the citizen role are made there."""

    field_order = ["email", "password1", "password2", "display_name", "region", "preferred_language", "consent"]

    def signup(self, request, user):
        data = self.cleaned_data
        try:
            profile_create(actor=user, display_name=data["display_name"], region=data.get("region"),
                           preferred_language=data["preferred_language"], consent=data["consent"])
        except ValidationError:
            # Someone took the name between validation and saving: the account stands, and the
            # welcome page asks for a profile at the first sign-in.
            return


class WelcomeForm(ConsentFormMixin, ProfileFieldsForm):
    """For signed-in people without a profile, such as accounts an admin created."""
