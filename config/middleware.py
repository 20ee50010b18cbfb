"""Request plumbing that belongs to the composition of the site, not to any one app."""

from django.middleware.locale import LocaleMiddleware

# Paths outside i18n_patterns: they never get a language prefix.
UNPREFIXED = ("/api/", "/admin/", "/documents/", "/static/", "/media/", "/ws/", "/sitemap.xml")


class RayzanLocaleMiddleware(LocaleMiddleware):
    """Django's LocaleMiddleware, minus its 404 redirect for unprefixed paths.

    For a 404 on a path without a language prefix, LocaleMiddleware redirects to /<lang>/<path>
    when that resolves; under i18n_patterns Wagtail's catch-all resolves every path, so an API
    404 would become a redirect to an HTML page. The API, the admin and static files keep
    their own 404s; the language is still activated from Accept-Language for their messages.
    """

    def process_response(self, request, response):
        if request.path_info.startswith(UNPREFIXED):
            response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
            return response
        return super().process_response(request, response)
