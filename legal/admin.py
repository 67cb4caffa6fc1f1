"""The moderators' admin panel: every model, with history, field diffs and a reason for each change.

Records the public can see are never hard-deleted here: removal from public
view is a moderation action in the staff area (``staff.views.review``), which
keeps the record and can undo it. Drafts are listed too, with their
visibility, because moderators keep them clean as well. A stale change form
is refused (optimistic concurrency on the record's history), and a published
record cannot be made to link to a record the public cannot see.
"""

from django import forms
from django.contrib import admin
from django.contrib.contenttypes.admin import BaseGenericInlineFormSet, GenericTabularInline
from django.contrib.admin.utils import unquote
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.forms.models import BaseInlineFormSet
from django.http import Http404
from django.shortcuts import redirect
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.translation import gettext, gettext_lazy as _
from modeltranslation.admin import TranslationAdmin, TranslationStackedInline, TranslationTabularInline
from simple_history.admin import SimpleHistoryAdmin

from legal import models, search, workflow
from legal.models import Visibility
from legal.services import REASON_CREATED_IN_ADMIN

# The admin index leads moderators to the review queue.
admin.site.index_template = "staff/admin/index.html"


def is_publishable(model):
    return issubclass(model, models.Publishable)


def unpublished_links(model, cleaned_data):
    """``{field name: [targets]}``: links in a form's cleaned data to records the public cannot see."""
    found = {}
    for name, value in cleaned_data.items():
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        if not (field.many_to_one or field.one_to_one or field.many_to_many) or field.related_model is None:
            continue
        if not is_publishable(field.related_model) or value is None:
            continue
        targets = list(value) if field.many_to_many else [value]
        hidden = [target for target in targets if target.visibility != Visibility.PUBLISHED]
        if hidden:
            found[name] = hidden
    return found


def unpublished_links_message(targets):
    return gettext(
        "The public cannot see %(names)s (not yet published, or removed from public view). A published record "
        "may only link to published records: publish or restore it first, or leave it out."
    ) % {"names": "; ".join(f"“{target}”" for target in targets)}


