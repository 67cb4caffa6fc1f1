"""sitemap.xml: every public record page, in every interface language."""

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from legal import models
from legal.views.base import public_queryset


class RecordSitemap(Sitemap):
    i18n = True
    alternates = True
    x_default = True

    def __init__(self, model, select_related=()):
        self.model = model
        self.select_related = select_related

    def items(self):
        return public_queryset(self.model).select_related(*self.select_related).order_by("pk")

    def lastmod(self, obj):
        return getattr(obj, "updated_at", None)


class StaticSitemap(Sitemap):
    i18n = True
    alternates = True
    x_default = True

    def items(self):
        return [
            "legal:home",
            "legal:timeline",
            "legal:attempt_list",
            "legal:instrument_list",
            "legal:dpia_list",
            "legal:response_list",
            "legal:actor_list",
            "legal:jurisdiction_list",
            "legal:source_list",
            "legal:about",
        ]

    def location(self, item):
        return reverse(item)


SITEMAPS = {
    "pages": StaticSitemap(),
    "attempts": RecordSitemap(models.LegislativeAttempt),
    "instruments": RecordSitemap(models.Instrument),
    "versions": RecordSitemap(models.InstrumentVersion, ("instrument",)),
    "events": RecordSitemap(models.LifecycleEvent),
    "dpias": RecordSitemap(models.DPIASubmission),
    "rulings": RecordSitemap(models.Ruling),
    "responses": RecordSitemap(models.Response),
    "developments": RecordSitemap(models.Development),
    "systems": RecordSitemap(models.SurveillanceSystem),
    "actors": RecordSitemap(models.Actor),
    "jurisdictions": RecordSitemap(models.Jurisdiction),
    "sources": RecordSitemap(models.Source),
}
