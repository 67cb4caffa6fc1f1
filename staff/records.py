"""Records as the staff area addresses them: /staff/records/<type>/<pk>/, where
<type> is the model's name ("ruling", "legislativeattempt" ...)."""

from django.http import Http404

from legal import models

RECORD_MODELS = {
    model._meta.model_name: model
    for model in (
        models.Jurisdiction,
        models.Actor,
        models.Source,
        models.Instrument,
        models.LegislativeAttempt,
        models.InstrumentVersion,
        models.LifecycleEvent,
        models.SurveillanceSystem,
        models.DPIASubmission,
        models.Ruling,
        models.Response,
        models.Development,
    )
}


def model_for(type_name):
    try:
        return RECORD_MODELS[type_name]
    except KeyError:
        raise Http404("No such record type.") from None


def get_record(type_name, pk):
    """Any record, whatever its visibility (the staff area is private)."""
    model = model_for(type_name)
    record = model._default_manager.filter(pk=pk).first()
    if record is None:
        raise Http404("No such record.")
    return record
