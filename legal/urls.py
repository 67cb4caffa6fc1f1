from django.urls import path

from legal import views

app_name = "legal"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("attempts/<slug:slug>/", views.AttemptDetailView.as_view(), name="attempt_detail"),
    path("instruments/<slug:slug>/", views.InstrumentDetailView.as_view(), name="instrument_detail"),
    path("instruments/<slug:slug>/versions/<int:number>/", views.VersionDetailView.as_view(), name="version_detail"),
    path("events/<int:pk>/", views.EventDetailView.as_view(), name="event_detail"),
    path("dpias/<slug:slug>/", views.DPIADetailView.as_view(), name="dpia_detail"),
    path("rulings/<slug:slug>/", views.RulingDetailView.as_view(), name="ruling_detail"),
    path("responses/<slug:slug>/", views.ResponseDetailView.as_view(), name="response_detail"),
    path("developments/<slug:slug>/", views.DevelopmentDetailView.as_view(), name="development_detail"),
    path("systems/<slug:slug>/", views.SystemDetailView.as_view(), name="system_detail"),
    path("actors/<slug:slug>/", views.ActorDetailView.as_view(), name="actor_detail"),
    path("jurisdictions/<slug:slug>/", views.JurisdictionDetailView.as_view(), name="jurisdiction_detail"),
    path("sources/<slug:slug>/", views.SourceDetailView.as_view(), name="source_detail"),
]
