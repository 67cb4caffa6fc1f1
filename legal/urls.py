from django.urls import path

from legal import models
from legal.views import compare, history, pages, search, timeline
from legal import calendars, feeds  # Atom feeds and iCalendar files
from legal.views import data as data_views  # bulk data page (legal/exports.py)

app_name = "legal"

# Every record page has a public history page beside it.
RECORD_ROUTES = [
    ("attempts/<slug:slug>/", pages.AttemptDetailView, models.LegislativeAttempt, "attempt"),
    ("instruments/<slug:slug>/", pages.InstrumentDetailView, models.Instrument, "instrument"),
    (
        "instruments/<slug:slug>/versions/<int:number>/",
        pages.VersionDetailView,
        models.InstrumentVersion,
        "version",
    ),
    ("events/<int:pk>/", pages.EventDetailView, models.LifecycleEvent, "event"),
    ("dpias/<slug:slug>/", pages.DPIADetailView, models.DPIASubmission, "dpia"),
    ("rulings/<slug:slug>/", pages.RulingDetailView, models.Ruling, "ruling"),
    ("responses/<slug:slug>/", pages.ResponseDetailView, models.Response, "response"),
    ("developments/<slug:slug>/", pages.DevelopmentDetailView, models.Development, "development"),
    ("systems/<slug:slug>/", pages.SystemDetailView, models.SurveillanceSystem, "system"),
    ("actors/<slug:slug>/", pages.ActorDetailView, models.Actor, "actor"),
    ("jurisdictions/<slug:slug>/", pages.JurisdictionDetailView, models.Jurisdiction, "jurisdiction"),
    ("sources/<slug:slug>/", pages.SourceDetailView, models.Source, "source"),
]

urlpatterns = [
    path("", pages.HomeView.as_view(), name="home"),
    path("about/", pages.AboutView.as_view(), name="about"),
    path("timeline/", timeline.TimelineView.as_view(), name="timeline"),
    path("search/", search.SearchView.as_view(), name="search"),
    path("compare/", compare.CompareChooseView.as_view(), name="compare_choose"),
    path(
        "compare/<slug:left>/<int:left_number>/<slug:right>/<int:right_number>/",
        compare.CompareView.as_view(),
        name="compare",
    ),
    path("attempts/", pages.AttemptListView.as_view(), name="attempt_list"),
    path("instruments/", pages.InstrumentListView.as_view(), name="instrument_list"),
    path("dpias/", pages.DPIAListView.as_view(), name="dpia_list"),
    path("responses/", pages.ResponseListView.as_view(), name="response_list"),
    path("actors/", pages.ActorListView.as_view(), name="actor_list"),
    path("jurisdictions/", pages.JurisdictionListView.as_view(), name="jurisdiction_list"),
    path("sources/", pages.SourceListView.as_view(), name="source_list"),
    path("data/", data_views.DataView.as_view(), name="data"),
    # A published source's stored copy (never served straight from MEDIA_ROOT).
    path("sources/<slug:slug>/file/", pages.source_file, name="source_file"),
]

for route, view, model, name in RECORD_ROUTES:
    urlpatterns += [
        path(route, view.as_view(), name=f"{name}_detail"),
        path(f"{route}history/", history.RecordHistoryView.as_view(model=model), name=f"{name}_history"),
    ]

# Follow and reuse: Atom feeds (legal/feeds.py) and iCalendar files (legal/calendars.py).
urlpatterns += [
    path("feeds/", feeds.TimelineFeed(), name="feed"),
    path("feeds/attempts/<slug:slug>/", feeds.AttemptFeed(), name="attempt_feed"),
    path("feeds/jurisdictions/<slug:slug>/", feeds.JurisdictionFeed(), name="jurisdiction_feed"),
    path("feeds/actors/<slug:slug>/", feeds.ActorFeed(), name="actor_feed"),
    path("feeds/types/<str:kind>/", feeds.KindFeed(), name="kind_feed"),
    path("feeds/search/", feeds.SearchFeed(), name="search_feed"),
    path("calendars/all.ics", calendars.all_calendar, name="calendar"),
    path("calendars/attempts/<slug:slug>.ics", calendars.attempt_calendar, name="attempt_calendar"),
    path("calendars/jurisdictions/<slug:slug>.ics", calendars.jurisdiction_calendar, name="jurisdiction_calendar"),
]
