"""The moderators' admin panel: every model, with history, field diffs and a reason for each change."""

from django import forms
from django.contrib import admin
from django.contrib.contenttypes.admin import GenericTabularInline
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin, TranslationStackedInline, TranslationTabularInline
from simple_history.admin import SimpleHistoryAdmin

from legal import models, search
from legal.services import REASON_CREATED_IN_ADMIN


class ChangeReasonForm(forms.ModelForm):
    """Every change made in the admin carries a reason, kept in the record's history."""

    change_reason = forms.CharField(
        label=_("Reason for this change"),
        max_length=500,
        required=False,
        widget=forms.TextInput(attrs={"size": 80}),
        help_text=_(
            "Required when changing an existing record. Shown to the public in the record's "
            "history: describe the change, never name people."
        ),
    )

    def clean_change_reason(self):
        reason = self.cleaned_data["change_reason"].strip()
        if self.instance.pk and self.has_changed() and not reason:
            raise forms.ValidationError(_("Say briefly why you make this change."))
        return reason or REASON_CREATED_IN_ADMIN


def stamp(instance, request, reason):
    instance._change_reason = reason
    instance._history_user = request.user


class HistoryAdmin(SimpleHistoryAdmin):
    """Shared behaviour: the change reason goes to the record and to its inlines."""

    form = ChangeReasonForm

    def history_view(self, request, object_id, extra_context=None):
        # A malformed id (e.g. ".../1/change/history/") is a missing page, not a server error.
        try:
            self.model._meta.pk.to_python(unquote(object_id))
        except ValidationError as error:
            raise Http404(str(error)) from error
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # With SIMPLE_HISTORY_REVERT_DISABLED simple-history only hides the Revert
        # button; a POST to this view would still save the old version. Refuse it.
        if request.method == "POST" and self.revert_disabled(request):
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)

    def save_model(self, request, obj, form, change):
        stamp(obj, request, form.cleaned_data.get("change_reason") or REASON_CREATED_IN_ADMIN)
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        reason = form.cleaned_data.get("change_reason") or REASON_CREATED_IN_ADMIN
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            stamp(obj, request, reason)
            with search.removing(obj):
                obj.delete()
        for instance in instances:
            stamp(instance, request, reason)
            instance.save()
        formset.save_m2m()
        search.index_records(instances)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # After the many-to-many links and inlines: the search document quotes them.
        search.index_record(form.instance)
        # E-mail alerts hear of the record (and of new or edited inline rows) once the save commits.
        from alerts.changes import note_write

        note_write(form.instance, created=not change)
        for formset in formsets:
            for obj in getattr(formset, "new_objects", []):
                note_write(obj, created=True)
            for obj, _changed in getattr(formset, "changed_objects", []):
                note_write(obj, created=False)

    def delete_model(self, request, obj):
        stamp(obj, request, _("Deleted in the admin panel"))
        with search.removing(obj):
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with search.removing(*queryset):
            super().delete_queryset(request, queryset)


class TranslatedHistoryAdmin(HistoryAdmin, TranslationAdmin):
    pass


class CitationInline(GenericTabularInline):
    model = models.Citation
    extra = 0
    min_num = 0
    autocomplete_fields = ["source"]
    fields = ["source", "aspect", "asserted_value", "reliability", "credibility", "locator", "quote"]


class DatedAdminMixin:
    """List columns and filters for records with a fuzzy date."""

    date_fieldset = (
        _("Date"),
        {"fields": [("date", "date_precision", "date_season"), ("date_approximate", "date_end")]},
    )

    @admin.display(description=_("date"), ordering="date")
    def date_shown(self, obj):
        return obj.date_display


@admin.register(models.Jurisdiction)
class JurisdictionAdmin(TranslatedHistoryAdmin):
    list_display = ["name", "kind", "code", "parent"]
    list_filter = ["kind"]
    search_fields = ["name_en", "name_sr", "code", "slug"]
    autocomplete_fields = ["parent"]
    prepopulated_fields = {"slug": ["name_en"]}


