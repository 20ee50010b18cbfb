"""Moderation's HTML pages under /<lang>/moderation/."""

from django.urls import path

from moderation import views

app_name = "moderation"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("next/", views.next_case, name="next"),
    path("case/<int:case_id>/", views.case, name="case"),
    path("bulk/", views.bulk, name="bulk"),
    path("report/<str:kind>/<int:item_id>/", views.report, name="report"),
]
