"""Reports' HTML pages under /<lang>/reports/."""

from django.urls import path

from reports import views

app_name = "reports"
urlpatterns = [
    path("", views.index, name="index"),
    path("<int:page_id>/", views.consultation, name="consultation"),
    path("<int:page_id>/print/", views.printable, name="print"),
]