@admin.register(models.Actor)
class ActorAdmin(TranslatedHistoryAdmin):
    list_display = ["name", "kind", "role", "jurisdiction", "affiliation"]
    list_filter = ["kind", "role", "jurisdiction"]
    search_fields = ["name_en", "name_sr", "slug", "position_en", "position_sr"]
    autocomplete_fields = ["jurisdiction", "affiliation"]
    prepopulated_fields = {"slug": ["name_en"]}
    list_select_related = ["jurisdiction", "affiliation"]


@admin.register(models.Source)
class SourceAdmin(DatedAdminMixin, TranslatedHistoryAdmin):
    list_display = ["title", "kind", "publisher", "date_shown", "sha256"]
    list_filter = ["kind", "date_precision"]
    search_fields = ["title", "author", "publisher", "url", "slug"]
    readonly_fields = ["sha256"]
    prepopulated_fields = {"slug": ["title"]}

    def save_model(self, request, obj, form, change):
        obj.refresh_sha256()
        super().save_model(request, obj, form, change)


@admin.register(models.Citation)
class CitationAdmin(HistoryAdmin):
    list_display = ["__str__", "content_type", "object_id", "aspect", "reliability", "credibility"]
    list_filter = ["reliability", "credibility", "aspect", "content_type"]
    search_fields = ["source__title", "quote", "asserted_value"]
    autocomplete_fields = ["source"]
    list_select_related = ["source", "content_type"]


class InstrumentVersionInline(TranslationStackedInline):
    model = models.InstrumentVersion
    extra = 0
    show_change_link = True
    autocomplete_fields = ["published_in"]
    fields = ["number", "label", ("date", "date_precision", "date_season", "date_approximate"), "published_in"]


class LifecycleEventInline(TranslationTabularInline):
    model = models.LifecycleEvent
    extra = 0
    show_change_link = True
    autocomplete_fields = ["instrument", "version"]
    fields = ["kind", "date", "date_precision", "date_season", "date_approximate", "deadline", "instrument", "version"]


class InstrumentEventInline(LifecycleEventInline):
    fk_name = "instrument"
    autocomplete_fields = ["attempt", "version"]
    fields = ["kind", "date", "date_precision", "date_season", "date_approximate", "deadline", "attempt", "version"]


@admin.register(models.Instrument)
class InstrumentAdmin(TranslatedHistoryAdmin):
    list_display = ["title", "kind", "jurisdiction", "status_shown"]
    list_filter = ["kind", "jurisdiction", "is_confidential"]
    search_fields = ["title_en", "title_sr", "slug"]
    autocomplete_fields = ["jurisdiction", "parties"]
    prepopulated_fields = {"slug": ["title_en"]}
    inlines = [InstrumentVersionInline, InstrumentEventInline, CitationInline]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("jurisdiction").prefetch_related("events")

    @admin.display(description=_("status (derived)"))
    def status_shown(self, obj):
        return obj.status.label


@admin.register(models.LegislativeAttempt)
class LegislativeAttemptAdmin(TranslatedHistoryAdmin):
    list_display = ["title", "jurisdiction", "initiator", "follows", "status_shown"]
    list_filter = ["jurisdiction"]
    search_fields = ["title_en", "title_sr", "slug"]
    autocomplete_fields = ["jurisdiction", "initiator", "follows", "instruments"]
    prepopulated_fields = {"slug": ["title_en"]}
    readonly_fields = ["status_shown"]
    inlines = [LifecycleEventInline, CitationInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("jurisdiction", "initiator", "follows")
            .prefetch_related("events", "instruments__events")
        )

    @admin.display(description=_("status (derived from events)"))
    def status_shown(self, obj):
        return obj.status.label if obj.pk else "—"


class ProvisionInline(TranslationStackedInline):
    model = models.Provision
    extra = 0
    fields = [("position", "number"), "heading", "text"]


@admin.register(models.InstrumentVersion)
class InstrumentVersionAdmin(DatedAdminMixin, TranslatedHistoryAdmin):
    list_display = ["__str__", "number", "date_shown"]
    list_filter = ["instrument__kind", "instrument__jurisdiction"]
    search_fields = ["label_en", "label_sr", "instrument__title_en", "instrument__title_sr"]
    autocomplete_fields = ["instrument", "published_in"]
    list_select_related = ["instrument"]
    inlines = [ProvisionInline, CitationInline]


