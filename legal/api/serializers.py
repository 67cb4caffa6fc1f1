"""Serializers of the public API.

Every record carries stable identifiers (its slug; the pk for lifecycle
events; instrument slug and number for versions), an absolute ``url`` in the
API and an ``html_url`` of its public page. Linked records are given as short
references; the views only ever hand over linked records read through
``.published()`` (see ``legal.api.views``), so a reference is ``null`` or
missing rather than pointing at a record the public may not see.

Translated fields are given twice: ``title`` in English (the Serbian text when
there is no English one) and ``title_sr`` as typed. Labels and date texts are
in English.
"""

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from legal import models
from legal.dates import DatePrecision, Season
from legal.status import Status, tracker_stages
from legal.templatetags.legal_tags import title_of, tr

# The API name of each record type: its route (``/api/<route>/``) and URL names (``api:<name>-detail``).
API_NAMES = {
    models.Jurisdiction: "jurisdiction",
    models.Actor: "actor",
    models.Source: "source",
    models.LegislativeAttempt: "attempt",
    models.Instrument: "instrument",
    models.InstrumentVersion: "version",
    models.LifecycleEvent: "event",
    models.SurveillanceSystem: "system",
    models.DPIASubmission: "dpia",
    models.Ruling: "ruling",
    models.Response: "response",
    models.Development: "development",
}


def api_kwargs(record):
    """The URL keyword arguments that identify ``record`` in the API."""
    if isinstance(record, models.InstrumentVersion):
        return {"instrument": record.instrument.slug, "number": record.number}
    if isinstance(record, models.LifecycleEvent):
        return {"pk": record.pk}
    return {"slug": record.slug}


def absolute(request, path):
    return request.build_absolute_uri(path) if request is not None else path


def api_url(record, request, action="detail"):
    name = API_NAMES[record._meta.concrete_model]
    return absolute(request, reverse(f"api:{name}-{action}", kwargs=api_kwargs(record)))


def html_url(record, request):
    return absolute(request, record.get_absolute_url())


class LinksMixin(serializers.Serializer):
    url = serializers.SerializerMethodField(help_text="This record in the API.")
    html_url = serializers.SerializerMethodField(help_text="This record's public page.")

    def get_url(self, record) -> str:
        return api_url(record, self.context.get("request"))

    def get_html_url(self, record) -> str:
        return html_url(record, self.context.get("request"))


# Dates -------------------------------------------------------------------------------


class FuzzyDateSerializer(serializers.Serializer):
    """A date known to a precision (``legal.dates.FuzzyDate``), read from the record itself."""

    date = serializers.DateField(
        allow_null=True, help_text="First day of the period the date stands for; null when unknown."
    )
    precision = serializers.ChoiceField(choices=DatePrecision.choices)
    season = serializers.ChoiceField(
        choices=Season.choices, allow_blank=True, help_text="Only for the precision “season”, else empty."
    )
    approximate = serializers.BooleanField()
    end = serializers.DateField(allow_null=True, help_text="For a range: the first day of its last period.")
    display = serializers.CharField(help_text="The date as known, in English, e.g. “autumn 2019”.")
    iso = serializers.CharField(help_text="Machine-readable: 2019, 2019-10, 2019-10-30, ~2019, 2019/2020; empty when unknown.")

    def to_representation(self, record):
        fuzzy = record.fuzzy_date
        return {
            "date": fuzzy.date.isoformat() if fuzzy.date else None,
            "precision": fuzzy.precision,
            "season": fuzzy.season,
            "approximate": fuzzy.approximate,
            "end": fuzzy.end.isoformat() if fuzzy.end else None,
            "display": str(fuzzy),
            "iso": fuzzy.isoformat(),
        }


def fuzzy_date_field():
    return FuzzyDateSerializer(source="*", read_only=True)


# References to linked records ---------------------------------------------------------------


class RefSerializer(LinksMixin):
    """A short reference to a linked record."""

    slug = serializers.CharField()
    title = serializers.SerializerMethodField()

    def get_title(self, record) -> str:
        return str(title_of(record))


class VersionRefSerializer(LinksMixin):
    instrument = serializers.SerializerMethodField(help_text="The instrument's slug.")
    number = serializers.IntegerField()
    label = serializers.SerializerMethodField()

    def get_instrument(self, version) -> str:
        return version.instrument.slug

    def get_label(self, version) -> str:
        return tr(version, "label")


class EventRefSerializer(LinksMixin):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    date = fuzzy_date_field()


