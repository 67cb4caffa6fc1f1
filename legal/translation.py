"""Translated fields (English and Serbian) and version history for every model.

History is registered here rather than with ``history = HistoricalRecords()``
on the models: the historical tables must be built after modeltranslation has
added the ``*_en`` / ``*_sr`` fields, or those fields would not be tracked.
"""

import simple_history
from modeltranslation.translator import TranslationOptions, register

from legal import models


def options(*field_names):
    return type("Options", (TranslationOptions,), {"fields": field_names})


TRANSLATED_FIELDS = {
    models.Jurisdiction: ("name",),
    models.Actor: ("name", "position", "description"),
    models.Source: ("description",),
    models.Instrument: ("title", "summary"),
    models.LegislativeAttempt: ("title", "summary"),
    models.InstrumentVersion: ("label", "summary"),
    models.Provision: ("heading", "text"),
    models.LifecycleEvent: ("summary",),
    models.SurveillanceSystem: ("name", "description"),
    models.DPIASubmission: ("title", "summary"),
    models.Ruling: ("title", "summary", "findings"),
    models.Response: ("title", "summary"),
    models.Development: ("title", "summary"),
}

for model, fields in TRANSLATED_FIELDS.items():
    register(model)(options(*fields))

# Many-to-many links are part of a record's history too.
HISTORY_M2M_FIELDS = {
    models.Instrument: ["parties"],
    models.LegislativeAttempt: ["instruments"],
    models.LifecycleEvent: ["provisions"],
    models.SurveillanceSystem: ["vendors"],
    models.Ruling: ["attempts", "instruments", "systems"],
    models.Response: ["authors", "addressees", "attempts", "instruments", "rulings", "dpias", "systems"],
    models.Development: ["actors", "systems", "attempts"],
}

HISTORY_MODELS = [*TRANSLATED_FIELDS, models.Citation]

for model in HISTORY_MODELS:
    excluded = ["updated_at"] if any(field.name == "updated_at" for field in model._meta.fields) else []
    simple_history.register(
        model,
        m2m_fields=HISTORY_M2M_FIELDS.get(model, []),
        excluded_fields=excluded,
        app="legal",
    )
