"""Comments over REST: list/create on a consultation, detail/edit/withdraw one comment.

GET/POST /api/v1/consultations/<id>/comments/   ?section=<id>|general &ordering= &page=
GET/PATCH/DELETE /api/v1/comments/<id>/         (DELETE withdraws: the record stays)

The same services as the HTML forms; errors follow the contract in ARCHITECTURE.md.
"""

from django.core.paginator import EmptyPage, InvalidPage
from django.urls import path
from django.utils import translation
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.parsers import JSONParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from consult import readcache, selectors, services
from consult.api_support import ErrorSerializer
from consult.models import Comment, ConsultationPage, Stance
from consult.models.contributions import COMMENT_MAX_CHARS
from consult.representations import thread_data
from consult.serializers import MAX_ID, PagingQuerySerializer, _QuerySerializer

ORDERINGS = list(selectors.COMMENT_SORTS)


class AuthorSerializer(serializers.Serializer):
    display_name = serializers.CharField()


class CommentSerializer(serializers.Serializer):
    """The REST shape of a comment; the live stream's comment events carry the same shape."""

    id = serializers.IntegerField()
    page = serializers.IntegerField(source="page_id")
    section = serializers.CharField(source="section_id", help_text=_("The section's id; empty for the whole."))
    parent = serializers.IntegerField(source="parent_id", allow_null=True)
    depth = serializers.IntegerField()
    author = serializers.SerializerMethodField()
    is_official = serializers.BooleanField()
    stance = serializers.CharField()
    status = serializers.CharField()
    body = serializers.SerializerMethodField(help_text=_("The text as written (a small Markdown subset)."))
    body_html = serializers.SerializerMethodField(help_text=_("The text rendered to sanitised HTML."))
    created_at = serializers.DateTimeField()
    edited_at = serializers.DateTimeField(allow_null=True)
    support = serializers.IntegerField(source="support_count")
    oppose = serializers.IntegerField(source="oppose_count")
    reply_count = serializers.IntegerField()
    url = serializers.SerializerMethodField()
    held_because = serializers.ListField(
        child=serializers.CharField(), source="hold_messages",
        help_text=_("While it awaits moderation, why it was held, in plain words for its author; otherwise empty."))

    def get_author(self, comment) -> dict:
        profile = getattr(comment.author, "profile", None)
        return {"display_name": profile.public_name if profile else _("Participant")}

    def _hidden(self, comment) -> bool:
        return comment.status == "withdrawn"

    def get_body(self, comment) -> str:
        return "" if self._hidden(comment) else comment.body

    def get_body_html(self, comment) -> str:
        return "" if self._hidden(comment) else comment.body_html

    def get_url(self, comment) -> str:
        from django.urls import reverse

        request = self.context.get("request")
        url = reverse("consult:comment", args=[comment.pk])
        return request.build_absolute_uri(url) if request else url


class ThreadSerializer(CommentSerializer):
    replies = serializers.SerializerMethodField()

    def get_replies(self, comment) -> list[dict]:
        return ThreadSerializer(getattr(comment, "thread_replies", []), many=True, context=self.context).data


def _permalink_prefix(request) -> str:
    from django.urls import reverse

    return request.build_absolute_uri(reverse("consult:comment", args=[0])).removesuffix("0/")


class CommentQuerySerializer(_QuerySerializer):
    section = serializers.CharField(max_length=64, required=False,
                                    help_text=_("A section id, or “general” for comments on the whole."))
    ordering = serializers.ChoiceField(choices=ORDERINGS, required=False)


class CommentCreateSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=COMMENT_MAX_CHARS * 2, trim_whitespace=False)
    stance = serializers.ChoiceField(choices=Stance.values, required=False, allow_blank=True)
    section = serializers.CharField(max_length=64, required=False, allow_blank=True)
    parent = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False, allow_null=True)


class CommentEditSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=COMMENT_MAX_CHARS * 2, trim_whitespace=False)
    stance = serializers.ChoiceField(choices=Stance.values, required=False, allow_blank=True)


class CommentPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.CharField(allow_null=True)
    previous = serializers.CharField(allow_null=True)
    results = ThreadSerializer(many=True)


ERRORS = {code: OpenApiResponse(ErrorSerializer) for code in (400, 403, 404, 429)}


def _consultation(page_id) -> ConsultationPage:
    # An id past the column's range is "not found", not a database overflow (a 500 on SQLite).
    page = ConsultationPage.objects.live().public().filter(pk=page_id).first() if 0 < page_id <= MAX_ID else None
    if page is None:
        raise exceptions.NotFound(_("There is no published consultation with this id."))
    return page


