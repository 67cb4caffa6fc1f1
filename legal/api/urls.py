"""``/api/``: one route per record type, the OpenAPI schema and its browsable docs.

The docs are Swagger UI served from the project's own static files (drf-spectacular-sidecar);
Redoc is left out because its page loads web fonts from a third-party host.
"""

from django.http import JsonResponse
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from . import views

app_name = "api"

router = DefaultRouter()
router.include_format_suffixes = False
router.register("jurisdictions", views.JurisdictionViewSet, basename="jurisdiction")
router.register("actors", views.ActorViewSet, basename="actor")
router.register("sources", views.SourceViewSet, basename="source")
router.register("attempts", views.AttemptViewSet, basename="attempt")
router.register("instruments", views.InstrumentViewSet, basename="instrument")
router.register("events", views.EventViewSet, basename="event")
router.register("systems", views.SystemViewSet, basename="system")
router.register("dpias", views.DPIAViewSet, basename="dpia")
router.register("rulings", views.RulingViewSet, basename="ruling")
router.register("responses", views.ResponseViewSet, basename="response")
router.register("developments", views.DevelopmentViewSet, basename="development")

# A version is named by its instrument's slug and its number.
VERSION = "versions/<slug:instrument>/<int:number>/"

urlpatterns = [
    path("versions/", views.VersionViewSet.as_view({"get": "list"}), name="version-list"),
    path(VERSION, views.VersionViewSet.as_view({"get": "retrieve"}), name="version-detail"),
    path(f"{VERSION}history/", views.VersionViewSet.as_view({"get": "history"}), name="version-history"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("", include(router.urls)),
    # Anything else under /api/ is a JSON 404 too, never the site's HTML page.
    re_path(r"", lambda request, *args, **kwargs: JsonResponse({"detail": "Not found."}, status=404)),
]
