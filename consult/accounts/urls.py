"""Participant profile pages, under /<lang>/account/ (allauth's own pages are under /accounts/)."""

from django.urls import path

from consult.accounts import views, views_privacy

app_name = "accounts"
urlpatterns = [
    path("profile/", views.profile, name="profile"),
    path("welcome/", views.welcome, name="welcome"),
    path("notifications/", views.notifications, name="notifications"),
    path("data/", views_privacy.data_download, name="data"),
    path("delete/", views_privacy.erase, name="erase"),
    path("deleted/", views_privacy.erased, name="erased"),
]
