"""Forms of the staff area's authoring pages.

- ``WHATS``: the answers to "what happened?", each a record type with a preset
  kind and only the fields that matter for it.
- ``LogForm``: one development, built for one ``What``.
- ``CitationFormSet``: its sources, each an existing source or a new one (web
  address and/or file) with its grading.
- ``NewActorFormSet``: actors missing from the lists, created with it.
- ``ProposeForm``: an edit to a published record, every proposable field in
  both languages.

Link fields are plain ``<select>``s of the records the user may link to
(``visible_records``); ``staff/lookup.js`` turns them into search-as-you-type.
"""

from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator
from django.db.models import Q
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import translation
from django.utils.choices import BaseChoiceIterator
from django.utils.http import urlencode
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from legal import models, workflow
from legal.dates import DatePrecision, Season
from legal.models import ChangeRequest, Visibility
from legal.models.sources import ALLOWED_SOURCE_FILE_EXTENSIONS
from legal.search import display_title
from legal.status import EventKind
from legal.templatetags.legal_tags import is_serbian
from legal.translation import TRANSLATED_FIELDS

# Content languages: what staff type goes into the ``_sr`` or ``_en`` columns.
CONTENT_LANGUAGES = [("sr", _("Serbian")), ("en", _("English"))]
LANGUAGE_NAMES = dict(CONTENT_LANGUAGES)


def default_content_language():
    return "sr" if is_serbian(translation.get_language()) else "en"


def content_language(code):
    """Validate and save a record in the language its text was typed in.

    The untranslated ``title`` of a record falls back to English only; a
    record written in Serbian alone must be checked with Serbian active.
    """
    return translation.override("sr-latn" if code == "sr" else "en")


# Which records a staff member may link to -------------------------------------------------------

# Requests whose records are still on their way to the public: linking to them is fine.
LINKABLE_REQUEST_STATES = (*ChangeRequest.OPEN_STATES, ChangeRequest.State.SCHEDULED)


def _visible_draft_keys(user):
    """``{(model label, pk)}`` of the drafts ``user`` may see: their own new records and the
    records created with their requests; a moderator sees every one still under way.

    Cached on the user object for the length of the request: every link field asks.
    """
    cached = getattr(user, "_staff_visible_drafts", None)
    if cached is not None:
        return cached
    requests = ChangeRequest.objects.filter(state__in=LINKABLE_REQUEST_STATES)
    if not workflow.is_moderator(user):
        requests = requests.filter(author=user)
    keys = set()
    for kind, content_type_id, object_id, companions in requests.values_list(
        "kind", "content_type_id", "object_id", "companions"
    ):
        if kind == ChangeRequest.Kind.CREATE:
            keys.add((ContentType.objects.get_for_id(content_type_id).model_class()._meta.label_lower, object_id))
        keys.update((label, pk) for label, pk in companions)
    user._staff_visible_drafts = keys
    return keys


def visible_records(model, user):
    """Published records, and the drafts ``user`` may see (never removed ones)."""
    manager = model._default_manager
    if not issubclass(model, models.Publishable):
        return manager.all()
    label = model._meta.label_lower
    drafts = [pk for key, pk in _visible_draft_keys(user) if key == label]
    return manager.filter(Q(visibility=Visibility.PUBLISHED) | Q(visibility=Visibility.DRAFT, pk__in=drafts))


# Link fields ---------------------------------------------------------------------------------------

# What a record's label needs besides the record itself.
LABEL_RELATED = {
    models.InstrumentVersion: ("instrument",),
    models.LifecycleEvent: ("attempt", "instrument"),
}


def record_label(record):
    label = display_title(record) or str(record)
    if getattr(record, "visibility", Visibility.PUBLISHED) != Visibility.PUBLISHED:
        label = f"{label} ({_('not yet published')})"
    return label


class SharedChoices(BaseChoiceIterator):
    """The options of a link ``<select>``, computed once per request.

    Every field listing the same records (authors and addressees, the source
    of each citation row) shares one list: one query, however many fields.
    """

    def __init__(self, field, cache, key, shown):
        self.field, self.cache, self.key, self.shown = field, cache, key, shown

    def options(self):
        if self.key not in self.cache:
            queryset = self.field.queryset
            if self.shown:
                queryset = queryset.filter(**self.shown)
            self.cache[self.key] = sorted(
                ((record.pk, record_label(record)) for record in queryset), key=lambda option: option[1].casefold()
            )
        return self.cache[self.key]

    def __iter__(self):
        if self.field.empty_label is not None and not isinstance(self.field, forms.ModelMultipleChoiceField):
            yield ("", self.field.empty_label)
        yield from self.options()