def _validated(serializer_class, data):
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class ConsultationCommentsView(APIView):
    permission_classes = [AllowAny]
    parser_classes = [JSONParser]

    @extend_schema(summary="Comments on a consultation", parameters=[
        CommentQuerySerializer, PagingQuerySerializer,
        OpenApiParameter("page_id", int, OpenApiParameter.PATH)],
        responses={200: CommentPageSerializer, **ERRORS})
    def get(self, request, page_id: int):
        page = _consultation(page_id)
        query = {**_validated(CommentQuerySerializer, request.query_params),
                 **_validated(PagingQuerySerializer, request.query_params)}
        section = query.get("section", "general")
        section_id = "" if section == "general" else section
        if section_id and page.section_by_id(section_id) is None:
            raise exceptions.ValidationError({"section": [_("That section is not part of this consultation.")]})
        sort, number = query.get("ordering", "newest"), query.get("page", 1)
        if request.user.is_authenticated:  # a participant also sees their own pending comments
            return Response(self._listing(request, page, section_id, sort, number))
        parts = ("comments", request.build_absolute_uri(), translation.get_language())
        return Response(readcache.cached(page.pk, parts,
                                         lambda: self._listing(request, page, section_id, sort, number)))

    def _listing(self, request, page, section_id: str, sort: str, number: int) -> dict:
        try:
            threads = selectors.comment_threads(page=page, section_id=section_id, viewer=request.user,
                                                sort=sort, number=number)
        except (EmptyPage, InvalidPage) as exc:
            raise exceptions.NotFound(_("That page of comments does not exist.")) from exc

        def link(number):
            params = request.query_params.copy()
            params["page"] = number
            return request.build_absolute_uri(f"{request.path}?{params.urlencode()}")

        prefix = _permalink_prefix(request)
        return {
            "count": threads.paginator.count,
            "next": link(threads.next_page_number()) if threads.has_next() else None,
            "previous": link(threads.previous_page_number()) if threads.has_previous() else None,
            "results": [thread_data(c, permalink_prefix=prefix) for c in threads.object_list],
        }

    @extend_schema(summary="Comment on a consultation (or reply to a comment)",
                   request=CommentCreateSerializer, responses={201: CommentSerializer, **ERRORS})
    def post(self, request, page_id: int):
        page = _consultation(page_id)
        if not request.user.is_authenticated:
            raise exceptions.NotAuthenticated()
        data = _validated(CommentCreateSerializer, request.data)
        parent = None
        if data.get("parent"):
            parent = Comment.objects.filter(pk=data["parent"]).first()
            if parent is None:
                raise exceptions.ValidationError({"parent": [_("There is no comment with this id.")]})
        comment = services.comment_create(actor=request.user, page=page, text=data["text"],
                                          stance=data.get("stance", ""), section_id=data.get("section", ""),
                                          parent=parent)
        return Response(CommentSerializer(comment, context={"request": request}).data, status=status.HTTP_201_CREATED)


class CommentDetailView(APIView):
    permission_classes = [AllowAny]
    parser_classes = [JSONParser]

    def _comment(self, request, pk: int) -> Comment:
        comment = (Comment.objects.select_related("author__profile", "page").filter(pk=pk, page__live=True)
                   .first())
        if comment is None or not request.user.has_perm("consult.view_comment", comment):
            raise exceptions.NotFound(_("There is no comment with this id."))
        return comment

    @extend_schema(summary="One comment with its replies", responses={200: ThreadSerializer, 404: ErrorSerializer})
    def get(self, request, pk: int):
        comment = self._comment(request, pk)
        selectors.attach_replies([comment], request.user)
        return Response(ThreadSerializer(comment, context={"request": request}).data)

    @extend_schema(summary="Edit one's own comment (within 30 minutes, history kept)",
                   request=CommentEditSerializer, responses={200: CommentSerializer, **ERRORS})
    def patch(self, request, pk: int):
        comment = self._comment(request, pk)
        if not request.user.is_authenticated:
            raise exceptions.NotAuthenticated()
        data = _validated(CommentEditSerializer, request.data)
        comment = services.comment_edit(actor=request.user, comment=comment, text=data["text"],
                                        stance=data.get("stance"))
        return Response(CommentSerializer(comment, context={"request": request}).data)

    @extend_schema(summary="Withdraw one's own comment (the record stays, marked withdrawn)",
                   responses={200: CommentSerializer, **ERRORS})
    def delete(self, request, pk: int):
        comment = self._comment(request, pk)
        if not request.user.is_authenticated:
            raise exceptions.NotAuthenticated()
        comment = services.comment_withdraw(actor=request.user, comment=comment)
        return Response(CommentSerializer(comment, context={"request": request}).data)


urlpatterns = [
    path("consultations/<int:page_id>/comments/", ConsultationCommentsView.as_view(), name="api-consultation-comments"),
    path("comments/<int:pk>/", CommentDetailView.as_view(), name="api-comment"),
]
