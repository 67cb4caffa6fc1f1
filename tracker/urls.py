from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.http import HttpResponse
from django.urls import include, path, reverse

from legal.sitemaps import SITEMAPS
from legal.views import data as data_views


def robots_txt(request):
    lines = ["User-agent: *", "Disallow: /admin/", "Disallow: /staff/", f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}"]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain")


admin.site.site_header = "Biometric Surveillance Law Tracker"
admin.site.site_title = "Tracker admin"
admin.site.index_title = "Moderation"

urlpatterns = [
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    path("robots.txt", robots_txt, name="robots_txt"),
    path("admin/", admin.site.urls),
    # The private staff area: logging developments and reviewing them.
    path("staff/", include("staff.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", include("legal.api.urls")),
    # Bulk data downloads (legal/exports.py), the same in every language.
    path("data/export.zip", data_views.export_zip, name="export_zip"),
    path("data/export.json", data_views.export_json, name="export_json"),
]

urlpatterns += i18n_patterns(
    path("", include("legal.urls")),
    path("alerts/", include("alerts.urls")),
    prefix_default_language=True,
)

# Nothing under MEDIA_ROOT is served as it is, not even in development: stored
# source files go through ``legal:source_file`` (published sources only) and
# exports through their views.
