"""The voting API under /api/v1/: votes on comments and statements, statements, polls.

Writes take JSON only (anything else is a 415), need a signed-in participant, and go through
voting.services (consult.services for new statements), so they answer exactly like the HTML
forms: 400 with per-field messages, 403 with the reason, 429 with Retry-After.
"""

from django.http import Http404
from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.parsers import JSONParser
from rest_framework.permissions import IsAuthenticatedOrReadOnly
from rest_framework.response import Response
from rest_framework.views import APIView

from consult.api_support import ErrorSerializer, Pagination
from consult.selectors_statements import statements_published
from consult.serializers import PagingQuerySerializer
from consult.services.statements import statement_create
from voting import selectors, services
from voting import serializers as s

PAGE_ID = OpenApiParameter("page_id", OpenApiTypes.INT, OpenApiParameter.PATH,
                           description="A published consultation or roundtable page.")


def _error(description: str) -> OpenApiResponse:
    return OpenApiResponse(ErrorSerializer, description=description)


WRITE_ERRORS = {
    400: _error("A value is not valid (per-field messages in `fields`) or the JSON is malformed."),
    403: _error("Not signed in as a participant, your own comment, or the page is not open."),
    404: _error("No such item on a published page."),
    415: _error("Send application/json."),
    429: _error("Too many writes in a short time; see the Retry-After header."),
}
READ_ERRORS = {404: _error("No published consultation or roundtable has this id.")}


def _found(obj):
    if obj is None:
        raise Http404
    return obj


