"""Authoring pages of the staff area: log a development, follow one's own
changes, propose edits to published records.

Every write goes through ``legal.workflow``. A refusal (``ValidationError``)
is shown next to the field it is about, a stale form (``StaleEdit``) is shown
again with what the other person changed, and in every case the form keeps
what the user typed.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext, gettext_lazy as _
from django.views import View
from django.views.generic import TemplateView

from legal import models, search, workflow
from legal.models import ChangeRequest, Visibility
from legal.search import QueryTooLong
from staff import forms as staff_forms
from staff.diffs import change_summary
from staff.records import RECORD_MODELS, model_for
from staff.slugs import unique_slug

from . import lookup
from .base import StaffRequiredMixin

State = ChangeRequest.State

SEARCH_RESULTS = 30

SUBMITTED_MESSAGE = _("Submitted for review. A moderator will look at it; it is not public until approved.")
CONFLICT_MESSAGE = _(
    "It could not be saved because it conflicts with a stored record. Check the values and save again."
)


class _Refused(Exception):
    """A write was refused; the errors are on the forms and the transaction is rolled back."""


def _bump_total(data, prefix):
    """The posted data with one more empty row in formset ``prefix`` ("Add another …", no JavaScript)."""
    data = data.copy()
    key = f"{prefix}-TOTAL_FORMS"
    try:
        total = int(data.get(key, "0"))
    except ValueError:
        total = 0
    data[key] = str(min(total + 1, 20))
    return data


def _discard_files(sources):
    """Files stored for sources whose creation was rolled back."""
    for source in sources:
        if source.file:
            source.file.delete(save=False)


def _save_new_sources(rows, *, user, companions, stored):
    """Citations of the filled source rows, creating the new sources as drafts."""
    citations = []
    for row in rows:
        source = row.cleaned_data.get("source")
        if source is None:
            source = row.build_source()
            source.slug = unique_slug(models.Source, source.title)
            try:
                workflow.create_companion(source, user=user)
            except ValidationError as error:
                row.add_model_errors(error)
                raise _Refused from error
            stored.append(source)
            companions.append(source)
        citations.append(row.build_citation(source))
    return citations


def _can_see(user, change_request):
    """Other people's requests do not exist for staff: 404, not 403."""
    if not workflow.can_view(user, change_request):
        raise Http404(gettext("No such change."))


def _change_or_404(user, pk):
    change_request = get_object_or_404(ChangeRequest.objects.select_related("content_type"), pk=pk)
    _can_see(user, change_request)
    return change_request


# Logging a development -----------------------------------------------------------------------------------