@admin.register(models.Provision)
class ProvisionAdmin(TranslatedHistoryAdmin):
    list_display = ["__str__", "version", "position", "heading"]
    list_filter = ["version__instrument"]
    search_fields = ["number", "heading_en", "heading_sr", "text_en", "text_sr"]
    autocomplete_fields = ["version"]
    list_select_related = ["version__instrument"]


@admin.register(models.LifecycleEvent)
class LifecycleEventAdmin(DatedAdminMixin, TranslatedHistoryAdmin):
    list_display = ["__str__", "kind", "date_shown", "attempt", "instrument", "deadline"]
    list_filter = ["kind", "date_precision", "attempt", "instrument__jurisdiction"]
    search_fields = ["summary_en", "summary_sr", "attempt__title_en", "instrument__title_en"]
    autocomplete_fields = ["attempt", "instrument", "version", "provisions"]
    list_select_related = ["attempt", "instrument"]
    inlines = [CitationInline]


@admin.register(models.SurveillanceSystem)
class SurveillanceSystemAdmin(TranslatedHistoryAdmin):
    list_display = ["name", "jurisdiction", "operator"]
    list_filter = ["jurisdiction"]
    search_fields = ["name_en", "name_sr", "slug"]
    autocomplete_fields = ["jurisdiction", "operator", "vendors"]
    prepopulated_fields = {"slug": ["name_en"]}
    list_select_related = ["jurisdiction", "operator"]
    inlines = [CitationInline]


@admin.register(models.DPIASubmission)
class DPIASubmissionAdmin(DatedAdminMixin, TranslatedHistoryAdmin):
    list_display = ["title", "controller", "authority", "system", "round", "date_shown", "outcome_shown"]
    list_filter = ["authority", "controller", "system"]
    search_fields = ["title_en", "title_sr", "slug"]
    autocomplete_fields = ["controller", "authority", "system", "attempt"]
    prepopulated_fields = {"slug": ["title_en"]}
    inlines = [CitationInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("controller", "authority", "system")
            .prefetch_related("rulings")
        )

    @admin.display(description=_("outcome (from rulings)"))
    def outcome_shown(self, obj):
        return obj.get_outcome_display()


@admin.register(models.Ruling)
class RulingAdmin(DatedAdminMixin, TranslatedHistoryAdmin):
    list_display = ["title", "kind", "outcome", "authority", "date_shown"]
    list_filter = ["kind", "outcome", "authority"]
    search_fields = ["title_en", "title_sr", "summary_en", "summary_sr", "slug"]
    autocomplete_fields = ["authority", "dpia", "attempts", "instruments", "systems"]
    prepopulated_fields = {"slug": ["title_en"]}
    list_select_related = ["authority"]
    inlines = [CitationInline]


@admin.register(models.Response)
class ResponseAdmin(DatedAdminMixin, TranslatedHistoryAdmin):
    list_display = ["title", "kind", "jurisdiction", "date_shown", "in_reply_to"]
    list_filter = ["kind", "jurisdiction"]
    search_fields = ["title_en", "title_sr", "summary_en", "summary_sr", "slug"]
    autocomplete_fields = [
        "jurisdiction",
        "authors",
        "addressees",
        "in_reply_to",
        "attempts",
        "instruments",
        "rulings",
        "dpias",
        "systems",
    ]
    prepopulated_fields = {"slug": ["title_en"]}
    list_select_related = ["jurisdiction", "in_reply_to"]
    inlines = [CitationInline]


@admin.register(models.Development)
class DevelopmentAdmin(DatedAdminMixin, TranslatedHistoryAdmin):
    list_display = ["title", "kind", "jurisdiction", "date_shown"]
    list_filter = ["kind", "jurisdiction"]
    search_fields = ["title_en", "title_sr", "summary_en", "summary_sr", "slug"]
    autocomplete_fields = ["jurisdiction", "actors", "systems", "attempts"]
    prepopulated_fields = {"slug": ["title_en"]}
    list_select_related = ["jurisdiction"]
    inlines = [CitationInline]