def ref(**kwargs):
    return RefSerializer(read_only=True, **kwargs)


# Citations -------------------------------------------------------------------------------


class CitedSourceSerializer(RefSerializer):
    web_address = serializers.CharField(source="url", help_text="Where the document can be read (may be empty).")


class CitationSerializer(serializers.ModelSerializer):
    source = CitedSourceSerializer(read_only=True)
    grade = serializers.CharField(read_only=True, help_text="Reliability and credibility together, e.g. B2.")
    reliability_label = serializers.CharField(source="get_reliability_display", read_only=True)
    credibility_label = serializers.CharField(source="get_credibility_display", read_only=True)

    class Meta:
        model = models.Citation
        fields = [
            "source", "reliability", "reliability_label", "credibility", "credibility_label", "grade",
            "aspect", "asserted_value", "locator", "quote",
        ]


# Records -------------------------------------------------------------------------------------


class EnglishText(serializers.Field):
    """A translated field in English (the Serbian text when there is no English one yet).

    The Serbian text as typed is the model's own ``<name>_sr`` field.
    """

    def __init__(self, **kwargs):
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, record):
        return tr(record, self.field_name)


extend_schema_field(OpenApiTypes.STR)(EnglishText)


class TranslatedMixin:
    """A Serbian text not yet typed is an empty string, as an English one would be."""

    def to_representation(self, instance):
        data = super().to_representation(instance)
        for key, value in data.items():
            if key.endswith("_sr") and value is None:
                data[key] = ""
        return data


class RecordSerializer(TranslatedMixin, LinksMixin, serializers.ModelSerializer):
    """Base of every record serializer: identifiers and links."""


def label_of(field_name):
    return serializers.CharField(source=f"get_{field_name}_display", read_only=True)


class CitedSerializer(RecordSerializer):
    citations = CitationSerializer(many=True, read_only=True)
    disputed_aspects = serializers.ListField(
        child=serializers.CharField(), read_only=True,
        help_text="Aspects for which the cited sources give different values.",
    )


class JurisdictionSerializer(RecordSerializer):
    name = EnglishText()
    kind_label = label_of("kind")
    parent = ref(allow_null=True)

    class Meta:
        model = models.Jurisdiction
        fields = ["slug", "url", "html_url", "name", "name_sr", "kind", "kind_label", "code", "parent"]


class ActorSerializer(RecordSerializer):
    name = EnglishText()
    position = EnglishText()
    description = EnglishText()
    kind_label = label_of("kind")
    role_label = label_of("role")
    jurisdiction = ref(allow_null=True)
    affiliation = ref(allow_null=True)
    website = serializers.CharField(source="url", read_only=True)

    class Meta:
        model = models.Actor
        fields = [
            "slug", "url", "html_url", "name", "name_sr", "kind", "kind_label", "role", "role_label",
            "position", "position_sr", "jurisdiction", "affiliation", "description", "description_sr", "website",
        ]


class SourceSerializer(RecordSerializer):
    description = EnglishText()
    kind_label = label_of("kind")
    date = fuzzy_date_field()
    web_address = serializers.CharField(source="url", read_only=True, help_text="Where the document can be read.")
    file_url = serializers.SerializerMethodField(help_text="The stored copy, if any.")

    class Meta:
        model = models.Source
        fields = [
            "slug", "url", "html_url", "title", "kind", "kind_label", "date", "author", "publisher", "web_address",
            "language", "description", "description_sr", "file_url", "sha256",
        ]

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_file_url(self, source):
        # Through the view that serves published sources' files only, never MEDIA_ROOT.
        if not source.file:
            return None
        return absolute(self.context.get("request"), reverse("legal:source_file", kwargs={"slug": source.slug}))


class StageSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Status.choices)
    label = serializers.CharField()
    reached = serializers.BooleanField()
    events = EventRefSerializer(many=True)

    def to_representation(self, stage):
        return {
            "status": str(stage.status),
            "label": str(stage.label),
            "reached": stage.reached,
            "events": EventRefSerializer(stage.events, many=True, context=self.context).data,
        }


