"""Moderation's HTML pages under /<lang>/moderation/."""

from django.urls import path

from moderation import views, views_appeals, views_people, views_transparency

app_name = "moderation"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("next/", views.next_case, name="next"),
    path("case/<int:case_id>/", views.case, name="case"),
    path("case/<int:case_id>/escalate/", views.escalate, name="escalate"),
    path("escalated/", views.escalated, name="escalated"),
    path("bulk/", views.bulk, name="bulk"),
    path("appeal/<int:case_id>/", views_appeals.appeal, name="appeal"),
    path("appeals/", views_appeals.appeals, name="appeals"),
    path("appeals/<int:appeal_id>/", views_appeals.appeal_decide, name="appeal_decide"),
    path("people/<int:user_id>/", views_people.person, name="person"),
    path("sanctions/<int:sanction_id>/lift/", views_people.lift, name="lift"),
    path("report/<str:kind>/<int:item_id>/", views.report, name="report"),
    path("transparency/<int:page_id>/", views_transparency.public_report, name="transparency"),
    path("statistics/", views_transparency.my_statistics, name="statistics"),
]
