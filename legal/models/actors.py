from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .base import Publishable, RecordQuerySet


class Jurisdiction(Publishable):
    """A state, a supranational body or an international organisation."""

    class Kind(models.TextChoices):
        STATE = "state", _("State or territory")
        SUBNATIONAL = "subnational", _("Region or city")
        SUPRANATIONAL = "supranational", _("Supranational union")
        INTERNATIONAL = "international", _("International organisation")

    slug = models.SlugField(_("slug"), max_length=80, unique=True, help_text=_("Used in web addresses."))
    name = models.CharField(_("name"), max_length=200, help_text=_("e.g. Serbia, European Union."))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, help_text=_("What kind of body this is."))
    code = models.CharField(
        _("code"),
        max_length=10,
        blank=True,
        help_text=_("ISO 3166 code or a common abbreviation (RS, EU, US, CoE), if any."),
    )
    # A region sits inside its state; deleting a state must not silently
    # orphan or delete its regions.
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("part of"),
        help_text=_("Only for regions and cities: the state they belong to."),
    )

    objects = RecordQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("jurisdiction")
        verbose_name_plural = _("jurisdictions")
        constraints = [
            models.CheckConstraint(
                name="jurisdiction_not_own_parent",
                condition=Q(parent__isnull=True) | ~Q(parent=models.F("pk")),
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("legal:jurisdiction_detail", kwargs={"slug": self.slug})

    def clean(self):
        if self.parent_id and self.parent_id == self.pk:
            raise ValidationError({"parent": _("A jurisdiction cannot be part of itself.")})


class Actor(Publishable):
    """An organisation or a person that acts in the story."""

    class Kind(models.TextChoices):
        ORGANISATION = "organisation", _("Organisation")
        PERSON = "person", _("Person")

    class Role(models.TextChoices):
        GOVERNMENT = "government", _("Government or ministry")
        SUPERVISORY_AUTHORITY = "supervisory_authority", _("Supervisory authority (data protection)")
        PARLIAMENT = "parliament", _("Parliament")
        PARLIAMENTARIAN = "parliamentarian", _("Member of parliament")
        EXECUTIVE = "executive", _("Executive body or official")
        INTERNATIONAL_BODY = "international_body", _("International or supranational body")
        COURT = "court", _("Court")
        CIVIL_SOCIETY = "civil_society", _("Civil-society organisation or activist")
        COMPANY = "company", _("Company")
        MEDIA = "media", _("Media or publisher")
        RESEARCH = "research", _("Research institute or think tank")
        OTHER = "other", _("Other")

    slug = models.SlugField(_("slug"), max_length=120, unique=True, help_text=_("Used in web addresses."))
    name = models.CharField(_("name"), max_length=255, help_text=_("Full name, as the sources give it."))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, help_text=_("Organisation or person."))
    role = models.CharField(
        _("role"),
        max_length=32,
        choices=Role.choices,
        help_text=_(
            "What the actor is. Only a supervisory authority can issue rulings or receive DPIAs."
        ),
    )
    position = models.CharField(
        _("position"),
        max_length=255,
        blank=True,
        help_text=_("For a person: the office held when acting in the story, e.g. Minister of Interior."),
    )
    # Jurisdictions are reference data; an actor must not vanish with one.
    jurisdiction = models.ForeignKey(
        Jurisdiction,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="actors",
        verbose_name=_("jurisdiction"),
        help_text=_("Where the actor belongs or acts (empty if international or unknown)."),
    )
    # Deleting an organisation must not delete the people who worked for it.
    affiliation = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="members",
        verbose_name=_("affiliation"),
        help_text=_("For a person: the organisation they belong to or speak for."),
    )
    description = models.TextField(_("description"), blank=True, help_text=_("A short neutral description."))
    url = models.URLField(_("website"), blank=True, help_text=_("Official website, if any."))

    objects = RecordQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("actor")
        verbose_name_plural = _("actors")
        constraints = [
            models.CheckConstraint(
                name="actor_not_own_affiliation",
                condition=Q(affiliation__isnull=True) | ~Q(affiliation=models.F("pk")),
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("legal:actor_detail", kwargs={"slug": self.slug})

    @property
    def is_supervisory_authority(self):
        return self.role == self.Role.SUPERVISORY_AUTHORITY

    def clean(self):
        if self.affiliation_id and self.affiliation_id == self.pk:
            raise ValidationError({"affiliation": _("An actor cannot be affiliated with itself.")})
        if self.pk and not self.is_supervisory_authority:
            from .oversight import DPIASubmission, Ruling

            if Ruling.objects.filter(authority=self).exists() or DPIASubmission.objects.filter(
                authority=self
            ).exists():
                raise ValidationError(
                    {
                        "role": _(
                            "This actor has issued rulings or received DPIAs as a supervisory "
                            "authority; its role cannot change while they exist."
                        )
                    }
                )