class LogEditor:
    """The log form of one ``What``, its sources and new actors: for a new record or a draft row."""

    template_name = "staff/log_form.html"

    def __init__(self, request, what, instance, *, change_request=None):
        self.request, self.what, self.change_request = request, what, change_request
        self.user = request.user
        self.stale = None
        self.adding_row = False
        cache = {}
        data = files = None
        if request.method == "POST":
            data, files = request.POST, request.FILES
            if "add_source" in data:
                data, self.adding_row = _bump_total(data, "sources"), True
            elif "add_actor" in data:
                data, self.adding_row = _bump_total(data, "actors"), True
        initial = {}
        if change_request is not None:
            initial["expected_history_id"] = workflow.latest_history_id(instance)
        self.form = staff_forms.log_form_class(what)(
            data, files, instance=instance, initial=initial, user=self.user, cache=cache
        )
        self.form.fields["expected_history_id"].required = change_request is not None
        self.existing_citations = (
            list(instance.citations.select_related("source")) if instance.pk else []
        )
        self.sources = staff_forms.CitationFormSet(
            data, files, prefix="sources", form_kwargs={"user": self.user, "cache": cache},
            require_source=not self.existing_citations,
        )
        self.actors = None
        if what.actor_links:
            self.actors = staff_forms.NewActorFormSet(
                data, prefix="actors", form_kwargs={"link_choices": staff_forms.actor_link_choices(what)}
            )
        if self.adding_row:
            for form in self._all_forms():
                form.quiet()

    def _all_forms(self):
        return [form for form in (self.form, self.sources, self.actors) if form is not None]

    def is_valid(self):
        for form in self._all_forms():
            form.is_valid()
        # Checked even when other fields are wrong, so that every message shows at once.
        self._check_new_actors()
        return all(form.is_valid() for form in self._all_forms())

    def _check_new_actors(self):
        """Rules linking a new actor that no single form can check."""
        model = self.what.model
        linked = {}
        for form in self.actors.filled_forms if self.actors else []:
            name = form.cleaned_data.get("link_as")
            if not name:
                continue
            field = model._meta.get_field(name)
            linked.setdefault(name, []).append(form)
            role = form.cleaned_data.get("role")
            if name == "authority" and role and role != models.Actor.Role.SUPERVISORY_AUTHORITY:
                form.add_error(
                    "role",
                    _("Only a supervisory authority (data protection) can be linked as the authority."),
                )
            if not field.many_to_many and len(linked[name]) > 1:
                form.add_error("link_as", _("Only one new actor can be linked as “%(field)s”.") % {
                    "field": field.verbose_name})
            if not field.many_to_many and getattr(self.form, "cleaned_data", {}).get(name):
                form.add_error("link_as", _("You also chose one from the list above: keep only one of them."))
        for name in self.what.actor_links:
            field = model._meta.get_field(name)
            chosen = getattr(self.form, "cleaned_data", {}).get(name)
            if not field.many_to_many and not field.blank and name not in linked and not chosen:
                if name not in self.form.errors:
                    self.form.add_error(
                        name, _("Choose one from the list, or add it below under “Not in the list? Add an actor”.")
                    )

    def save(self, *, submit):
        """Save the draft (and submit it); ``None`` when refused, the errors then on the forms."""
        language = self.form.cleaned_data["language"]
        stored = []
        try:
            # The text may be in Serbian only: validate it with Serbian active.
            with staff_forms.content_language(language), transaction.atomic():
                return self._save(language, submit=submit, stored=stored)
        except _Refused:
            pass
        except workflow.StaleEdit as stale:
            self.stale = stale.changes
            data = self.form.data.copy()
            data[self.form.add_prefix("expected_history_id")] = str(workflow.latest_history_id(self.form.instance))
            self.form.data = data
        except IntegrityError:
            self.form.add_error(None, CONFLICT_MESSAGE)
        _discard_files(stored)
        return None

    def _save(self, language, *, submit, stored):
        user, what, instance = self.user, self.what, self.form.instance
        companions, new_actors = [], {}
        for form in self.actors.filled_forms if self.actors else []:
            actor = form.build_actor(language)
            actor.slug = unique_slug(models.Actor, form.cleaned_data["name"])
            try:
                workflow.create_companion(actor, user=user)
            except ValidationError as error:
                form.add_model_errors(error)
                raise _Refused from error
            companions.append(actor)
            new_actors.setdefault(form.cleaned_data["link_as"], []).append(actor)
        citations = _save_new_sources(self.sources.filled_forms, user=user, companions=companions, stored=stored)
        for name, actors in new_actors.items():
            if not what.model._meta.get_field(name).many_to_many:
                setattr(instance, name, actors[0])
        if hasattr(instance, "slug") and not instance.slug:
            instance.slug = unique_slug(what.model, self.form.cleaned_data.get("title", ""))
        links = self.form.links(new_actors)
        note = self.form.cleaned_data.get("note", "")
        try:
            if self.change_request is None:
                return workflow.create_draft(
                    instance, user=user, links=links, citations=citations, companions=companions, note=note,
                    submit=submit,
                )
            change_request = workflow.update_draft(
                self.change_request, instance, user=user,
                expected_history_id=self.form.cleaned_data["expected_history_id"],
                links=links, citations=citations, companions=companions, note=note,
            )
            if submit and change_request.state in (State.DRAFT, State.RETURNED):
                change_request = workflow.submit_change(change_request, user=user)
            return change_request
        except ValidationError as error:
            self.form.add_model_errors(error)
            raise _Refused from error

    def context(self):
        return {
            "what": self.what,
            "form": self.form,
            "sources": self.sources,
            "actors": self.actors,
            "change": self.change_request,
            "existing_citations": self.existing_citations,
            "stale": self.stale,
            "grading_help": staff_forms.GRADING_HELP,
            "show_lost_files": self.request.method == "POST",
            "has_errors": self._has_errors(),
            "actors_open": self.actors is not None
            and self.actors.is_bound
            and any(form.has_changed() or form.errors for form in self.actors.forms),
        }

    def _has_errors(self):
        if self.request.method != "POST" or self.adding_row:
            return False
        return bool(self.stale) or not all(form.is_valid() for form in self._all_forms())

    def render(self, extra=None):
        return render(self.request, self.template_name, {**self.context(), **(extra or {})})