class AttemptSerializer(CitedSerializer):
    title = EnglishText()
    summary = EnglishText()
    jurisdiction = ref(allow_null=True)
    initiator = ref(allow_null=True)
    follows = ref(allow_null=True)
    followed_by = ref(many=True)
    instruments = ref(many=True)
    status = serializers.SerializerMethodField(help_text="Derived from the lifecycle events.")
    status_label = serializers.SerializerMethodField()
    stages = serializers.SerializerMethodField(help_text="The stages of the status tracker.")
    consultation_deadline = serializers.DateField(read_only=True, allow_null=True)

    class Meta:
        model = models.LegislativeAttempt
        fields = [
            "slug", "url", "html_url", "title", "title_sr", "summary", "summary_sr", "jurisdiction", "initiator",
            "follows", "followed_by", "instruments", "status", "status_label", "stages", "consultation_deadline",
            "citations", "disputed_aspects",
        ]

    @extend_schema_field(serializers.ChoiceField(choices=Status.choices))
    def get_status(self, attempt):
        return str(attempt.status)

    def get_status_label(self, attempt) -> str:
        return str(Status(attempt.status).label)

    @extend_schema_field(StageSerializer(many=True))
    def get_stages(self, attempt):
        return StageSerializer(tracker_stages(attempt.all_events()), many=True, context=self.context).data


class InstrumentSerializer(CitedSerializer):
    title = EnglishText()
    summary = EnglishText()
    kind_label = label_of("kind")
    jurisdiction = ref(allow_null=True)
    parties = ref(many=True)
    attempts = ref(many=True)
    versions = VersionRefSerializer(many=True, read_only=True)
    status = serializers.SerializerMethodField(help_text="Derived from the lifecycle events.")
    status_label = serializers.SerializerMethodField()

    class Meta:
        model = models.Instrument
        fields = [
            "slug", "url", "html_url", "title", "title_sr", "kind", "kind_label", "summary", "summary_sr",
            "jurisdiction", "parties", "is_confidential", "attempts", "versions", "status", "status_label",
            "citations", "disputed_aspects",
        ]

    @extend_schema_field(serializers.ChoiceField(choices=Status.choices))
    def get_status(self, instrument):
        return str(instrument.status)

    def get_status_label(self, instrument) -> str:
        return str(Status(instrument.status).label)


class ProvisionSerializer(TranslatedMixin, serializers.ModelSerializer):
    heading = EnglishText()
    text = EnglishText()

    class Meta:
        model = models.Provision
        fields = ["position", "number", "heading", "heading_sr", "text", "text_sr"]


class VersionSerializer(CitedSerializer):
    label = EnglishText()
    summary = EnglishText()
    instrument = ref()
    date = fuzzy_date_field()
    published_in = ref(allow_null=True)
    provisions = ProvisionSerializer(many=True, read_only=True)

    class Meta:
        model = models.InstrumentVersion
        fields = [
            "instrument", "number", "url", "html_url", "label", "label_sr", "date", "summary", "summary_sr",
            "published_in", "provisions", "citations", "disputed_aspects",
        ]


class ProvisionRefSerializer(serializers.Serializer):
    position = serializers.IntegerField()
    number = serializers.CharField()


class EventSerializer(CitedSerializer):
    summary = EnglishText()
    kind_label = label_of("kind")
    date = fuzzy_date_field()
    attempt = ref(allow_null=True)
    instrument = ref(allow_null=True)
    version = VersionRefSerializer(read_only=True, allow_null=True)
    provisions = ProvisionRefSerializer(many=True, read_only=True)

    class Meta:
        model = models.LifecycleEvent
        fields = [
            "id", "url", "html_url", "kind", "kind_label", "date", "deadline", "attempt", "instrument", "version",
            "provisions", "summary", "summary_sr", "citations", "disputed_aspects",
        ]


class SystemSerializer(CitedSerializer):
    name = EnglishText()
    description = EnglishText()
    jurisdiction = ref(allow_null=True)
    operator = ref(allow_null=True)
    vendors = ref(many=True)

    class Meta:
        model = models.SurveillanceSystem
        fields = [
            "slug", "url", "html_url", "name", "name_sr", "description", "description_sr", "jurisdiction",
            "operator", "vendors", "citations", "disputed_aspects",
        ]


class DPIASerializer(CitedSerializer):
    title = EnglishText()
    summary = EnglishText()
    date = fuzzy_date_field()
    controller = ref(allow_null=True)
    authority = ref(allow_null=True)
    system = ref(allow_null=True)
    attempt = ref(allow_null=True)
    rulings = ref(many=True)
    outcome = serializers.SerializerMethodField(help_text="The outcome of the latest ruling; null while none.")
    outcome_label = serializers.SerializerMethodField()

    class Meta:
        model = models.DPIASubmission
        fields = [
            "slug", "url", "html_url", "title", "title_sr", "date", "round", "summary", "summary_sr", "controller",
            "authority", "system", "attempt", "rulings", "outcome", "outcome_label", "citations", "disputed_aspects",
        ]

    @extend_schema_field(serializers.ChoiceField(choices=models.Ruling.Outcome.choices, allow_null=True))
    def get_outcome(self, dpia):
        outcome = dpia.outcome
        return str(outcome) if outcome else None

    def get_outcome_label(self, dpia) -> str:
        return str(dpia.get_outcome_display())


