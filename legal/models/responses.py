from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .actors import Actor, Jurisdiction
from .base import CitedRecord, FuzzyDated, fuzzy_date_constraints
from .legislation import Instrument, LegislativeAttempt
from .oversight import DPIASubmission, Ruling, SurveillanceSystem


class Response(FuzzyDated, CitedRecord):
    """An act of another body, or of civil society, about the attempts, rulings or systems."""

    class Kind(models.TextChoices):
        PARLIAMENTARY_QUESTION = "parliamentary_question", _("Parliamentary question")
        LETTER = "letter", _("Letter")
        INFORMATION_REQUEST = "information_request", _("Request for information")
        ANSWER = "answer", _("Answer")
        RESOLUTION = "resolution", _("Resolution")
        REPORT = "report", _("Report")
        AGREEMENT = "agreement", _("Agreement")
        INITIATIVE = "initiative", _("Initiative")
        STATEMENT = "statement", _("Statement")
        ANALYSIS = "analysis", _("Analysis (civil society)")
        OPEN_LETTER = "open_letter", _("Open letter (civil society)")
        CAMPAIGN = "campaign", _("Campaign (civil society)")
        COMPLAINT = "complaint", _("Complaint (civil society)")
        PUBLICATION = "publication", _("Publication or documentary (civil society)")

    CIVIL_SOCIETY_KINDS = (Kind.ANALYSIS, Kind.OPEN_LETTER, Kind.CAMPAIGN, Kind.COMPLAINT, Kind.PUBLICATION)

    slug = models.SlugField(_("slug"), max_length=120, unique=True, help_text=_("Used in web addresses."))
    title = models.CharField(_("title"), max_length=500, help_text=_("A short neutral title."))
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices, help_text=_("What kind of act."))
    summary = models.TextField(_("summary"), blank=True, help_text=_("What it says or does, in plain words."))
    # Jurisdictions are reference data and must not take responses with them.
    jurisdiction = models.ForeignKey(
        Jurisdiction,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="responses",
        verbose_name=_("from"),
        help_text=_("The jurisdiction or body it comes from (EU, US, Serbia …)."),
    )
    authors = models.ManyToManyField(
        Actor, blank=True, related_name="responses_authored", verbose_name=_("authors"),
        help_text=_("Who made it."),
    )
    addressees = models.ManyToManyField(
        Actor, blank=True, related_name="responses_received", verbose_name=_("addressed to"),
        help_text=_("Who it was addressed to, if anyone."),
    )
    # Deleting a question must not silently delete or orphan its answers.
    in_reply_to = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replies",
        verbose_name=_("in reply to"),
        help_text=_("For an answer: the question, letter or request it answers."),
    )
    attempts = models.ManyToManyField(
        LegislativeAttempt, blank=True, related_name="responses", verbose_name=_("attempts concerned")
    )
    instruments = models.ManyToManyField(
        Instrument, blank=True, related_name="responses", verbose_name=_("instruments concerned")
    )
    rulings = models.ManyToManyField(Ruling, blank=True, related_name="responses", verbose_name=_("rulings concerned"))
    dpias = models.ManyToManyField(
        DPIASubmission, blank=True, related_name="responses", verbose_name=_("DPIAs concerned")
    )
    systems = models.ManyToManyField(
        SurveillanceSystem, blank=True, related_name="responses", verbose_name=_("systems concerned")
    )

    class Meta:
        ordering = ["-date", "title"]
        verbose_name = _("response")
        verbose_name_plural = _("responses")
        constraints = [
            *fuzzy_date_constraints("response"),
            models.CheckConstraint(
                name="response_not_reply_to_itself",
                condition=Q(in_reply_to__isnull=True) | ~Q(in_reply_to=models.F("pk")),
            ),
            models.CheckConstraint(
                name="response_answer_replies_to_something",
                condition=~Q(kind="answer") | Q(in_reply_to__isnull=False),
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("legal:response_detail", kwargs={"slug": self.slug})

    @property
    def is_civil_society(self):
        return self.kind in self.CIVIL_SOCIETY_KINDS

    def clean(self):
        super().clean()
        if self.kind == self.Kind.ANSWER and not self.in_reply_to_id:
            raise ValidationError({"in_reply_to": _("An answer must say what it answers.")})
        parent, seen = self.in_reply_to, set()
        while parent is not None:
            if parent.pk == self.pk or parent.pk in seen:
                raise ValidationError({"in_reply_to": _("A response cannot (indirectly) reply to itself.")})
            seen.add(parent.pk)
            parent = parent.in_reply_to

    def thread(self):
        """The whole conversation this response belongs to, from the first message, in date order."""
        root = self
        while root.in_reply_to is not None:
            root = root.in_reply_to
        messages, frontier = [root], [root]
        while frontier:
            replies = list(Response.objects.published().filter(in_reply_to__in=frontier))
            messages.extend(replies)
            frontier = replies
        return sorted(messages, key=lambda response: response.fuzzy_date.sort_key())


class Development(FuzzyDated, CitedRecord):
    """Context the legal story needs: announcements, deployments, incidents, company moves."""

    class Kind(models.TextChoices):
        ANNOUNCEMENT = "announcement", _("Announcement")
        PROCUREMENT = "procurement", _("Procurement or contract")
        DEPLOYMENT = "deployment", _("Deployment")
        USE = "use", _("Use of surveillance or enforcement")
        INCIDENT = "incident", _("Incident")
        COMPANY = "company", _("Company activity")
        PROJECT_SHELVED = "project_shelved", _("Project shelved or cancelled")
        OTHER = "other", _("Other")

    slug = models.SlugField(_("slug"), max_length=120, unique=True, help_text=_("Used in web addresses."))
    title = models.CharField(_("title"), max_length=500, help_text=_("A short neutral title."))
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices, help_text=_("What kind of development."))
    summary = models.TextField(_("summary"), blank=True, help_text=_("What happened, as the sources say."))
    # Jurisdictions are reference data and must not take developments with them.
    jurisdiction = models.ForeignKey(
        Jurisdiction,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="developments",
        verbose_name=_("jurisdiction"),
        help_text=_("Where it happened."),
    )
    actors = models.ManyToManyField(Actor, blank=True, related_name="developments", verbose_name=_("actors involved"))
    systems = models.ManyToManyField(
        SurveillanceSystem, blank=True, related_name="developments", verbose_name=_("systems concerned")
    )
    attempts = models.ManyToManyField(
        LegislativeAttempt, blank=True, related_name="developments", verbose_name=_("attempts concerned")
    )

    class Meta:
        ordering = ["-date", "title"]
        verbose_name = _("development")
        verbose_name_plural = _("developments")
        constraints = [*fuzzy_date_constraints("development")]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("legal:development_detail", kwargs={"slug": self.slug})
