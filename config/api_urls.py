from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from consult.api import router as consult_router

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its start-up script as a file, so the docs need no inline script (CSP).
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("", include("consult.accounts.api")),
    path("", include("voting.api")),
    path("", include("moderation.api")),
    path("", include("moderation.api_appeals")),
    path("", include("reports.api")),
    path("", include("consult.accounts.api_notifications")),
    path("", include("consult.accounts.api_privacy")),
    path("", include("moderation.api_transparency")),
    path("", include("consult.api_comments")),
    path("", include("consult.api_events")),
    path("", include("consult.api_roundtable")),
    path("", include("reports.api_exports")),
    path("", include("reports.api_archive")),
    path("", include(consult_router.urls)),
]