def _saved_message(request, change_request, *, submitted):
    if submitted and change_request.state == State.SUBMITTED:
        messages.success(request, str(SUBMITTED_MESSAGE))
    elif change_request.state == State.SUBMITTED:
        # Revising something already in the queue keeps it there.
        messages.success(request, gettext("Changes saved. It is still waiting for review."))
    else:
        messages.success(request, gettext("Saved as a draft. It is not public; submit it for review when it is ready."))


def _post_log(request, editor):
    """Save a log form or an edit proposal (both editors share save/render)."""
    if editor.adding_row or not editor.is_valid():
        return editor.render()
    submit = "submit" in request.POST
    change_request = editor.save(submit=submit)
    if change_request is None:
        return editor.render()
    _saved_message(request, change_request, submitted=submit)
    return redirect("staff:change_detail", pk=change_request.pk)


class LogChooseView(StaffRequiredMixin, TemplateView):
    """ "What happened?": one big link per kind of development."""

    template_name = "staff/log_choose.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(groups=staff_forms.grouped_whats(), **kwargs)


class LogFormView(StaffRequiredMixin, View):
    def dispatch(self, request, *args, **kwargs):
        self.what = staff_forms.WHAT_BY_SLUG.get(kwargs.get("what"))
        return super().dispatch(request, *args, **kwargs)

    def _editor(self, request):
        if self.what is None:
            raise Http404(gettext("No such kind of development."))
        return LogEditor(request, self.what, self.what.model())

    def get(self, request, *args, **kwargs):
        return self._editor(request).render()

    def post(self, request, *args, **kwargs):
        return _post_log(request, self._editor(request))


# One change request --------------------------------------------------------------------------------------


class ChangeDetailView(StaffRequiredMixin, TemplateView):
    template_name = "staff/change_detail.html"

    def get_context_data(self, **kwargs):
        change_request = _change_or_404(self.request.user, kwargs["pk"])
        can_edit = workflow.can_edit(self.request.user, change_request) and change_request.record is not None
        record = change_request.record
        public_url = ""
        if record is not None and getattr(record, "visibility", None) == Visibility.PUBLISHED:
            public_url = record.get_absolute_url() if hasattr(record, "get_absolute_url") else ""
        return super().get_context_data(
            **change_summary(change_request),
            can_edit=can_edit,
            can_submit=can_edit and change_request.state in (State.DRAFT, State.RETURNED),
            public_url=public_url,
            **kwargs,
        )


