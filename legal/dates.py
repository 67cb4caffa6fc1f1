"""Dates that are known only as precisely as the sources allow.

A real event is often known only to the month, the season or the year
("summer 2014", "late 2021"). A ``FuzzyDate`` keeps the precision with the
date, sorts sensibly against exact dates and is displayed as known: never as a
made-up day.

Storage convention (see ``legal.models.base.FuzzyDated``): ``date`` is the
first day of the period the date stands for (1 January for a year, the first
of the month for a month, the first day of the season's first month), so that
"2019" sorts before "March 2019" which sorts before "30 March 2019" only when
they really start on the same day.
"""

import calendar
import datetime
import re
from dataclasses import dataclass

from django.db import models
from django.utils import formats
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext


class DatePrecision(models.TextChoices):
    DAY = "day", _("Exact day")
    MONTH = "month", _("Month")
    SEASON = "season", _("Season or part of a year")
    YEAR = "year", _("Year")
    UNKNOWN = "unknown", _("Unknown")


class Season(models.TextChoices):
    EARLY = "early", _("Early in the year")
    SPRING = "spring", _("Spring")
    MID = "mid", _("Middle of the year")
    SUMMER = "summer", _("Summer")
    AUTUMN = "autumn", _("Autumn")
    LATE = "late", _("Late in the year")
    WINTER = "winter", _("Winter")


# First and last month of each season or part of the year (northern
# hemisphere; winter is stored under the year in which it begins).
SEASON_MONTHS = {
    Season.EARLY: (1, 4),
    Season.SPRING: (3, 5),
    Season.MID: (5, 8),
    Season.SUMMER: (6, 8),
    Season.AUTUMN: (9, 11),
    Season.LATE: (9, 12),
    Season.WINTER: (12, 14),  # December to February of the next year
}

# Coarser precision sorts after finer precision starting on the same day.
PRECISION_RANK = {
    DatePrecision.DAY: 0,
    DatePrecision.MONTH: 1,
    DatePrecision.SEASON: 2,
    DatePrecision.YEAR: 3,
    DatePrecision.UNKNOWN: 4,
}


class FuzzyDateError(ValueError):
    """Raised for a date text that cannot be read, with a message for editors."""


def period_start(day, precision, season=""):
    """Return the first day of the period containing ``day`` at ``precision``."""
    if day is None or precision == DatePrecision.UNKNOWN:
        return None
    if precision == DatePrecision.DAY:
        return day
    if precision == DatePrecision.MONTH:
        return day.replace(day=1)
    if precision == DatePrecision.SEASON:
        return datetime.date(day.year, SEASON_MONTHS[Season(season)][0], 1)
    return datetime.date(day.year, 1, 1)


def period_end(start, precision, season=""):
    """Return the last day of the period that begins on ``start``."""
    if start is None or precision == DatePrecision.UNKNOWN:
        return None
    if precision == DatePrecision.DAY:
        return start
    if precision == DatePrecision.MONTH:
        return start.replace(day=calendar.monthrange(start.year, start.month)[1])
    if precision == DatePrecision.SEASON:
        last_month = SEASON_MONTHS[Season(season)][1]
        year = start.year + (last_month - 1) // 12
        month = (last_month - 1) % 12 + 1
        return datetime.date(year, month, calendar.monthrange(year, month)[1])
    return datetime.date(start.year, 12, 31)