class RecordFieldMixin:
    """A link to a record: a ``<select>`` that ``lookup.js`` makes searchable.

    ``shown`` narrows the options listed (e.g. supervisory authorities only)
    while any visible record still validates, so that a wrong choice gets the
    model's own clear message rather than "not one of the available choices".
    """

    def __init__(self, model, user, *, cache, shown=None, **kwargs):
        queryset = visible_records(model, user).select_related(*LABEL_RELATED.get(model, ()))
        if not self.multiple:
            kwargs.setdefault("empty_label", _("— choose —"))
        super().__init__(queryset=queryset, **kwargs)
        key = (model._meta.label_lower, tuple(sorted((shown or {}).items())))
        self.widget.choices = SharedChoices(self, cache, key, shown)
        url = reverse("staff:lookup", args=[model._meta.model_name])
        if shown:
            url = f"{url}?{urlencode(shown)}"
        self.widget.attrs.update({"data-lookup": url, "class": "lookup"})

    def label_from_instance(self, obj):
        return record_label(obj)


class RecordChoiceField(RecordFieldMixin, forms.ModelChoiceField):
    multiple = False


class RecordMultipleChoiceField(RecordFieldMixin, forms.ModelMultipleChoiceField):
    multiple = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.widget.attrs.setdefault("size", "4")


def link_field(model_field, user, *, cache, required=None, label=None, help_text=None):
    """A form field for a foreign key or many-to-many field of a record."""
    related = model_field.related_model
    shown = None
    if model_field.name == "authority" and related is models.Actor:
        shown = {"role": models.Actor.Role.SUPERVISORY_AUTHORITY}
    field_class = RecordMultipleChoiceField if model_field.many_to_many else RecordChoiceField
    return field_class(
        related,
        user,
        cache=cache,
        shown=shown,
        required=(not model_field.blank) if required is None else required,
        label=label or capfirst(model_field.verbose_name),
        help_text=model_field.help_text if help_text is None else help_text,
    )


# What happened -------------------------------------------------------------------------------------

LEGISLATION = _("Legislation")
OVERSIGHT = _("Data protection oversight")
RESPONSES = _("Responses and civil society")
OTHER = _("Anything else")

RESPONSE_KINDS = tuple(kind for kind in models.Response.Kind if kind not in models.Response.CIVIL_SOCIETY_KINDS)


@dataclass(frozen=True)
class What:
    """One answer to "what happened?": a record type, its preset kind(s) and its fields."""

    slug: str
    label: str
    group: str
    model: type
    kinds: tuple = ()
    fields: tuple = ()  # shown first: the links it concerns
    more: tuple = ()  # less common, behind "More details"
    deadline: bool = False
    actor_links: tuple = ()  # fields a new actor can be linked as

    @property
    def texts(self):
        """The translated text fields staff type, in the order shown."""
        translated = TRANSLATED_FIELDS.get(self.model, ())
        return tuple(name for name in ("title", "summary") if name in translated)

    @property
    def more_texts(self):
        return ("findings",) if self.model is models.Ruling else ()

    @property
    def model_fields(self):
        date = ["date", "date_precision", "date_season", "date_approximate", "date_end"]
        kind = ["kind"] if len(self.kinds) > 1 else []
        deadline = ["deadline"] if self.deadline else []
        return kind + date + deadline + list(self.fields) + list(self.more)


def _event(slug, label, *kinds, deadline=False):
    return What(
        slug, label, LEGISLATION, models.LifecycleEvent, kinds=kinds, fields=("attempt", "instrument"),
        deadline=deadline,
    )