class ChangeEditView(StaffRequiredMixin, View):
    """Edit an undecided change: the log form for a new record, the proposal form for an edit."""

    def _editor(self, request, pk):
        change_request = _change_or_404(request.user, pk)
        record = change_request.record
        if record is None:
            raise Http404(gettext("The record of this change no longer exists."))
        if not workflow.can_edit(request.user, change_request):
            return None, change_request
        if change_request.kind == ChangeRequest.Kind.CREATE:
            what = staff_forms.what_for(record)
            if what is None:
                raise Http404(gettext("This kind of record is edited in the admin panel."))
            return LogEditor(request, what, record, change_request=change_request), change_request
        return ProposeEditor(request, record, change_request=change_request), change_request

    def _decided(self, request, change_request):
        messages.error(request, gettext("This change has been decided and can no longer be edited."))
        return redirect("staff:change_detail", pk=change_request.pk)

    def get(self, request, pk):
        editor, change_request = self._editor(request, pk)
        if editor is None:
            return self._decided(request, change_request)
        return editor.render({"summary": change_summary(change_request)})

    def post(self, request, pk):
        editor, change_request = self._editor(request, pk)
        if editor is None:
            return self._decided(request, change_request)
        return _post_log(request, editor)


class ChangeSubmitView(StaffRequiredMixin, View):
    def get(self, request, pk):
        return HttpResponseNotAllowed(["POST"])

    def post(self, request, pk):
        change_request = _change_or_404(request.user, pk)
        try:
            workflow.submit_change(change_request, user=request.user)
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
        else:
            messages.success(request, str(SUBMITTED_MESSAGE))
        return redirect("staff:change_detail", pk=change_request.pk)


# Proposing an edit to a published record -------------------------------------------------------------------


def _apply_proposal(instance, change_request):
    """Show an edit request's proposed values on a copy of the record."""
    model = type(instance)
    fields = {field.attname: field for field in workflow.proposal_fields(model)}
    for key, raw in change_request.proposed.get("fields", {}).items():
        field = fields.get(key)
        if field is None:
            continue
        to_python = field.target_field.to_python if field.many_to_one else field.to_python
        value = None if raw is None else to_python(raw)
        setattr(instance, field.attname, value)
    return dict(change_request.proposed.get("links", {}))


class ProposeEditor:
    """The proposal form of a published record, with optional extra sources."""

    template_name = "staff/propose_edit.html"

    def __init__(self, request, record, *, change_request=None):
        self.request, self.record, self.change_request = request, record, change_request
        self.user = request.user
        self.stale = None
        self.adding_row = False
        model = type(record)
        copy = model._default_manager.get(pk=record.pk)
        initial = {"base_history_id": workflow.latest_history_id(record)}
        if change_request is not None:
            initial.update(_apply_proposal(copy, change_request))
            initial.update(
                reason=change_request.reason, note=change_request.note, expected_revision=change_request.revision
            )
        data = files = None
        if request.method == "POST":
            data, files = request.POST, request.FILES
            if "add_source" in data:
                data, self.adding_row = _bump_total(data, "sources"), True
        cache = {}
        self.form = staff_forms.propose_form_class(model)(
            data, instance=copy, initial=initial, user=self.user, record=record, cache=cache
        )
        # Actors, sources and jurisdictions are reference records: they cite nothing.
        self.sources = None
        if hasattr(record, "citations"):
            self.sources = staff_forms.CitationFormSet(
                data, files, prefix="sources", form_kwargs={"user": self.user, "cache": cache}, require_source=False
            )
        if self.adding_row:
            for form in self._all_forms():
                form.quiet()

    def _all_forms(self):
        return [form for form in (self.form, self.sources) if form is not None]

    def is_valid(self):
        return all([form.is_valid() for form in self._all_forms()])

    def save(self, *, submit):
        stored = []
        data = self.form.cleaned_data
        try:
            with transaction.atomic():
                companions = []
                rows = self.sources.filled_forms if self.sources is not None else []
                citations = _save_new_sources(rows, user=self.user, companions=companions, stored=stored)
                try:
                    return workflow.propose_edit(
                        self.record, user=self.user, values=self.form.values(), links=self.form.links(),
                        citations=citations, companions=companions, base_history_id=data["base_history_id"],
                        reason=data["reason"], note=data.get("note", ""), submit=submit,
                        change_request=self.change_request, expected_revision=data.get("expected_revision"),
                    )
                except ValidationError as error:
                    self.form.add_model_errors(error)
                    raise _Refused from error
        except _Refused:
            pass
        except workflow.StaleEdit as stale:
            self.stale = stale.changes
            fresh = self.form.data.copy()
            fresh[self.form.add_prefix("base_history_id")] = str(workflow.latest_history_id(self.record))
            if self.change_request is not None:
                self.change_request.refresh_from_db()
                fresh[self.form.add_prefix("expected_revision")] = str(self.change_request.revision)
            self.form.data = fresh
        except IntegrityError:
            self.form.add_error(None, CONFLICT_MESSAGE)
        _discard_files(stored)
        return None

    def context(self):
        record = self.record
        open_proposal = None
        if self.change_request is None:
            open_proposal = (
                ChangeRequest.objects.for_record(record).open().authored_by(self.user)
                .filter(kind=ChangeRequest.Kind.EDIT).first()
            )
        return {
            "record": record,
            "record_type": record._meta.verbose_name,
            "record_title": staff_forms.record_label(record),
            "form": self.form,
            "sources": self.sources,
            "change": self.change_request,
            "stale": self.stale,
            "open_proposal": open_proposal,
            "sources_open": self.sources is not None
            and self.sources.is_bound
            and (
                bool(self.sources.non_form_errors())
                or any(form.has_changed() or form.errors for form in self.sources.forms)
            ),
            "grading_help": staff_forms.GRADING_HELP,
            "show_lost_files": self.request.method == "POST",
            "has_errors": self.request.method == "POST" and not self.adding_row
            and (bool(self.stale) or not self.is_valid()),
        }

    def render(self, extra=None):
        return render(self.request, self.template_name, {**self.context(), **(extra or {})})


