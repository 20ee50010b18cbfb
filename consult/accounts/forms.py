"""Placeholder; the sign-up form is written with the accounts slice."""
from django import forms


class ParticipantSignupForm(forms.Form):
    def signup(self, request, user):
        pass