WHATS = [
    _event("announced", _("Announced, or drafting started"), EventKind.ANNOUNCED, EventKind.DRAFTED),
    _event("published", _("A draft or a new version was published"), EventKind.PUBLISHED),
    _event("consultation-opened", _("Public consultation opened"), EventKind.CONSULTATION_OPENED, deadline=True),
    _event("consultation-extended", _("Public consultation extended"), EventKind.CONSULTATION_EXTENDED, deadline=True),
    _event("consultation-closed", _("Public consultation closed"), EventKind.CONSULTATION_CLOSED),
    _event(
        "submitted", _("Submitted to the government or parliament"),
        EventKind.SUBMITTED_TO_GOVERNMENT, EventKind.SUBMITTED_TO_PARLIAMENT,
    ),
    _event("adopted", _("Adopted, signed or ratified"), EventKind.ADOPTED, EventKind.SIGNED, EventKind.RATIFIED),
    _event("in-force", _("Entered into force, or applies"), EventKind.ENTERED_INTO_FORCE, EventKind.APPLIES),
    _event("withdrawn", _("Withdrawn"), EventKind.WITHDRAWN),
    _event("redraft-announced", _("Redraft announced"), EventKind.REDRAFT_ANNOUNCED),
    What(
        "dpia", _("A DPIA was submitted to a supervisory authority"), OVERSIGHT, models.DPIASubmission,
        fields=("controller", "authority", "system", "round"), more=("attempt",),
        actor_links=("controller", "authority"),
    ),
    What(
        "ruling", _("A ruling, opinion or inspection of a supervisory authority"), OVERSIGHT, models.Ruling,
        kinds=tuple(models.Ruling.Kind), fields=("outcome", "authority", "dpia", "attempts"),
        more=("instruments", "systems"), actor_links=("authority",),
    ),
    What(
        "response", _("A response: question, letter, answer, resolution, statement …"), RESPONSES, models.Response,
        kinds=RESPONSE_KINDS, fields=("authors", "addressees", "in_reply_to", "attempts"),
        more=("jurisdiction", "instruments", "rulings", "dpias", "systems"), actor_links=("authors", "addressees"),
    ),
    What(
        "civil-society", _("Civil-society action: analysis, open letter, campaign, complaint …"), RESPONSES,
        models.Response, kinds=tuple(models.Response.CIVIL_SOCIETY_KINDS), fields=("authors", "attempts"),
        more=("addressees", "in_reply_to", "jurisdiction", "instruments", "rulings", "dpias", "systems"),
        actor_links=("authors", "addressees"),
    ),
    What(
        "development", _("Another development: deployment, procurement, incident …"), OTHER, models.Development,
        kinds=tuple(models.Development.Kind), fields=("actors", "attempts"), more=("jurisdiction", "systems"),
        actor_links=("actors",),
    ),
]
WHAT_BY_SLUG = {what.slug: what for what in WHATS}


def what_for(record):
    """The ``What`` a stored record was (or would have been) logged with."""
    model = record._meta.concrete_model
    for what in WHATS:
        if what.model is model and (not what.kinds or getattr(record, "kind", None) in what.kinds):
            return what
    return next((what for what in WHATS if what.model is model), None)


def grouped_whats():
    groups = {}
    for what in WHATS:
        groups.setdefault(what.group, []).append(what)
    return list(groups.items())


# Shared behaviour ------------------------------------------------------------------------------------


class ModelErrorsMixin:
    """Puts a model's ``ValidationError`` next to the field it is about.

    A message about a field the form does not show goes to the top of the
    form instead of failing.
    """

    field_aliases = {}

    def add_model_errors(self, error):
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for name, messages in error.error_dict.items():
            name = self.field_aliases.get(name, name)
            self.add_error(name if name in self.fields else None, messages)

    def _update_errors(self, errors):
        # Called by ModelForm with the model's errors.
        self.add_model_errors(errors)

    def _get_validation_exclusions(self):
        # The form field has checked that a linked record exists; for a link
        # limited to some records (a supervisory authority), the model's
        # clean() says what is wrong better than "… is not a valid choice".
        exclude = super()._get_validation_exclusions()
        exclude.update(
            field.name
            for field in self.instance._meta.fields
            if field.is_relation and field.remote_field.limit_choices_to
        )
        return exclude

    def quiet(self):
        """Redisplay the input without judging it (after "Add another …")."""
        self._errors = forms.utils.ErrorDict()
        self.cleaned_data = {}


def friendlier_blank_choices(form):
    """"— choose —" instead of Django's "---------" in the model's choice fields."""
    for field in form.fields.values():
        choices = getattr(field, "choices", None)
        if isinstance(choices, list) and choices and choices[0] == ("", "---------"):
            field.choices = [("", _("— choose —")), *choices[1:]]


