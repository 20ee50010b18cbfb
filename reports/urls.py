"""Reports' HTML pages under /<lang>/reports/."""

from django.urls import include, path

from reports import views, views_exports, views_response

app_name = "reports"
urlpatterns = [
    path("", views.index, name="index"),
    path("<int:page_id>/", views.consultation, name="consultation"),
    path("<int:page_id>/export/<str:dataset>.<str:fmt>", views_exports.export, name="export"),
    path("<int:page_id>/print/", views.printable, name="print"),
    path("<int:page_id>/response/", views_response.response, name="response"),
    path("archive/", include("reports.views_archive")),  # public records of closed consultations
]
