"""Participation pages (no JavaScript needed), under /<lang>/participate/."""

from django.urls import path

from consult import views_comments as views
from consult import views_roundtable

app_name = "consult"
urlpatterns = [
    path("<int:page_id>/general/", views.discussion, name="general"),
    path("<int:page_id>/section/<str:section_id>/", views.discussion, name="section"),
    path("<int:page_id>/console/", views_roundtable.console, name="console"),
    path("<int:page_id>/present/", views_roundtable.presenter, name="presenter"),
    path("comment/<int:pk>/", views.permalink, name="comment"),
    path("comment/<int:pk>/reply/", views.reply, name="reply"),
    path("comment/<int:pk>/edit/", views.edit, name="edit"),
    path("comment/<int:pk>/withdraw/", views.withdraw, name="withdraw"),
]