def date_widgets(form):
    """Phone-friendly date inputs and precision hints on a form with a fuzzy date."""
    for name in ("date", "date_end", "deadline"):
        if name in form.fields:
            form.fields[name].widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    if "date" in form.fields:
        form.fields["date"].label = _("When")
        form.fields["date"].help_text = _(
            "When only the month, season or year is known, pick any day in it and say so below: "
            "only what is known is shown."
        )
    if "date_precision" in form.fields:
        form.fields["date_precision"].label = _("How exact is the date?")
        form.fields["date_precision"].help_text = ""
    if "date_season" in form.fields:
        form.fields["date_season"].choices = [("", "—"), *Season.choices]
        form.fields["date_season"].label = _("Season or part of the year")
        form.fields["date_season"].help_text = _("Only when the date is known to the season.")
    if "date_approximate" in form.fields:
        form.fields["date_approximate"].label = _("Approximate (“about”, “around”)")
        form.fields["date_approximate"].help_text = ""
    if "date_end" in form.fields:
        form.fields["date_end"].label = _("Until (only for a range, e.g. when sources disagree)")
        form.fields["date_end"].help_text = _("At the same precision as the date.")


# Logging a development -------------------------------------------------------------------------------


class LogForm(ModelErrorsMixin, forms.ModelForm):
    """One development, for one ``What``: built by ``log_form_class``."""

    language = forms.ChoiceField(
        label=_("I am writing in"),
        choices=CONTENT_LANGUAGES,
        widget=forms.RadioSelect,
        help_text=_("The title and summary are saved as the text in this language."),
    )
    note = forms.CharField(
        label=_("Note to moderators"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Private: never shown to the public."),
    )
    expected_history_id = forms.IntegerField(required=False, widget=forms.HiddenInput)

    what = None  # set by log_form_class

    def __init__(self, *args, user, cache=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.cache = {} if cache is None else cache
        what, model = self.what, self.what.model
        instance = self.instance
        if len(what.kinds) == 1:
            instance.kind = what.kinds[0]
        elif "kind" in self.fields:
            self.fields["kind"].choices = [(kind.value, kind.label) for kind in what.kinds]
            self.fields["kind"].label = _("What kind")
        if what.slug == "submitted":
            self.fields["kind"].label = _("Submitted to")
        date_widgets(self)
        friendlier_blank_choices(self)
        for name in (*what.fields, *what.more):
            model_field = model._meta.get_field(name)
            if model_field.is_relation:
                required = not model_field.blank and name not in what.actor_links
                self.fields[name] = link_field(model_field, user, cache=self.cache, required=required)
        if model is models.LifecycleEvent:
            self.fields["attempt"].help_text = _(
                "The attempt this happened to. Give the attempt, the instrument or both."
            )
        if "deadline" in self.fields:
            self.fields["deadline"].label = _("Last day to comment")
        # The text fields, in the language chosen.
        language = self._initial_language()
        self.fields["language"].initial = language
        for name in (*what.texts, *what.more_texts):
            model_field = model._meta.get_field(name)
            widget = forms.Textarea(attrs={"rows": 4 if name != "findings" else 3}) if name != "title" else None
            self.fields[name] = forms.CharField(
                label=capfirst(model_field.verbose_name),
                max_length=model_field.max_length,
                required=name == "title",
                widget=widget,
                help_text=model_field.help_text,
                error_messages={"required": _("Give a short title.")},
            )
            if instance.pk:
                self.initial.setdefault(name, getattr(instance, f"{name}_{language}", "") or "")
        self.order_fields(["language", "kind", *what.texts])

    def _initial_language(self):
        """A stored draft is shown in the language it was written in (the reader's when both)."""
        preferred = default_content_language()
        if not self.instance.pk:
            return preferred
        names = (*self.what.texts, *self.what.more_texts)
        written = [
            code for code, _label in CONTENT_LANGUAGES if any(getattr(self.instance, f"{n}_{code}", "") for n in names)
        ]
        if not written or preferred in written:
            return preferred
        return written[0]

    # Field groups, as the template lays them out.
    def _bound(self, names):
        return [self[name] for name in names if name in self.fields]

    @property
    def head_fields(self):
        return self._bound(["kind", "title"])

    @property
    def date_fields(self):
        return self._bound(["date", "date_precision", "date_season", "date_approximate"])

    @property
    def range_fields(self):
        return self._bound(["date_end"])

    @property
    def main_fields(self):
        return self._bound(["deadline", *self.what.fields])

    @property
    def text_fields(self):
        return self._bound([name for name in self.what.texts if name != "title"])

    @property
    def more_fields(self):
        return self._bound([*self.what.more_texts, *self.what.more])

    @property
    def more_open(self):
        return any(field.errors or field.value() not in (None, "", []) for field in self.more_fields)

    @property
    def other_language_texts(self):
        """The stored text in the other language, which this form leaves as it is."""
        if not self.instance.pk:
            return None
        language = self.data.get(self.add_prefix("language")) if self.is_bound else self.fields["language"].initial
        other = "en" if language == "sr" else "sr"
        texts = []
        for name in (*self.what.texts, *self.what.more_texts):
            value = getattr(self.instance, f"{name}_{other}", "")
            if value:
                texts.append((capfirst(self.instance._meta.get_field(name).verbose_name), value))
        return {"language": LANGUAGE_NAMES[other], "texts": texts} if texts else None

    def _post_clean(self):
        language = self.cleaned_data.get("language") or default_content_language()
        for name in (*self.what.texts, *self.what.more_texts):
            if name in self.cleaned_data:
                setattr(self.instance, f"{name}_{language}", self.cleaned_data[name])
        super()._post_clean()

    def links(self, new_actors=None):
        """The many-to-many links chosen, with new actors added where they were linked."""
        links = {}
        for name in (*self.what.fields, *self.what.more):
            field = self.what.model._meta.get_field(name)
            if field.many_to_many:
                links[name] = list(self.cleaned_data.get(name) or [])
        for name, actors in (new_actors or {}).items():
            if name in links:
                links[name].extend(actors)
        return links


def log_form_class(what):
    return forms.modelform_factory(
        what.model, form=type("LogForm", (LogForm,), {"what": what}), fields=what.model_fields
    )


# Sources ----------------------------------------------------------------------------------------------

GRADING_HELP = _(
    "Grade each source twice. Reliability of the source: A trustworthy, B normally trustworthy, "
    "C sufficiently trustworthy, D normally not trustworthy, E not trustworthy, F cannot be judged. "
    "Credibility of this piece of information: 1 confirmed by other sources, 2 presumably true, "
    "3 maybe true, 4 uncertain, 5 improbable, 6 cannot be judged."
)


def validate_file_size(file):
    if file.size > settings.SOURCE_FILE_MAX_BYTES:
        raise ValidationError(
            _("The file is %(size)s; the largest accepted is %(max)s.")
            % {"size": filesizeformat(file.size), "max": filesizeformat(settings.SOURCE_FILE_MAX_BYTES)},
            code="too_large",
        )


NEW_SOURCE_FIELDS = ("new_title", "new_url", "new_file", "new_kind", "new_publisher")


class CitationForm(ModelErrorsMixin, forms.Form):
    """One source of a record: an existing one, or a new one by web address and/or file, graded."""

    new_title = forms.CharField(label=_("Title of the new source"), max_length=500, required=False)
    new_url = forms.URLField(
        label=_("Web address"), max_length=1000, required=False, assume_scheme="https",
        widget=forms.URLInput(attrs={"inputmode": "url", "autocapitalize": "none"}),
    )
    new_file = forms.FileField(
        label=_("File"),
        required=False,
        validators=[FileExtensionValidator(ALLOWED_SOURCE_FILE_EXTENSIONS), validate_file_size],
        help_text=_("PDF, text, web page, office document or image."),
    )
    new_kind = forms.ChoiceField(
        label=_("What kind of document"), required=False, choices=[("", _("— choose —")), *models.Source.Kind.choices]
    )
    new_publisher = forms.CharField(
        label=_("Publisher (optional)"), max_length=255, required=False,
        help_text=_("Leave empty when the document does not say."),
    )
    reliability = forms.ChoiceField(
        label=_("Reliability of the source"),
        required=False,
        choices=[("", _("— choose —")), *models.Grading.Reliability.choices],
        help_text=_("A (trustworthy) … E (not trustworthy); F: cannot be judged."),
    )
    credibility = forms.ChoiceField(
        label=_("Credibility of the information"),
        required=False,
        choices=[("", _("— choose —")), *models.Grading.Credibility.choices],
        help_text=_("1 (confirmed) … 5 (improbable); 6: cannot be judged."),
    )
    locator = forms.CharField(
        label=_("Page or section (optional)"), max_length=255, required=False,
        help_text=_("Where in the source: page, section, footnote."),
    )
    quote = forms.CharField(
        label=_("Quotation (optional)"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("The exact words of the source, if useful."),
    )

    field_aliases = {
        "title": "new_title", "url": "new_url", "file": "new_file", "kind": "new_kind", "publisher": "new_publisher",
    }

    def __init__(self, *args, user, cache, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source"] = RecordChoiceField(
            models.Source, user, cache=cache, required=False, label=_("An existing source"),
            help_text=_("Or add a new one below."),
        )
        self.order_fields(["source"])
        self.new_source = None

    @property
    def lost_file_name(self):
        """The file chosen before this page was shown again: browsers cannot keep it."""
        uploaded = self.files.get(self.add_prefix("new_file")) if self.files else None
        return getattr(uploaded, "name", "")

    @property
    def has_new_source(self):
        return any(self.cleaned_data.get(name) for name in NEW_SOURCE_FIELDS)

    @property
    def is_filled(self):
        return bool(getattr(self, "cleaned_data", None)) and bool(
            self.cleaned_data.get("source") or self.has_new_source
        )

    def clean(self):
        data = super().clean()
        source = data.get("source")
        new = self.has_new_source or "new_file" in self.errors or "new_url" in self.errors
        if source and new:
            self.add_error("source", _("Pick an existing source or add a new one, not both."))
        elif not source and not new:
            self.add_error("source", _("Pick a source, or add a new one by web address or file."))
        elif not source:
            if not data.get("new_title"):
                self.add_error("new_title", _("Give the title of the new source."))
            if not data.get("new_url") and not data.get("new_file") and "new_file" not in self.errors:
                self.add_error("new_url", _("Give the web address or attach a file (or both)."))
            if not data.get("new_kind"):
                self.add_error("new_kind", _("Say what kind of document it is."))
        for name, message in (
            ("reliability", _("Grade the source's reliability (A–F).")),
            ("credibility", _("Grade the information's credibility (1–6).")),
        ):
            if not data.get(name):
                self.add_error(name, message)
        return data

    def build_source(self):
        data = self.cleaned_data
        return models.Source(
            title=data["new_title"],
            url=data.get("new_url") or "",
            file=data.get("new_file") or "",
            kind=data["new_kind"],
            publisher=data.get("new_publisher") or "",
            date_precision=DatePrecision.UNKNOWN,
        )

    def build_citation(self, source):
        data = self.cleaned_data
        return models.Citation(
            source=source,
            reliability=data["reliability"],
            credibility=data["credibility"],
            locator=data.get("locator") or "",
            quote=data.get("quote") or "",
        )


class BaseCitationFormSet(forms.BaseFormSet):
    def __init__(self, *args, require_source=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.require_source = require_source

    @property
    def filled_forms(self):
        return [form for form in self.forms if form.is_filled]

    def clean(self):
        if any(self.errors):
            return
        if self.require_source and not self.filled_forms:
            raise ValidationError(
                _("Add at least one source: pick an existing one, or add a new one by web address or file."),
                code="no_source",
            )
        seen = set()
        for form in self.filled_forms:
            source = form.cleaned_data.get("source")
            if source is None:
                continue
            key = (source.pk, form.cleaned_data.get("locator") or "")
            if key in seen:
                form.add_error("source", _("This source is already cited with the same page or section."))
            seen.add(key)

    def quiet(self):
        self._errors = [forms.utils.ErrorDict() for _form in self.forms]
        self._non_form_errors = self.error_class()
        for form in self.forms:
            form.quiet()

    @property
    def lost_files(self):
        return [form.lost_file_name for form in self.forms if form.lost_file_name]


CitationFormSet = forms.formset_factory(CitationForm, formset=BaseCitationFormSet, extra=1)


# New actors -------------------------------------------------------------------------------------------


class NewActorForm(ModelErrorsMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=255, help_text=_("Full name, as the sources give it."))
    kind = forms.ChoiceField(
        label=_("Organisation or person"), choices=models.Actor.Kind.choices,
        initial=models.Actor.Kind.ORGANISATION, widget=forms.RadioSelect,
    )
    role = forms.ChoiceField(
        label=_("Role"),
        choices=[("", _("— choose —")), *models.Actor.Role.choices],
        help_text=_("Only a supervisory authority can issue rulings or receive DPIAs."),
    )
    link_as = forms.ChoiceField(label=_("Link it as"))

    def __init__(self, *args, link_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["link_as"].choices = list(link_choices)
        if link_choices:
            self.fields["link_as"].initial = link_choices[0][0]

    def has_changed(self):
        # The row's preset choices alone (kind, "link as") do not make it filled in.
        return bool(self.data.get(self.add_prefix("name"), "").strip() or self.data.get(self.add_prefix("role")))

    def build_actor(self, language):
        actor = models.Actor(kind=self.cleaned_data["kind"], role=self.cleaned_data["role"])
        setattr(actor, f"name_{language}", self.cleaned_data["name"])
        return actor


class BaseNewActorFormSet(forms.BaseFormSet):
    @property
    def filled_forms(self):
        return [form for form in self.forms if getattr(form, "cleaned_data", None) and form.cleaned_data.get("name")]

    def quiet(self):
        self._errors = [forms.utils.ErrorDict() for _form in self.forms]
        self._non_form_errors = self.error_class()
        for form in self.forms:
            form.quiet()


NewActorFormSet = forms.formset_factory(NewActorForm, formset=BaseNewActorFormSet, extra=1)


def actor_link_choices(what):
    return [(name, capfirst(what.model._meta.get_field(name).verbose_name)) for name in what.actor_links]


# Proposing an edit to a published record ----------------------------------------------------------------


class ProposeForm(ModelErrorsMixin, forms.ModelForm):
    """Every proposable field of a published record, both languages; built by ``propose_form_class``."""

    reason = forms.CharField(
        label=_("What changed and why"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Shown to the public in the record's history, without your name."),
    )
    note = forms.CharField(
        label=_("Note to moderators"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Private: never shown to the public."),
    )
    base_history_id = forms.IntegerField(widget=forms.HiddenInput)
    expected_revision = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, user, record, cache=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user, self.record = user, record
        self.cache = {} if cache is None else cache
        model = type(record)
        date_widgets(self)
        friendlier_blank_choices(self)
        for field in workflow.proposal_fields(model) + workflow.proposal_links(model):
            if field.name not in self.fields:
                continue
            language = getattr(field, "language", None)
            if language:
                base = model._meta.get_field(field.name.rsplit("_", 1)[0])
                language_name = LANGUAGE_NAMES.get(language, language)
                self.fields[field.name].label = f"{capfirst(base.verbose_name)} ({language_name})"
            if field.is_relation:
                self.fields[field.name] = link_field(field, user, cache=self.cache)
                if field.related_model is models.Provision:
                    # Only the provisions of the event's instrument make sense here.
                    self.fields[field.name].queryset = models.Provision.objects.filter(
                        version__instrument_id=getattr(record, "instrument_id", None)
                    )
        self.order_fields(["reason"])

    def clean(self):
        data = super().clean()
        model = type(self.record)
        for base in TRANSLATED_FIELDS.get(model, ()):
            if model._meta.get_field(base).blank:
                continue
            names = [f"{base}_{code}" for code, _label in CONTENT_LANGUAGES]
            if all(name in self.fields for name in names) and not any(data.get(name) for name in names):
                self.add_error(names[0], _("Give it in at least one language."))
        return data

    @property
    def record_fields(self):
        return [self[name] for name in self._meta.fields if name in self.fields]

    def values(self):
        return workflow.values_from_instance(self.instance)

    def links(self):
        model = type(self.record)
        return {field.name: list(self.cleaned_data.get(field.name) or []) for field in workflow.proposal_links(model)}


def propose_form_class(model):
    names = [field.name for field in workflow.proposal_fields(model) + workflow.proposal_links(model)]
    return forms.modelform_factory(model, form=ProposeForm, fields=names)


# Finding a published record -------------------------------------------------------------------------------


class RecordSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Title or name"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
        help_text=_("Any script, with or without diacritics: “povereni” finds “Повереник”."),
    )
