from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from legal.status import EventKind, consultation_deadline, derive_status, tracker_stages

from .actors import Actor, Jurisdiction
from .base import CitedRecord, FuzzyDated, fuzzy_date_constraints


class Instrument(CitedRecord):
    """A legal text: draft law, law, by-law, regulation, strategy, treaty or agreement."""

    class Kind(models.TextChoices):
        DRAFT_LAW = "draft_law", _("Draft law")
        LAW = "law", _("Law")
        BYLAW = "bylaw", _("By-law")
        REGULATION = "regulation", _("Regulation")
        STRATEGY = "strategy", _("Strategy")
        TREATY = "treaty", _("Treaty or convention")
        AGREEMENT = "agreement", _("Agreement or memorandum")
        OTHER = "other", _("Other")

    slug = models.SlugField(_("slug"), max_length=120, unique=True, help_text=_("Used in web addresses."))
    title = models.CharField(_("title"), max_length=500, help_text=_("The instrument's title."))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, help_text=_("What kind of legal text."))
    summary = models.TextField(_("summary"), blank=True, help_text=_("What the text does, in plain words."))
    # Jurisdictions are reference data and must not take legal texts with them.
    jurisdiction = models.ForeignKey(
        Jurisdiction,
        on_delete=models.PROTECT,
        related_name="instruments",
        verbose_name=_("jurisdiction"),
        help_text=_("Where the text applies or would apply."),
    )
    parties = models.ManyToManyField(
        Actor,
        blank=True,
        related_name="instruments",
        verbose_name=_("parties or authors"),
        help_text=_("Who drafted it, or the parties to an agreement."),
    )
    is_confidential = models.BooleanField(
        _("text not public"),
        default=False,
        help_text=_("Tick when the text itself has not been made public."),
    )

    class Meta:
        ordering = ["title"]
        verbose_name = _("instrument")
        verbose_name_plural = _("instruments")

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("legal:instrument_detail", kwargs={"slug": self.slug})

    @property
    def status(self):
        return derive_status(self.events.all())


