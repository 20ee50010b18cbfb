from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.contrib.sitemaps import Sitemap
from wagtail.documents import urls as wagtaildocs_urls

from config import security
from consult import views as consult_views
from consult.accounts import views_privacy

handler400 = "config.errors.bad_request"
handler403 = "config.errors.permission_denied"
handler404 = "config.errors.page_not_found"
handler500 = "config.errors.server_error"

urlpatterns = [
    path("admin/login/", security.admin_login),  # one sign-in, with its limits and second factor
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("api/v1/", include("config.api_urls")),
    path("sitemap.xml", sitemap, {"sitemaps": {"pages": Sitemap}}),
    *i18n_patterns(
        path("search/", consult_views.search, name="search"),
        path("privacy/", views_privacy.privacy_notice, name="privacy"),
        path("accounts/", include("allauth.urls")),
        path("account/", include("consult.accounts.urls")),
        path("participate/", include("consult.urls")),
        path("vote/", include("voting.urls")),
        path("moderation/", include("moderation.urls")),
        path("reports/", include("reports.urls")),
        path("", include(wagtail_urls)),
        prefix_default_language=True,
    ),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns = static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT) + urlpatterns
