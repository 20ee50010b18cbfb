"""Privacy over the API: GET /api/v1/me/data/ (everything Rayzan holds about you, the same JSON
as the profile page's download) and POST /api/v1/me/erase/ (delete your account, confirmed by
your password). Both call consult.accounts.privacy; the serializers below document the shape
(the sections of voting, moderation and reports come from their privacy parts)."""

from django.contrib.auth import logout
from django.urls import path
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import JSONParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from consult.accounts.privacy import EXPORT_FORMAT, account_data, account_erase, privacy_parts, with_parts
from consult.api_support import ErrorSerializer

# --- the export's shape, for the schema ----------------------------------------------------------


class EmailAddressDataSerializer(serializers.Serializer):
    email = serializers.EmailField()
    verified = serializers.BooleanField()
    primary = serializers.BooleanField()


class AccountDataSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField(help_text="Meaningless and never shown to others.")
    email = serializers.CharField()
    email_addresses = EmailAddressDataSerializer(many=True)
    date_joined = serializers.DateTimeField()
    last_login = serializers.DateTimeField(allow_null=True)
    roles = serializers.ListField(child=serializers.CharField())
    api_token_created_at = serializers.DateTimeField(allow_null=True,
                                                     help_text="When your API token was made; the token itself is "
                                                               "a credential and is not included.")


class ProfileDataSerializer(serializers.Serializer):
    display_name = serializers.CharField()
    region = serializers.CharField(allow_null=True)
    preferred_language = serializers.CharField()
    consent_version = serializers.CharField(help_text="The version of the terms and privacy notice you agreed to.")
    consented_at = serializers.DateTimeField()
    created_at = serializers.DateTimeField()
    restriction = serializers.CharField(help_text="suspend or ban while a moderator's sanction is recorded; empty "
                                                  "otherwise.")
    restricted_until = serializers.DateTimeField(allow_null=True)


class EarlierVersionSerializer(serializers.Serializer):
    body = serializers.CharField()
    stance = serializers.CharField()
    replaced_at = serializers.DateTimeField()


class CommentDataSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    page = serializers.IntegerField()
    page_title = serializers.CharField()
    section = serializers.CharField()
    parent = serializers.IntegerField(allow_null=True)
    stance = serializers.CharField()
    status = serializers.CharField()
    body = serializers.CharField(help_text="As stored now (masked passages appear as █████).")
    created_at = serializers.DateTimeField()
    edited_at = serializers.DateTimeField(allow_null=True)
    withdrawn_at = serializers.DateTimeField(allow_null=True)
    redacted_at = serializers.DateTimeField(allow_null=True)
    held_for = serializers.ListField(child=serializers.CharField(), help_text="Screening reasons that held it.")
    support = serializers.IntegerField()
    oppose = serializers.IntegerField()
    replies = serializers.IntegerField()
    earlier_versions = EarlierVersionSerializer(many=True)


class StatementDataSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    page = serializers.IntegerField()
    page_title = serializers.CharField()
    text = serializers.CharField()
    status = serializers.CharField()
    created_at = serializers.DateTimeField()
    redacted_at = serializers.DateTimeField(allow_null=True)
    held_for = serializers.ListField(child=serializers.CharField())
    agree = serializers.IntegerField()
    disagree = serializers.IntegerField()
    pass_ = serializers.IntegerField()

    def get_fields(self):
        fields = super().get_fields()
        fields["pass"] = fields.pop("pass_")
        return fields


class NotificationDataSerializer(serializers.Serializer):
    kind = serializers.CharField()
    language = serializers.CharField()
    subject = serializers.CharField()
    body = serializers.CharField()
    url = serializers.CharField()
    created_at = serializers.DateTimeField()
    read_at = serializers.DateTimeField(allow_null=True)
    emailed_at = serializers.DateTimeField(allow_null=True)


class MyDataSerializer(serializers.Serializer):
    format = serializers.ChoiceField(choices=[EXPORT_FORMAT])
    version = serializers.IntegerField()
    generated_at = serializers.DateTimeField()
    account = AccountDataSerializer()
    profile = ProfileDataSerializer(allow_null=True)
    comments = CommentDataSerializer(many=True)
    statements = StatementDataSerializer(many=True)
    notifications = NotificationDataSerializer(many=True)

    def get_fields(self):
        """consult's sections, with those of the configured privacy parts (votes, moderation,
        imported ids) in the same places as in the data (consult.accounts.privacy.with_parts)."""
        fields = super().get_fields()
        tail = {"notifications": fields.pop("notifications")}
        return with_parts(fields, tail, privacy_parts(), lambda part: part.export_fields())


class EraseSerializer(serializers.Serializer):
    password = serializers.CharField(max_length=4096, trim_whitespace=False, style={"input_type": "password"})


# --- views ------------------------------------------------------------------------------------------


def _error(description: str) -> OpenApiResponse:
    return OpenApiResponse(ErrorSerializer, description=description)


class MyDataView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(operation_id="me_data_retrieve", tags=["accounts"], summary="Download your data",
                   description="Everything Rayzan keeps about you: account, profile, contributions, votes, poll "
                               "answers, reports, moderation decisions about your contributions, appeals, "
                               "sanctions and notifications. Moderators' identities and internal notes are not "
                               "included.",
                   responses={200: MyDataSerializer,
                              403: _error("Not signed in (send a session cookie or an Authorization: Token header).")})
    def get(self, request):
        response = Response(account_data(request.user))
        response["Cache-Control"] = "no-store"
        return response


class EraseView(APIView):
    permission_classes = [IsAuthenticated]
    parser_classes = [JSONParser]

    @extend_schema(operation_id="me_erase", tags=["accounts"], summary="Delete your account",
                   description="Confirmed by your password. Your e-mail address, names, sign-ins, tokens and "
                               "notifications are removed; your contributions and votes stay, shown as by "
                               "\"Former participant\", so totals do not change. Staff accounts are refused: an "
                               "administrator removes the role first. Cannot be undone.",
                   request=EraseSerializer,
                   responses={204: OpenApiResponse(description="Deleted; this token and every session stop working."),
                              400: _error("`invalid`: the password is missing or wrong (fields.password); nothing "
                                          "was changed."),
                              403: _error("Not signed in, or a staff account (the message says what to do)."),
                              429: _error("Too many attempts; see the Retry-After header.")})
    def post(self, request):
        body = EraseSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        account_erase(actor=request.user, password=body.validated_data["password"])
        logout(request._request)  # a session-authenticated caller is signed out at once
        return Response(status=status.HTTP_204_NO_CONTENT)


urlpatterns = [
    path("me/data/", MyDataView.as_view(), name="api-me-data"),
    path("me/erase/", EraseView.as_view(), name="api-me-erase"),
]