class LegislativeAttempt(CitedRecord):
    """One effort to create or change a legal basis; it may group several instruments."""

    slug = models.SlugField(_("slug"), max_length=120, unique=True, help_text=_("Used in web addresses."))
    title = models.CharField(
        _("title"), max_length=500, help_text=_("A short, neutral name, e.g. “2021 draft police law”.")
    )
    summary = models.TextField(_("summary"), blank=True, help_text=_("What the attempt tried to do."))
    # Jurisdictions are reference data and must not take attempts with them.
    jurisdiction = models.ForeignKey(
        Jurisdiction,
        on_delete=models.PROTECT,
        related_name="attempts",
        verbose_name=_("jurisdiction"),
        help_text=_("Where the legal basis would apply."),
    )
    # The body behind an attempt is part of the record; keep it.
    initiator = models.ForeignKey(
        Actor,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="attempts_initiated",
        verbose_name=_("initiator"),
        help_text=_("Who put the attempt forward, if known."),
    )
    # A redraft keeps pointing at the attempt it follows; that one cannot be deleted first.
    follows = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="followed_by",
        verbose_name=_("follows"),
        help_text=_("The earlier attempt this one redrafts, if any."),
    )
    instruments = models.ManyToManyField(
        Instrument,
        blank=True,
        related_name="attempts",
        verbose_name=_("instruments"),
        help_text=_("The texts published or withdrawn together in this attempt."),
    )

    class Meta:
        ordering = ["title"]
        verbose_name = _("legislative attempt")
        verbose_name_plural = _("legislative attempts")
        constraints = [
            models.CheckConstraint(
                name="attempt_does_not_follow_itself",
                condition=Q(follows__isnull=True) | ~Q(follows=models.F("pk")),
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("legal:attempt_detail", kwargs={"slug": self.slug})

    def clean(self):
        super().clean()
        ancestor, seen = self.follows, set()
        while ancestor is not None:
            if ancestor.pk == self.pk or ancestor.pk in seen:
                raise ValidationError({"follows": _("An attempt cannot (indirectly) follow itself.")})
            seen.add(ancestor.pk)
            ancestor = ancestor.follows

    def all_events(self):
        """Events of the attempt and of its instruments (queries unless prefetched)."""
        events = list(self.events.all())
        for instrument in self.instruments.all():
            events.extend(event for event in instrument.events.all() if event.attempt_id in (None, self.pk))
        unique = {event.pk: event for event in events}
        return list(unique.values())

    @property
    def status(self):
        return derive_status(self.all_events())

    @property
    def stages(self):
        return tracker_stages(self.all_events())

    @property
    def consultation_deadline(self):
        return consultation_deadline(self.all_events())


class InstrumentVersion(FuzzyDated, CitedRecord):
    """A dated text of an instrument; its provisions can be compared with any other version."""

    instrument = models.ForeignKey(
        Instrument, on_delete=models.CASCADE, related_name="versions", verbose_name=_("instrument")
    )
    number = models.PositiveSmallIntegerField(
        _("number"), help_text=_("Order of this version among the instrument's versions: 1, 2, 3 …")
    )
    label = models.CharField(
        _("label"), max_length=255, help_text=_("e.g. “Draft for public consultation”, “Adopted text”.")
    )
    summary = models.TextField(_("summary"), blank=True, help_text=_("What changed in this version."))
    # The text's publication must not vanish with a source record.
    published_in = models.ForeignKey(
        "legal.Source",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="published_versions",
        verbose_name=_("published in"),
        help_text=_("The source that holds this text (gazette, consultation page, file)."),
    )

    class Meta:
        ordering = ["instrument", "number"]
        verbose_name = _("instrument version")
        verbose_name_plural = _("instrument versions")
        constraints = [
            *fuzzy_date_constraints("version"),
            models.UniqueConstraint(fields=["instrument", "number"], name="version_number_unique_per_instrument"),
            models.CheckConstraint(name="version_number_positive", condition=Q(number__gte=1)),
        ]

    def __str__(self):
        return f"{self.instrument} – {self.label}"

    def get_absolute_url(self):
        return reverse("legal:version_detail", kwargs={"slug": self.instrument.slug, "number": self.number})

    def clean(self):
        super().clean()
        if self.number is not None and self.number < 1:
            raise ValidationError({"number": _("Versions are numbered from 1: give 1 or more.")})


class Provision(models.Model):
    """An article or paragraph of one version's text."""

    version = models.ForeignKey(
        InstrumentVersion, on_delete=models.CASCADE, related_name="provisions", verbose_name=_("version")
    )
    position = models.PositiveIntegerField(_("position"), help_text=_("Order within the text: 1, 2, 3 …"))
    number = models.CharField(
        _("number"), max_length=50, blank=True, help_text=_("As printed, e.g. “Article 40” or “40(2)”.")
    )
    heading = models.CharField(_("heading"), max_length=500, blank=True, help_text=_("The article's heading, if any."))
    text = models.TextField(_("text"), help_text=_("The provision's text exactly as published."))

    class Meta:
        ordering = ["version", "position"]
        verbose_name = _("provision")
        verbose_name_plural = _("provisions")
        constraints = [
            models.UniqueConstraint(fields=["version", "position"], name="provision_position_unique_per_version"),
            models.UniqueConstraint(
                fields=["version", "number"],
                condition=~Q(number=""),
                name="provision_number_unique_per_version",
            ),
        ]

    def __str__(self):
        return self.number or f"#{self.position}"

    def clean(self):
        # The conditional unique constraint has no friendly message of its own.
        if self.number and self.version_id:
            others = Provision.objects.filter(version_id=self.version_id, number=self.number).exclude(pk=self.pk)
            if others.exists():
                message = _("This version already has a provision numbered “%(number)s”.")
                raise ValidationError({"number": message % {"number": self.number}})


DEADLINE_KINDS = (EventKind.CONSULTATION_OPENED, EventKind.CONSULTATION_EXTENDED)


class LifecycleEvent(FuzzyDated, CitedRecord):
    """Something that happened to an attempt or an instrument, on a (fuzzy) date."""

    Kind = EventKind
    DEADLINE_KINDS = DEADLINE_KINDS

    kind = models.CharField(_("what happened"), max_length=32, choices=EventKind.choices, help_text=_("The step."))
    attempt = models.ForeignKey(
        LegislativeAttempt,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="events",
        verbose_name=_("attempt"),
        help_text=_("The attempt this happened to."),
    )
    instrument = models.ForeignKey(
        Instrument,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="events",
        verbose_name=_("instrument"),
        help_text=_("The instrument this happened to, if a specific one."),
    )
    # Deleting a version must not erase the fact that it was published.
    version = models.ForeignKey(
        InstrumentVersion,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="events",
        verbose_name=_("version"),
        help_text=_("The version published, adopted or entering into force, if known."),
    )
    provisions = models.ManyToManyField(
        Provision,
        blank=True,
        related_name="events",
        verbose_name=_("provisions"),
        help_text=_("For “applies”: the provisions that apply from this date (empty = all)."),
    )
    deadline = models.DateField(
        _("consultation deadline"),
        null=True,
        blank=True,
        help_text=_("For a consultation opened or extended: the last day to comment."),
    )
    summary = models.TextField(_("summary"), blank=True, help_text=_("What happened, in a sentence or two."))

    class Meta:
        ordering = ["-date", "pk"]
        verbose_name = _("lifecycle event")
        verbose_name_plural = _("lifecycle events")
        constraints = [
            *fuzzy_date_constraints("event"),
            models.CheckConstraint(
                name="event_has_attempt_or_instrument",
                condition=Q(attempt__isnull=False) | Q(instrument__isnull=False),
            ),
            models.CheckConstraint(
                name="event_deadline_only_for_consultations",
                condition=Q(deadline__isnull=True) | Q(kind__in=[kind.value for kind in DEADLINE_KINDS]),
            ),
            models.CheckConstraint(
                name="event_deadline_not_before_date",
                condition=Q(deadline__isnull=True) | Q(date__isnull=True) | Q(deadline__gte=models.F("date")),
            ),
        ]

    def __str__(self):
        subject = self.instrument or self.attempt
        return f"{subject}: {self.get_kind_display()} ({self.date_display})"

    def get_absolute_url(self):
        return reverse("legal:event_detail", kwargs={"pk": self.pk})

    def _title_in(self, language, field_name):
        subject = self.instrument or self.attempt
        with translation.override(language):
            kind = self.get_kind_display()
        name = getattr(subject, field_name, "") or getattr(subject, "title_en", "") or ""
        return f"{kind}: {name}"

    # Titles for display in each content language, e.g. "Withdrawn: Draft Police Law (2021)".
    @property
    def title_en(self):
        return self._title_in("en", "title_en")

    @property
    def title_sr(self):
        return self._title_in("sr-latn", "title_sr")

    def clean(self):
        super().clean()
        errors = {}
        if self.version_id and not self.instrument_id:
            self.instrument_id = self.version.instrument_id
        if not self.attempt_id and not self.instrument_id:
            errors["attempt"] = _("Link the event to an attempt, an instrument or both.")
        if self.deadline and self.kind not in self.DEADLINE_KINDS:
            errors["deadline"] = _("Only a consultation that opens or is extended has a deadline.")
        if self.deadline and self.date and self.deadline < self.date:
            errors["deadline"] = _("The deadline cannot be before the event itself.")
        if self.version_id and self.instrument_id and self.version.instrument_id != self.instrument_id:
            errors["version"] = _("This version belongs to another instrument.")
        if (
            self.attempt_id
            and self.instrument_id
            and not self.attempt.instruments.filter(pk=self.instrument_id).exists()
        ):
            errors["instrument"] = _("This instrument is not part of the chosen attempt; add it to the attempt first.")
        if errors:
            raise ValidationError(errors)