class RulingSerializer(CitedSerializer):
    title = EnglishText()
    summary = EnglishText()
    findings = EnglishText()
    kind_label = label_of("kind")
    outcome_label = label_of("outcome")
    date = fuzzy_date_field()
    authority = ref(allow_null=True)
    dpia = ref(allow_null=True)
    attempts = ref(many=True)
    instruments = ref(many=True)
    systems = ref(many=True)

    class Meta:
        model = models.Ruling
        fields = [
            "slug", "url", "html_url", "title", "title_sr", "kind", "kind_label", "outcome", "outcome_label", "date",
            "summary", "summary_sr", "findings", "findings_sr", "authority", "dpia", "attempts", "instruments",
            "systems", "citations", "disputed_aspects",
        ]


class ResponseSerializer(CitedSerializer):
    title = EnglishText()
    summary = EnglishText()
    kind_label = label_of("kind")
    date = fuzzy_date_field()
    jurisdiction = ref(allow_null=True)
    authors = ref(many=True)
    addressees = ref(many=True)
    in_reply_to = ref(allow_null=True)
    replies = ref(many=True)
    attempts = ref(many=True)
    instruments = ref(many=True)
    rulings = ref(many=True)
    dpias = ref(many=True)
    systems = ref(many=True)

    class Meta:
        model = models.Response
        fields = [
            "slug", "url", "html_url", "title", "title_sr", "kind", "kind_label", "date", "summary", "summary_sr",
            "jurisdiction", "authors", "addressees", "in_reply_to", "replies", "attempts", "instruments", "rulings",
            "dpias", "systems", "citations", "disputed_aspects",
        ]


class DevelopmentSerializer(CitedSerializer):
    title = EnglishText()
    summary = EnglishText()
    kind_label = label_of("kind")
    date = fuzzy_date_field()
    jurisdiction = ref(allow_null=True)
    actors = ref(many=True)
    systems = ref(many=True)
    attempts = ref(many=True)

    class Meta:
        model = models.Development
        fields = [
            "slug", "url", "html_url", "title", "title_sr", "kind", "kind_label", "date", "summary", "summary_sr",
            "jurisdiction", "actors", "systems", "attempts", "citations", "disputed_aspects",
        ]


# History ----------------------------------------------------------------------------------------


class ChangeSerializer(serializers.Serializer):
    field = serializers.CharField(help_text="The field's label.")
    kind = serializers.ChoiceField(choices=["text", "value", "links"])
    before = serializers.CharField(allow_null=True, help_text="For text and values: the old value.")
    after = serializers.CharField(allow_null=True, help_text="For text and values: the new value.")
    added = serializers.ListField(child=serializers.CharField(), help_text="For links: the records linked.")
    removed = serializers.ListField(child=serializers.CharField(), help_text="For links: the records unlinked.")

    def to_representation(self, change):
        def text(value):
            if isinstance(value, list):  # word-diff segments of a text
                return "".join(segment.text for segment in value)
            return None if value is None else str(value)

        return {
            "field": str(change.label),
            "kind": change.kind,
            "before": text(change.before),
            "after": text(change.after),
            "added": [str(name) for name in change.added],
            "removed": [str(name) for name in change.removed],
        }


class HistoryEntrySerializer(serializers.Serializer):
    """One published change; attributed to the editorial team, dated to the day."""

    date = serializers.DateField(source="day")
    type = serializers.ChoiceField(choices=["created", "changed", "deleted"])
    reason = serializers.CharField()
    changes = ChangeSerializer(many=True)

    TYPES = {"+": "created", "~": "changed", "-": "deleted"}

    def to_representation(self, entry):
        return {
            "date": entry.day.isoformat(),
            "type": self.TYPES[entry.type],
            "reason": str(entry.reason),
            "changes": ChangeSerializer(entry.changes, many=True).data,
        }


class HistorySerializer(serializers.Serializer):
    url = serializers.URLField(help_text="The record in the API.")
    html_url = serializers.URLField(help_text="The record's public history page.")
    entries = HistoryEntrySerializer(many=True, help_text="Newest first.")