class _VotingView(APIView):
    parser_classes = [JSONParser]
    permission_classes = [IsAuthenticatedOrReadOnly]

    def validated(self, serializer_class):
        serializer = serializer_class(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data


def _comment_tally(comment, my_vote) -> dict:
    return {"target": f"comment:{comment.pk}", "up": comment.support_count, "down": comment.oppose_count,
            "my_vote": my_vote}


class CommentVoteView(_VotingView):
    @extend_schema(summary="Support or oppose a comment", request=s.CommentVoteSerializer,
                   responses={200: s.CommentTallySerializer, **WRITE_ERRORS}, tags=["votes"])
    def put(self, request, comment_id: int):
        comment = _found(selectors.comment_votable(comment_id))
        value = self.validated(s.CommentVoteSerializer)["value"]
        services.comment_vote_cast(actor=request.user, comment=comment, value=value)
        return Response(_comment_tally(comment, value))

    @extend_schema(summary="Withdraw your vote on a comment", request=None,
                   responses={200: s.CommentTallySerializer, **WRITE_ERRORS}, tags=["votes"])
    def delete(self, request, comment_id: int):
        comment = _found(selectors.comment_votable(comment_id))
        services.comment_vote_withdraw(actor=request.user, comment=comment)
        return Response(_comment_tally(comment, None))


class StatementListView(_VotingView):
    @extend_schema(summary="A page's published statements", parameters=[PAGE_ID, PagingQuerySerializer],
                   responses={200: s.StatementPageSerializer, **READ_ERRORS, 400: _error("A bad page or page_size.")},
                   tags=["statements"])
    def get(self, request, page_id: int):
        PagingQuerySerializer(data=request.query_params).is_valid(raise_exception=True)  # a bad value is a 400
        page = _found(selectors.participation_page(page_id))
        paginator = Pagination()
        statements = paginator.paginate_queryset(statements_published(page.pk), request, view=self)
        my_votes = selectors.my_statement_votes(request.user, [st.pk for st in statements])
        data = s.StatementSerializer(statements, many=True, context={"my_votes": my_votes}).data
        return paginator.get_paginated_response(data)

    @extend_schema(summary="Add a statement", parameters=[PAGE_ID], request=s.StatementCreateSerializer,
                   responses={201: s.StatementSerializer, **WRITE_ERRORS}, tags=["statements"])
    def post(self, request, page_id: int):
        page = _found(selectors.participation_page(page_id))
        text = self.validated(s.StatementCreateSerializer)["text"]
        statement = statement_create(actor=request.user, page=page, text=text)
        return Response(s.StatementSerializer(statement).data, status=status.HTTP_201_CREATED)


class NextStatementView(_VotingView):
    @extend_schema(summary="The next statement for you to vote on", parameters=[PAGE_ID],
                   description="Newest and least-voted first, so every statement gets votes. 204 when you "
                   "have voted on them all.",
                   responses={200: s.StatementSerializer, 204: None, **READ_ERRORS}, tags=["statements"])
    def get(self, request, page_id: int):
        page = _found(selectors.participation_page(page_id))
        statement = selectors.next_statement(user=request.user, page=page)
        if statement is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(s.StatementSerializer(statement).data)


class StatementVoteView(_VotingView):
    @extend_schema(summary="Agree, disagree or pass on a statement", request=s.StatementVoteSerializer,
                   responses={200: s.StatementSerializer, **WRITE_ERRORS}, tags=["votes"])
    def put(self, request, statement_id: int):
        statement = _found(selectors.statement_votable(statement_id))
        value = self.validated(s.StatementVoteSerializer)["value"]
        services.statement_vote_cast(actor=request.user, statement=statement, value=value)
        return Response(s.StatementSerializer(statement, context={"my_votes": {statement.pk: value}}).data)

    @extend_schema(summary="Withdraw your vote on a statement", request=None,
                   responses={200: s.StatementSerializer, **WRITE_ERRORS}, tags=["votes"])
    def delete(self, request, statement_id: int):
        statement = _found(selectors.statement_votable(statement_id))
        services.statement_vote_withdraw(actor=request.user, statement=statement)
        return Response(s.StatementSerializer(statement).data)


def _poll_data(page, poll, *, state: str, response) -> dict:
    visible = selectors.poll_results_visible(poll, state=state, answered=response is not None)
    return {"poll": poll, "state": state, "my_response": response,
            "results": selectors.poll_results(page, poll.id) if visible else None}


class PollListView(_VotingView):
    @extend_schema(summary="A page's polls, with results when they may be shown and your answer",
                   parameters=[PAGE_ID], responses={200: s.PollSerializer(many=True), **READ_ERRORS},
                   tags=["polls"])
    def get(self, request, page_id: int):
        page = _found(selectors.participation_page(page_id))
        state = selectors.page_state(page)
        mine = selectors.my_poll_responses(request.user, page)
        polls = [_poll_data(page, poll, state=state, response=mine.get(poll.id))
                 for poll in selectors.page_polls(page)]
        return Response(s.PollSerializer(polls, many=True).data)


class PollResponseView(_VotingView):
    @extend_schema(summary="Answer a poll, or change your answer until the page closes",
                   parameters=[PAGE_ID, OpenApiParameter("poll_id", OpenApiTypes.STR, OpenApiParameter.PATH,
                                                         description="The poll's id (from the list).")],
                   request=s.PollAnswerSerializer, responses={200: s.PollSerializer, **WRITE_ERRORS},
                   tags=["polls"])
    def put(self, request, page_id: int, poll_id: str):
        page = _found(selectors.participation_page(page_id))
        poll = _found(selectors.poll_on_page(page, poll_id))
        answer = self.validated(s.PollAnswerSerializer)
        response = services.poll_respond(actor=request.user, page=page, poll_id=poll.id,
                                         choices=answer.get("choices"), scale=answer.get("scale"),
                                         other_text=answer.get("other_text", ""))
        return Response(s.PollSerializer(_poll_data(page, poll, state=selectors.page_state(page),
                                                    response=response)).data)


urlpatterns = [
    path("comments/<int:comment_id>/vote/", CommentVoteView.as_view(), name="api-comment-vote"),
    path("pages/<int:page_id>/statements/", StatementListView.as_view(), name="api-statements"),
    path("pages/<int:page_id>/statements/next/", NextStatementView.as_view(), name="api-statement-next"),
    path("statements/<int:statement_id>/vote/", StatementVoteView.as_view(), name="api-statement-vote"),
    path("pages/<int:page_id>/polls/", PollListView.as_view(), name="api-polls"),
    path("pages/<int:page_id>/polls/<str:poll_id>/response/", PollResponseView.as_view(), name="api-poll-response"),
]
