from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .actors import Actor, Jurisdiction
from .base import CitedRecord, FuzzyDated, fuzzy_date_constraints
from .legislation import Instrument, LegislativeAttempt

SUPERVISORY_ONLY = {"role": Actor.Role.SUPERVISORY_AUTHORITY}


def validate_supervisory_authority(actor, field):
    if actor is not None and not actor.is_supervisory_authority:
        raise ValidationError(
            {
                field: _(
                    "“%(actor)s” is not a supervisory authority. Only a data-protection "
                    "supervisory authority can receive a DPIA or issue a ruling."
                )
                % {"actor": actor}
            }
        )


class SurveillanceSystem(CitedRecord):
    """A processing system or project assessed by DPIAs and rulings (e.g. Safe City)."""

    slug = models.SlugField(_("slug"), max_length=120, unique=True, help_text=_("Used in web addresses."))
    name = models.CharField(_("name"), max_length=255, help_text=_("e.g. “Safe City” camera system, Belgrade."))
    description = models.TextField(
        _("description"), blank=True, help_text=_("What it is and what it can do, as the sources say.")
    )
    # Jurisdictions are reference data and must not take systems with them.
    jurisdiction = models.ForeignKey(
        Jurisdiction,
        on_delete=models.PROTECT,
        related_name="systems",
        verbose_name=_("jurisdiction"),
        help_text=_("Where the system is deployed or planned."),
    )
    # The operator is part of the record; it cannot be deleted from under it.
    operator = models.ForeignKey(
        Actor,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="systems_operated",
        verbose_name=_("operator"),
        help_text=_("Who runs the system (the controller), if known."),
    )
    vendors = models.ManyToManyField(
        Actor,
        blank=True,
        related_name="systems_supplied",
        verbose_name=_("vendors"),
        help_text=_("Companies that supplied it."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("surveillance system")
        verbose_name_plural = _("surveillance systems")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("legal:system_detail", kwargs={"slug": self.slug})


class DPIASubmission(FuzzyDated, CitedRecord):
    """A controller submits a Data Protection Impact Assessment to a supervisory authority."""

    slug = models.SlugField(_("slug"), max_length=120, unique=True, help_text=_("Used in web addresses."))
    title = models.CharField(_("title"), max_length=500, help_text=_("e.g. “Ministry of Interior DPIA, round 1”."))
    summary = models.TextField(_("summary"), blank=True, help_text=_("What was submitted, as the sources say."))
    # The parties of a DPIA are part of the record and cannot be deleted from under it.
    controller = models.ForeignKey(
        Actor,
        on_delete=models.PROTECT,
        related_name="dpias_submitted",
        verbose_name=_("controller"),
        help_text=_("Who submitted the assessment (the data controller)."),
    )
    authority = models.ForeignKey(
        Actor,
        on_delete=models.PROTECT,
        related_name="dpias_received",
        limit_choices_to=SUPERVISORY_ONLY,
        verbose_name=_("supervisory authority"),
        help_text=_("The authority it was submitted to."),
    )
    system = models.ForeignKey(
        SurveillanceSystem,
        on_delete=models.PROTECT,
        related_name="dpias",
        verbose_name=_("system assessed"),
        help_text=_("The processing system the assessment covers."),
    )
    round = models.PositiveSmallIntegerField(
        _("round"), default=1, help_text=_("1 for the first submission, 2 for the next, …")
    )
    # A DPIA can outlive a particular draft law; keep it when the attempt goes.
    attempt = models.ForeignKey(
        LegislativeAttempt,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="dpias",
        verbose_name=_("related attempt"),
        help_text=_("The legislative attempt it relates to, if any."),
    )

    class Meta:
        ordering = ["system", "round"]
        verbose_name = _("DPIA submission")
        verbose_name_plural = _("DPIA submissions")
        constraints = [
            *fuzzy_date_constraints("dpia"),
            models.UniqueConstraint(fields=["system", "authority", "round"], name="dpia_round_unique_per_system"),
            models.CheckConstraint(name="dpia_round_positive", condition=Q(round__gte=1)),
            models.CheckConstraint(
                name="dpia_controller_is_not_authority", condition=~Q(controller=models.F("authority"))
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("legal:dpia_detail", kwargs={"slug": self.slug})

    def clean(self):
        super().clean()
        if self.authority_id:
            validate_supervisory_authority(self.authority, "authority")
        if self.controller_id and self.controller_id == self.authority_id:
            raise ValidationError({"authority": _("The controller cannot assess its own DPIA.")})
        if self.round is not None and self.round < 1:
            raise ValidationError({"round": _("Rounds are numbered from 1: give 1 or more.")})

    @property
    def outcome(self):
        """The outcome of the latest ruling on this submission (``None`` while none is recorded)."""
        rulings = sorted(self.rulings.all(), key=lambda ruling: ruling.fuzzy_date.sort_key())
        return rulings[-1].outcome if rulings else None

    def get_outcome_display(self):
        outcome = self.outcome
        return Ruling.Outcome(outcome).label if outcome else _("No ruling recorded")


class Ruling(FuzzyDated, CitedRecord):
    """An act of a supervisory authority: opinion, inspection, statement or decision."""

    class Kind(models.TextChoices):
        DPIA_OPINION = "dpia_opinion", _("Opinion on a DPIA")
        DRAFT_LAW_OPINION = "draft_law_opinion", _("Opinion on a draft law")
        INSPECTION = "inspection", _("Inspection (supervision procedure)")
        STATEMENT = "statement", _("Statement")
        DECISION = "decision", _("Decision")
        REPORT = "report", _("Report")

    class Outcome(models.TextChoices):
        APPROVED = "approved", _("Approved / compliant")
        NOT_COMPLIANT = "not_compliant", _("Does not meet the legal requirements")
        PARTLY_COMPLIANT = "partly_compliant", _("Partly compliant")
        NO_LEGAL_BASIS = "no_legal_basis", _("No legal basis")
        VIOLATION_FOUND = "violation_found", _("Violation found")
        NO_VIOLATION = "no_violation", _("No violation found")
        CONCERNS = "concerns", _("Concerns raised")
        PENDING = "pending", _("Pending")
        NONE = "none", _("No formal outcome")

    slug = models.SlugField(_("slug"), max_length=120, unique=True, help_text=_("Used in web addresses."))
    title = models.CharField(_("title"), max_length=500, help_text=_("A short neutral title."))
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices, help_text=_("What kind of act."))
    outcome = models.CharField(_("outcome"), max_length=32, choices=Outcome.choices, help_text=_("What it found."))
    summary = models.TextField(_("summary"), blank=True, help_text=_("What the authority said, in plain words."))
    findings = models.TextField(_("findings"), blank=True, help_text=_("For inspections: the findings."))
    # A ruling is evidence; its authority cannot be deleted from under it.
    authority = models.ForeignKey(
        Actor,
        on_delete=models.PROTECT,
        related_name="rulings",
        limit_choices_to=SUPERVISORY_ONLY,
        verbose_name=_("supervisory authority"),
        help_text=_("The authority that issued it (must be a supervisory authority)."),
    )
    # Deleting a DPIA must not erase the rulings on it.
    dpia = models.ForeignKey(
        DPIASubmission,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="rulings",
        verbose_name=_("DPIA"),
        help_text=_("The DPIA submission this rules on, if any."),
    )
    attempts = models.ManyToManyField(
        LegislativeAttempt, blank=True, related_name="rulings", verbose_name=_("attempts concerned")
    )
    instruments = models.ManyToManyField(
        Instrument, blank=True, related_name="rulings", verbose_name=_("instruments concerned")
    )
    systems = models.ManyToManyField(
        SurveillanceSystem, blank=True, related_name="rulings", verbose_name=_("systems concerned")
    )

    class Meta:
        ordering = ["-date", "title"]
        verbose_name = _("ruling")
        verbose_name_plural = _("rulings")
        constraints = [
            *fuzzy_date_constraints("ruling"),
            models.CheckConstraint(
                name="ruling_dpia_opinion_names_dpia",
                condition=~Q(kind="dpia_opinion") | Q(dpia__isnull=False),
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("legal:ruling_detail", kwargs={"slug": self.slug})

    def clean(self):
        super().clean()
        if self.authority_id:
            validate_supervisory_authority(self.authority, "authority")
        if self.kind == self.Kind.DPIA_OPINION and not self.dpia_id:
            raise ValidationError({"dpia": _("An opinion on a DPIA must name the DPIA submission.")})
        if self.dpia_id and self.authority_id and self.dpia.authority_id != self.authority_id:
            raise ValidationError({"dpia": _("This DPIA was submitted to another authority.")})
