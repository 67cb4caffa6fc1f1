"""Building blocks shared by the domain models."""

from django.contrib.contenttypes.fields import GenericRelation
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from legal.dates import SEASON_MONTHS, DatePrecision, FuzzyDate, Season, period_start


def fuzzy_date_constraints(prefix):
    """Database checks that keep a fuzzy date well-formed (see ``legal.dates``)."""
    unknown = Q(date_precision=DatePrecision.UNKNOWN)
    season_starts = Q()
    for season, (first_month, _last) in SEASON_MONTHS.items():
        season_starts |= Q(date_season=season, date__month=first_month, date__day=1)
    return [
        models.CheckConstraint(
            name=f"{prefix}_date_known_unless_unknown",
            condition=(unknown & Q(date__isnull=True) & Q(date_end__isnull=True))
            | (~unknown & Q(date__isnull=False)),
        ),
        models.CheckConstraint(
            name=f"{prefix}_date_season_only_for_seasons",
            condition=(Q(date_precision=DatePrecision.SEASON) & ~Q(date_season=""))
            | (~Q(date_precision=DatePrecision.SEASON) & Q(date_season="")),
        ),
        models.CheckConstraint(
            name=f"{prefix}_date_end_after_start",
            condition=Q(date_end__isnull=True) | Q(date_end__gt=models.F("date")),
        ),
        models.CheckConstraint(
            name=f"{prefix}_date_is_period_start",
            condition=Q(date_precision__in=[DatePrecision.DAY, DatePrecision.UNKNOWN])
            | Q(date_precision=DatePrecision.MONTH, date__day=1)
            | Q(date_precision=DatePrecision.YEAR, date__month=1, date__day=1)
            | (Q(date_precision=DatePrecision.SEASON) & season_starts),
        ),
    ]


class FuzzyDated(models.Model):
    """A record with one date known to a given precision (see ``legal.dates``)."""

    date = models.DateField(
        _("date"),
        null=True,
        blank=True,
        help_text=_(
            "The first day of the period the date stands for: 1 January for a year, "
            "the 1st for a month. Leave empty when the date is unknown."
        ),
    )
    date_precision = models.CharField(
        _("date precision"),
        max_length=16,
        choices=DatePrecision.choices,
        default=DatePrecision.DAY,
        help_text=_("How precisely the sources give the date. Never pick a day that is not known."),
    )
    date_season = models.CharField(
        _("season"),
        max_length=16,
        choices=Season.choices,
        blank=True,
        help_text=_("Only when the precision is “season or part of a year”."),
    )
    date_approximate = models.BooleanField(
        _("approximate"),
        default=False,
        help_text=_("Tick when the sources say “about” or “around”."),
    )
    date_end = models.DateField(
        _("end of date range"),
        null=True,
        blank=True,
        help_text=_(
            "Only for a range (“2019–2020”, e.g. when sources disagree): the start of the "
            "last period, at the same precision."
        ),
    )

    class Meta:
        abstract = True

    @property
    def fuzzy_date(self):
        return FuzzyDate(
            date=self.date,
            precision=self.date_precision,
            season=self.date_season,
            approximate=self.date_approximate,
            end=self.date_end,
        )

    @fuzzy_date.setter
    def fuzzy_date(self, value):
        self.date = value.date
        self.date_precision = value.precision
        self.date_season = value.season
        self.date_approximate = value.approximate
        self.date_end = value.end

    @property
    def date_display(self):
        return str(self.fuzzy_date)

    def clean_fuzzy_date(self):
        errors = {}
        if self.date_precision == DatePrecision.UNKNOWN:
            if self.date or self.date_end:
                errors["date"] = _("The precision is “unknown”: leave the date empty.")
        elif self.date is None:
            errors["date"] = _("Give the date, or set the precision to “unknown”.")
        if self.date_precision == DatePrecision.SEASON and not self.date_season:
            errors["date_season"] = _("Choose the season or part of the year.")
        if self.date_precision != DatePrecision.SEASON and self.date_season:
            errors["date_season"] = _("A season is only given when the precision is “season”.")
        if errors:
            raise ValidationError(errors)
        # Normalise to the start of the period so that sorting is honest.
        self.date = period_start(self.date, self.date_precision, self.date_season)
        if self.date_end:
            self.date_end = period_start(self.date_end, self.date_precision, self.date_season)
            if self.date_end <= self.date:
                raise ValidationError({"date_end": _("The end of the range must come after its start.")})

    def clean(self):
        super().clean()
        self.clean_fuzzy_date()

    def get_constraints(self):
        # ``clean_fuzzy_date`` normalises the date to the start of its period, so
        # the database check for that needs no Python-side evaluation (which
        # PostgreSQL cannot type-check for literal dates). The database still
        # enforces it on every write.
        return [
            (model, [c for c in constraints if not c.name.endswith("_date_is_period_start")])
            for model, constraints in super().get_constraints()
        ]


class Visibility(models.TextChoices):
    """Whether the public may see a record (see ``legal.workflow``)."""

    DRAFT = "draft", _("Not yet published")
    PUBLISHED = "published", _("Published")
    DELETED = "deleted", _("Removed from public view")


class RecordQuerySet(models.QuerySet):
    def published(self):
        """Every record the public may see.

        All public reads (pages, feeds, search, API, exports, sitemap, public
        history) go through this method: a record a moderator has not
        approved, or has removed, is in none of them.
        """
        return self.filter(visibility=Visibility.PUBLISHED)

    def unpublished(self):
        return self.exclude(visibility=Visibility.PUBLISHED)


class Publishable(models.Model):
    """A record the public sees only once a moderator has published it.

    Staff create records as drafts; publishing, removing from public view and
    restoring are moderation actions (``legal.workflow``), never a form field.
    The value is kept in the record's history, so the public history can list
    the approved states only.
    """

    visibility = models.CharField(
        _("visibility"),
        max_length=16,
        choices=Visibility.choices,
        default=Visibility.PUBLISHED,
        db_index=True,
        editable=False,
        help_text=_("Changed only by moderation actions: publish, remove from public view, restore."),
    )

    objects = RecordQuerySet.as_manager()

    class Meta:
        abstract = True

    @property
    def is_published(self):
        return self.visibility == Visibility.PUBLISHED


class CitedRecord(Publishable):
    """A fact-bearing record: it cites at least one source."""

    citations = GenericRelation("legal.Citation", related_query_name="%(class)s")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True

    def disputed_aspects(self):
        """Aspects (date, figures ...) for which the cited sources assert different values."""
        asserted = {}
        for citation in self.citations.all():
            if citation.asserted_value:
                asserted.setdefault(citation.aspect, set()).add(citation.asserted_value)
        return sorted(aspect for aspect, values in asserted.items() if len(values) > 1)

    def disputes(self):
        """For display: each disputed aspect's label with the values the sources give."""
        from .sources import Citation

        disputed = self.disputed_aspects()
        return [
            {
                "label": Citation.Aspect(aspect).label,
                "values": sorted(
                    {c.asserted_value for c in self.citations.all() if c.aspect == aspect and c.asserted_value}
                ),
            }
            for aspect in disputed
        ]