class ConcurrencyTokenField(forms.IntegerField):
    """The record's newest history id when the form was rendered.

    It identifies the version the moderator edited; it is never a change in
    itself, so an untouched form still needs no reason.
    """

    widget = forms.HiddenInput

    def has_changed(self, initial, data):
        return False


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

    history_token = ConcurrencyTokenField(label=_("Version you started from"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["history_token"].initial = workflow.latest_history_id(self.instance)

    def clean_change_reason(self):
        reason = self.cleaned_data["change_reason"].strip()
        if self.instance.pk and self.has_changed() and not reason:
            raise forms.ValidationError(_("Say briefly why you make this change."))
        return reason or REASON_CREATED_IN_ADMIN

    def clean(self):
        cleaned = super().clean()
        self.refuse_stale_form(cleaned.get("history_token"))
        if getattr(self.instance, "visibility", None) == Visibility.PUBLISHED:
            for name, targets in unpublished_links(self._meta.model, cleaned).items():
                self.add_error(name, unpublished_links_message(targets))
        return cleaned

    def refuse_stale_form(self, token):
        """Refuse to overwrite a version saved after this form was rendered; say what changed."""
        if not self.instance.pk or token is None:
            return
        model = self.instance._meta.concrete_model
        # The admin saves inside one transaction: the lock holds until this save is done.
        stored = model._default_manager.select_for_update().filter(pk=self.instance.pk).first()
        if stored is None:
            return
        current = workflow.latest_history_id(stored)
        if current == token:
            return
        try:
            before = workflow.historical_snapshot(stored, token)
            changes = workflow.diff_snapshots(model, before, workflow.snapshot(stored))
        except ValidationError:
            changes = []
        # The form now carries the newest version: saving it again is a deliberate overwrite.
        self.data = self.data.copy()
        self.data[self.add_prefix("history_token")] = current
        if changes:
            details = "; ".join(f"{change.label}: “{change.before}” → “{change.after}”" for change in changes)
            message = gettext(
                "Someone else saved this record after you opened this form. They changed: %(changes)s. "
                "Your input is kept below: compare it with theirs, then save again."
            ) % {"changes": details}
        else:
            message = gettext(
                "Someone else saved this record after you opened this form (its visibility, links or sources). "
                "Your input is kept below: check the record, then save again."
            )
        self.add_error(None, message)


def stamp(instance, request, reason):
    instance._change_reason = reason
    instance._history_user = request.user


class HistoryAdmin(SimpleHistoryAdmin):
    """Shared behaviour: the change reason goes to the record and to its inlines.

    For records the public can see (``Publishable``): visibility is shown,
    filtered on and never edited here, and there is no hard delete.
    """

    form = ChangeReasonForm
    change_form_template = "staff/admin/record_change_form.html"

    def get_list_display(self, request):
        shown = list(super().get_list_display(request))
        if is_publishable(self.model) and "visibility" not in shown:
            shown.append("visibility")
        return shown

    def get_list_filter(self, request):
        filters = list(super().get_list_filter(request))
        if is_publishable(self.model) and "visibility" not in filters:
            filters.insert(0, "visibility")
        return filters

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if is_publishable(self.model) and "visibility" not in fields:
            fields.append("visibility")
        return fields

    def has_delete_permission(self, request, obj=None):
        # Removal from public view is soft, reviewed and undoable: staff area only.
        if is_publishable(self.model):
            return False
        return super().has_delete_permission(request, obj)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = dict(extra_context or {})
        if is_publishable(self.model) and str(object_id).isdigit():
            try:
                extra_context["staff_history_url"] = reverse(
                    "staff:record_history", kwargs={"type": self.model._meta.model_name, "pk": int(object_id)}
                )
            except NoReverseMatch:
                pass
            extra_context["open_changes"] = list(
                models.ChangeRequest.objects.filter(
                    content_type__app_label=self.model._meta.app_label,
                    content_type__model=self.model._meta.model_name,
                    object_id=int(object_id),
                    state__in=[*models.ChangeRequest.OPEN_STATES, models.ChangeRequest.State.SCHEDULED],
                ).order_by("created_at", "pk")
            )
        return super().change_view(request, object_id, form_url, extra_context)

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


def _check_inline_links(formset, parent_published):
    """Refuse inline rows that would make the public see a link to a hidden record.

    A row is public when it is itself published (records) or when its parent
    is (citations); a new published row under an unpublished parent would be
    public while its parent is not.
    """
    fk = getattr(formset, "fk", None)
    for form in formset.forms:
        cleaned = getattr(form, "cleaned_data", None)
        if not cleaned or cleaned.get("DELETE") or not form.has_changed():
            continue
        if is_publishable(formset.model):
            row_published = form.instance.visibility == Visibility.PUBLISHED
        else:
            row_published = parent_published
        if not row_published:
            continue
        for name, targets in unpublished_links(formset.model, cleaned).items():
            if fk is not None and name == fk.name:
                form.add_error(
                    None,
                    gettext(
                        "This record is not published: add this row through the staff area with it, "
                        "or publish the record first."
                    ),
                )
            else:
                form.add_error(name, unpublished_links_message(targets))


class PublishedLinksInlineFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        _check_inline_links(self, getattr(self.instance, "visibility", None) == Visibility.PUBLISHED)


class PublishedLinksGenericInlineFormSet(BaseGenericInlineFormSet):
    def clean(self):
        super().clean()
        _check_inline_links(self, getattr(self.instance, "visibility", None) == Visibility.PUBLISHED)


class CitationInline(GenericTabularInline):
    model = models.Citation
    formset = PublishedLinksGenericInlineFormSet
    extra = 0
    min_num = 0
    autocomplete_fields = ["source"]
    fields = ["source", "aspect", "asserted_value", "reliability", "credibility", "locator", "quote"]


class CitationForm(ChangeReasonForm):
    def clean(self):
        cleaned = super().clean()
        source, content_type, object_id = cleaned.get("source"), cleaned.get("content_type"), cleaned.get("object_id")
        if source is None or source.visibility == Visibility.PUBLISHED or content_type is None or object_id is None:
            return cleaned
        model = content_type.model_class()
        if model is None or not is_publishable(model):
            return cleaned
        if model._default_manager.published().filter(pk=object_id).exists():
            self.add_error("source", unpublished_links_message([source]))
        return cleaned


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

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        # Stored files are not served from MEDIA_ROOT: "Currently:" links to
        # the staff area's download, which works for drafts too.
        if obj is not None and "file" in form.base_fields:
            form.base_fields["file"].widget = PrivateFileInput(download_url=reverse("staff:source_file", args=[obj.pk]))
        return form

    def save_model(self, request, obj, form, change):
        obj.refresh_sha256()
        super().save_model(request, obj, form, change)


class _StoredCopy:
    """A stored file as the file widget shows it, linking to a private download."""

    def __init__(self, value, url):
        self.value, self.url = value, url

    def __str__(self):
        return str(self.value)


class PrivateFileInput(forms.ClearableFileInput):
    def __init__(self, *args, download_url, **kwargs):
        super().__init__(*args, **kwargs)
        self.download_url = download_url

    def format_value(self, value):
        if self.is_initial(value):
            return _StoredCopy(value, self.download_url)
        return super().format_value(value)


@admin.register(models.Citation)
class CitationAdmin(HistoryAdmin):
    form = CitationForm
    list_display = ["__str__", "content_type", "object_id", "aspect", "reliability", "credibility"]
    list_filter = ["reliability", "credibility", "aspect", "content_type"]
    search_fields = ["source__title", "quote", "asserted_value"]
    autocomplete_fields = ["source"]
    list_select_related = ["source", "content_type"]


class InstrumentVersionInline(TranslationStackedInline):
    model = models.InstrumentVersion
    formset = PublishedLinksInlineFormSet
    extra = 0
    show_change_link = True
    can_delete = False  # soft removal only, in the staff area
    autocomplete_fields = ["published_in"]
    readonly_fields = ["visibility"]
    fields = [
        "number",
        "label",
        ("date", "date_precision", "date_season", "date_approximate"),
        "published_in",
        "visibility",
    ]


class LifecycleEventInline(TranslationTabularInline):
    model = models.LifecycleEvent
    formset = PublishedLinksInlineFormSet
    extra = 0
    show_change_link = True
    can_delete = False  # soft removal only, in the staff area
    autocomplete_fields = ["instrument", "version"]
    readonly_fields = ["visibility"]
    fields = [
        "kind", "date", "date_precision", "date_season", "date_approximate", "deadline", "instrument", "version",
        "visibility",
    ]


class InstrumentEventInline(LifecycleEventInline):
    fk_name = "instrument"
    autocomplete_fields = ["attempt", "version"]
    fields = [
        "kind", "date", "date_precision", "date_season", "date_approximate", "deadline", "attempt", "version",
        "visibility",
    ]


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


# The review log ---------------------------------------------------------------------------


@admin.register(models.ChangeRequest)
class ChangeRequestAdmin(admin.ModelAdmin):
    """Proposed changes, read only: decisions are taken on the review page of the staff area."""

    list_display = [
        "review_link",
        "content_type",
        "kind_shown",
        "state",
        "author",
        "created_at",
        "submitted_at",
        "publish_at",
        "decided_at",
        "reviewed_by",
    ]
    list_display_links = None
    list_filter = ["state", "kind", ("content_type", admin.RelatedOnlyFieldListFilter), "submitted_at", "decided_at"]
    search_fields = ["reason", "author__username"]
    list_select_related = ["content_type", "author", "reviewed_by"]
    ordering = ["-updated_at", "-pk"]
    actions = None
    change_list_template = "staff/admin/changerequest_change_list.html"

    def get_queryset(self, request):
        # The generic relation to the record, resolved once per record type.
        return super().get_queryset(request).prefetch_related("record")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # The review page shows the change, its diff and its private log.
        if not str(object_id).isdigit():
            raise Http404
        return redirect("staff:review", pk=int(object_id))

    @admin.display(description=_("record"))
    def review_link(self, obj):
        return format_html('<a href="{}">{}</a>', reverse("staff:review", args=[obj.pk]), obj.record_label)

    @admin.display(description=_("kind"), ordering="kind")
    def kind_shown(self, obj):
        if obj.restores_history_id:
            return gettext("Restore of an earlier version")
        return obj.get_kind_display()