def _published_record_or_404(type_name, pk):
    model = model_for(type_name)
    record = model._default_manager.filter(pk=pk).first()
    if record is None or getattr(record, "visibility", Visibility.PUBLISHED) != Visibility.PUBLISHED:
        raise Http404(gettext("No such published record."))
    return record


class ProposeEditView(StaffRequiredMixin, View):
    def get(self, request, type, pk):
        return ProposeEditor(request, _published_record_or_404(type, pk)).render()

    def post(self, request, type, pk):
        return _post_log(request, ProposeEditor(request, _published_record_or_404(type, pk)))


class RecordSearchView(StaffRequiredMixin, TemplateView):
    """Find a published record to propose an edit to."""

    template_name = "staff/record_search.html"

    def get_context_data(self, **kwargs):
        form = staff_forms.RecordSearchForm(self.request.GET or None)
        results, count = [], 0
        if form.is_bound and form.is_valid() and form.cleaned_data["q"]:
            try:
                found = search.search(form.cleaned_data["q"])
                count = found.count()
                results = [
                    {"hit": hit, "edit_url": reverse("staff:propose_edit", args=[name, hit.record.pk])}
                    for hit in found[:SEARCH_RESULTS]
                    if (name := type(hit.record)._meta.model_name) in RECORD_MODELS
                ]
            except QueryTooLong:
                form.add_error("q", _("The search is too long."))
        return super().get_context_data(form=form, results=results, count=count, shown=SEARCH_RESULTS, **kwargs)


urlpatterns = [
    path("log/", LogChooseView.as_view(), name="log"),
    path("log/<str:what>/", LogFormView.as_view(), name="log_form"),
    path("changes/<int:pk>/", ChangeDetailView.as_view(), name="change_detail"),
    path("changes/<int:pk>/edit/", ChangeEditView.as_view(), name="change_edit"),
    path("changes/<int:pk>/submit/", ChangeSubmitView.as_view(), name="change_submit"),
    path("records/", RecordSearchView.as_view(), name="record_search"),
    path("records/<str:type>/<int:pk>/edit/", ProposeEditView.as_view(), name="propose_edit"),
    path("lookup/<str:type>/", lookup.LookupView.as_view(), name="lookup"),
]
