import hashlib

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .base import FuzzyDated, Publishable, RecordQuerySet, fuzzy_date_constraints

ALLOWED_SOURCE_FILE_EXTENSIONS = ["pdf", "txt", "html", "htm", "odt", "docx", "doc", "png", "jpg", "jpeg"]


def sha256_of(file):
    digest = hashlib.sha256()
    file.seek(0)
    for chunk in iter(lambda: file.read(64 * 1024), b""):
        digest.update(chunk)
    file.seek(0)
    return digest.hexdigest()


class Source(FuzzyDated, Publishable):
    """A document, article or official page on which facts rest."""

    class Kind(models.TextChoices):
        ARTICLE = "article", _("News article")
        REPORT = "report", _("Report or paper")
        OFFICIAL = "official", _("Official document or page")
        LEGAL_TEXT = "legal_text", _("Legal text")
        WEB_PAGE = "web_page", _("Web page")
        VIDEO = "video", _("Video or audio")
        OTHER = "other", _("Other")

    slug = models.SlugField(_("slug"), max_length=120, unique=True, help_text=_("Used in web addresses."))
    title = models.CharField(_("title"), max_length=500, help_text=_("The title as published."))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, help_text=_("What kind of document."))
    author = models.CharField(
        _("author"), max_length=255, blank=True, help_text=_("Leave empty when the document does not say.")
    )
    publisher = models.CharField(
        _("publisher"), max_length=255, blank=True, help_text=_("Leave empty when the document does not say.")
    )
    url = models.URLField(_("web address"), max_length=1000, blank=True, help_text=_("Where the document can be read."))
    language = models.CharField(
        _("language"), max_length=16, blank=True, help_text=_("Language of the document, e.g. en, sr.")
    )
    description = models.TextField(_("description"), blank=True, help_text=_("What the document is, in a sentence."))
    file = models.FileField(
        _("stored file"),
        upload_to="sources/%Y/",
        blank=True,
        help_text=_("An archived copy (PDF, text, HTML, office document or image)."),
    )
    sha256 = models.CharField(
        _("SHA-256"),
        max_length=64,
        blank=True,
        editable=False,
        help_text=_("Fingerprint of the stored file, computed when it is saved."),
    )

    objects = RecordQuerySet.as_manager()

    class Meta:
        ordering = ["title"]
        verbose_name = _("source")
        verbose_name_plural = _("sources")
        constraints = [
            *fuzzy_date_constraints("source"),
            models.CheckConstraint(
                name="source_sha256_iff_file",
                condition=(Q(file="") & Q(sha256="")) | (~Q(file="") & ~Q(sha256="")),
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("legal:source_detail", kwargs={"slug": self.slug})

    def clean(self):
        super().clean()
        if self.file:
            extension = self.file.name.rsplit(".", 1)[-1].lower() if "." in self.file.name else ""
            if extension not in ALLOWED_SOURCE_FILE_EXTENSIONS:
                raise ValidationError(
                    {
                        "file": _("Files of type “%(ext)s” are not accepted. Allowed: %(allowed)s.")
                        % {"ext": extension or "?", "allowed": ", ".join(ALLOWED_SOURCE_FILE_EXTENSIONS)}
                    }
                )
            if self.file.size > settings.SOURCE_FILE_MAX_BYTES:
                raise ValidationError(
                    {
                        "file": _("The file is %(size)s; the largest accepted is %(max)s.")
                        % {
                            "size": filesizeformat(self.file.size),
                            "max": filesizeformat(settings.SOURCE_FILE_MAX_BYTES),
                        }
                    }
                )
        # The fingerprint follows the file (the database requires both or neither):
        # computed for a newly attached file, cleared with a removed one.
        if not self.file:
            self.sha256 = ""
        elif not self.file._committed or not self.sha256:
            self.refresh_sha256()

    def refresh_sha256(self):
        """Compute the fingerprint of the stored file (call before saving)."""
        self.sha256 = sha256_of(self.file) if self.file else ""


class Grading:
    """The grading scale of seed document 002 (an admiralty-style scale)."""

    class Reliability(models.TextChoices):
        # The letters are the scale's own notation, so they are the stored values.
        A = "A", _("A – Trustworthy")
        B = "B", _("B – Normally trustworthy")
        C = "C", _("C – Sufficiently trustworthy")
        D = "D", _("D – Normally not trustworthy")
        E = "E", _("E – Not trustworthy")
        F = "F", _("F – Cannot be judged")

    class Credibility(models.TextChoices):
        CONFIRMED = "1", _("1 – Confirmed")
        PRESUMABLY_TRUE = "2", _("2 – Presumably true")
        MAYBE_TRUE = "3", _("3 – Maybe true")
        UNCERTAIN = "4", _("4 – Uncertain")
        IMPROBABLE = "5", _("5 – Improbable")
        CANNOT_BE_JUDGED = "6", _("6 – Cannot be judged")


class Citation(models.Model):
    """One record resting on one source, with the grading of that claim."""

    class Aspect(models.TextChoices):
        RECORD = "record", _("The record as a whole")
        DATE = "date", _("Its date")
        ACTORS = "actors", _("Who was involved")
        FIGURES = "figures", _("Figures and numbers")
        CONTENT = "content", _("What it says or contains")

    # A cited source must not disappear from under the facts resting on it.
    source = models.ForeignKey(
        Source,
        on_delete=models.PROTECT,
        related_name="citations",
        verbose_name=_("source"),
        help_text=_("The document this claim rests on."),
    )
    # Content types are Django's own bookkeeping; never delete them from here.
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, verbose_name=_("record type"))
    object_id = models.PositiveBigIntegerField(_("record id"))
    record = GenericForeignKey("content_type", "object_id")
    aspect = models.CharField(
        _("supports"),
        max_length=16,
        choices=Aspect.choices,
        default=Aspect.RECORD,
        help_text=_("Which part of the record this source supports."),
    )
    asserted_value = models.CharField(
        _("value given by this source"),
        max_length=255,
        blank=True,
        help_text=_(
            "When sources disagree, what this one says (e.g. “2019” for a date). "
            "Records whose sources give different values are shown as disputed."
        ),
    )
    reliability = models.CharField(
        _("source reliability"),
        max_length=1,
        choices=Grading.Reliability.choices,
        help_text=_("How trustworthy the source is (A–F)."),
    )
    credibility = models.CharField(
        _("information credibility"),
        max_length=1,
        choices=Grading.Credibility.choices,
        help_text=_("How credible this piece of information is (1–6)."),
    )
    locator = models.CharField(
        _("page or section"),
        max_length=255,
        blank=True,
        help_text=_("Where in the source: page, section, footnote."),
    )
    quote = models.TextField(_("quotation"), blank=True, help_text=_("The exact words of the source, if useful."))

    class Meta:
        ordering = ["content_type", "object_id", "source__title"]
        verbose_name = _("citation")
        verbose_name_plural = _("citations")
        indexes = [models.Index(fields=["content_type", "object_id"], name="citation_record_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "source", "aspect", "locator"],
                name="citation_unique_per_record_source_aspect",
            ),
            models.CheckConstraint(
                name="citation_reliability_in_scale",
                condition=Q(reliability__in=Grading.Reliability.values),
            ),
            models.CheckConstraint(
                name="citation_credibility_in_scale",
                condition=Q(credibility__in=Grading.Credibility.values),
            ),
        ]

    def __str__(self):
        return f"{self.source} ({self.grade})"

    @property
    def grade(self):
        """The compact notation, e.g. ``B2``."""
        return f"{self.reliability}{self.credibility}"