@dataclass(frozen=True)
class FuzzyDate:
    """A date with its precision, optionally approximate, optionally a range."""

    date: datetime.date | None
    precision: str = DatePrecision.DAY
    season: str = ""
    approximate: bool = False
    end: datetime.date | None = None

    @classmethod
    def unknown(cls):
        return cls(date=None, precision=DatePrecision.UNKNOWN)

    @property
    def is_known(self):
        return self.date is not None and self.precision != DatePrecision.UNKNOWN

    @property
    def latest_day(self):
        """The last day this date can stand for (end of range or period)."""
        if not self.is_known:
            return None
        return period_end(self.end or self.date, self.precision, self.season)

    def sort_key(self):
        """Unknown dates sort after every known date; ties go to the finer date."""
        if not self.is_known:
            return (1, datetime.date.max, PRECISION_RANK[DatePrecision.UNKNOWN])
        return (0, self.date, PRECISION_RANK[DatePrecision(self.precision)])

    def _format_one(self, day):
        if self.precision == DatePrecision.DAY:
            return formats.date_format(day, "DATE_FORMAT")
        if self.precision == DatePrecision.MONTH:
            return formats.date_format(day, "YEAR_MONTH_FORMAT")
        if self.precision == DatePrecision.SEASON:
            return season_label(self.season, day.year)
        return str(day.year)

    def __str__(self):
        if not self.is_known:
            return str(_("date unknown"))
        text = self._format_one(self.date)
        if self.end:
            text = f"{text} – {self._format_one(self.end)}"
        if self.approximate:
            text = pgettext("approximate date", "c. %(date)s") % {"date": text}
        return text

    def isoformat(self):
        """A machine-readable form: 2019, 2019-10, 2019-10-30, summer 2014, 2019/2020."""
        if not self.is_known:
            return ""

        def one(day):
            if self.precision == DatePrecision.DAY:
                return day.isoformat()
            if self.precision == DatePrecision.MONTH:
                return day.strftime("%Y-%m")
            if self.precision == DatePrecision.SEASON:
                return f"{self.season} {day.year}"
            return str(day.year)

        text = one(self.date)
        if self.end:
            text = f"{text}/{one(self.end)}"
        return f"~{text}" if self.approximate else text

    @classmethod
    def parse(cls, text):
        """Read a date as editors write it.

        Accepted: ``""``/``None`` (unknown), ``2019``, ``2019-10``, ``2019-10-30``,
        ``summer 2014`` or ``late 2021``, a leading ``~`` for an approximate
        date, and ``A/B`` for a range of two dates of the same precision.
        """
        if text is None or not str(text).strip():
            return cls.unknown()
        text = str(text).strip()
        approximate = text.startswith("~")
        text = text.lstrip("~").strip()
        parts = [part.strip() for part in text.split("/")]
        if len(parts) > 2:
            raise FuzzyDateError(_("A range has exactly two ends, like 2019/2020."))
        parsed = [_parse_single(part) for part in parts]
        precision, season, start = parsed[0]
        end = None
        if len(parsed) == 2:
            end_precision, end_season, end = parsed[1]
            if end_precision != precision:
                raise FuzzyDateError(_("Both ends of a range must have the same precision."))
            if end <= start:
                raise FuzzyDateError(_("The end of a range must come after its start."))
            if precision == DatePrecision.SEASON and end_season != season:
                raise FuzzyDateError(_("Both ends of a range of seasons must name the same season."))
        return cls(date=start, precision=precision, season=season, approximate=approximate, end=end)


_YEAR = re.compile(r"^(\d{4})$")
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_DAY = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_SEASON = re.compile(r"^([a-z]+)\s+(\d{4})$", re.IGNORECASE)


def _parse_single(text):
    try:
        if match := _YEAR.match(text):
            return DatePrecision.YEAR, "", datetime.date(int(match[1]), 1, 1)
        if match := _MONTH.match(text):
            return DatePrecision.MONTH, "", datetime.date(int(match[1]), int(match[2]), 1)
        if match := _DAY.match(text):
            return DatePrecision.DAY, "", datetime.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError as error:
        raise FuzzyDateError(_("“%(text)s” is not a real date.") % {"text": text}) from error
    if match := _SEASON.match(text):
        season = match[1].lower()
        if season not in Season.values:
            raise FuzzyDateError(
                _("Unknown season “%(season)s”; use one of: %(choices)s.")
                % {"season": match[1], "choices": ", ".join(Season.values)}
            )
        return DatePrecision.SEASON, season, period_start(
            datetime.date(int(match[2]), 1, 1), DatePrecision.SEASON, season
        )
    raise FuzzyDateError(
        _("Write the date as 2019, 2019-10, 2019-10-30 or “summer 2014” (got “%(text)s”).")
        % {"text": text}
    )


def season_label(season, year):
    labels = {
        Season.EARLY: pgettext("part of year", "early %(year)s"),
        Season.SPRING: pgettext("season", "spring %(year)s"),
        Season.MID: pgettext("part of year", "mid-%(year)s"),
        Season.SUMMER: pgettext("season", "summer %(year)s"),
        Season.AUTUMN: pgettext("season", "autumn %(year)s"),
        Season.LATE: pgettext("part of year", "late %(year)s"),
        Season.WINTER: pgettext("season", "winter %(year)s"),
    }
    return labels[Season(season)] % {"year": year}
