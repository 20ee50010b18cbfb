"""HTML form endpoints (post/redirect/get) and the statement pages, under /<lang>/vote/."""

from django.urls import path

from voting import views

app_name = "voting"
urlpatterns = [
    path("comments/<int:comment_id>/", views.comment_vote, name="comment-vote"),
    path("statements/<int:statement_id>/", views.statement_vote, name="statement-vote"),
    path("<int:page_id>/statements/", views.statement_list, name="statement-list"),
    path("<int:page_id>/statements/add/", views.statement_add, name="statement-add"),
    path("<int:page_id>/statements/next/", views.statement_next, name="statement-next"),
    path("<int:page_id>/polls/<str:poll_id>/", views.poll_respond, name="poll-respond"),
]
