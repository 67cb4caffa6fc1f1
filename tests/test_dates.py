import datetime
import re

import pytest
from django.utils import translation

from legal.dates import DatePrecision, FuzzyDate, FuzzyDateError, Season, period_end, period_start

D = datetime.date


# Parsing ------------------------------------------------------------------


def test_parse_exact_day():
    fuzzy = FuzzyDate.parse("2019-10-30")
    assert fuzzy == FuzzyDate(date=D(2019, 10, 30), precision=DatePrecision.DAY)


def test_parse_month_stores_first_day_of_month():
    fuzzy = FuzzyDate.parse("2019-10")
    assert (fuzzy.date, fuzzy.precision) == (D(2019, 10, 1), DatePrecision.MONTH)


def test_parse_year_stores_first_of_january():
    fuzzy = FuzzyDate.parse("2019")
    assert (fuzzy.date, fuzzy.precision) == (D(2019, 1, 1), DatePrecision.YEAR)


@pytest.mark.parametrize(
    "text, season, first_day",
    [
        ("early 2021", Season.EARLY, D(2021, 1, 1)),
        ("spring 2014", Season.SPRING, D(2014, 3, 1)),
        ("mid 2014", Season.MID, D(2014, 5, 1)),
        ("summer 2014", Season.SUMMER, D(2014, 6, 1)),
        ("Autumn 2014", Season.AUTUMN, D(2014, 9, 1)),
        ("late 2021", Season.LATE, D(2021, 9, 1)),
        ("winter 2020", Season.WINTER, D(2020, 12, 1)),
    ],
)
def test_parse_season_stores_first_day_of_its_first_month(text, season, first_day):
    fuzzy = FuzzyDate.parse(text)
    assert (fuzzy.date, fuzzy.precision, fuzzy.season) == (first_day, DatePrecision.SEASON, season)


def test_winter_runs_across_the_year_end_into_february():
    winter = FuzzyDate.parse("winter 2020")
    assert winter.date == D(2020, 12, 1)
    assert winter.latest_day == D(2021, 2, 28)
    # 2023/24: the February of a leap year.
    assert FuzzyDate.parse("winter 2023").latest_day == D(2024, 2, 29)


def test_parse_approximate_date():
    fuzzy = FuzzyDate.parse("~2019")
    assert fuzzy.approximate is True
    assert (fuzzy.date, fuzzy.precision) == (D(2019, 1, 1), DatePrecision.YEAR)
    assert FuzzyDate.parse("2019").approximate is False


def test_parse_range_of_years():
    fuzzy = FuzzyDate.parse("2019/2020")
    assert (fuzzy.date, fuzzy.end, fuzzy.precision) == (D(2019, 1, 1), D(2020, 1, 1), DatePrecision.YEAR)
    assert fuzzy.latest_day == D(2020, 12, 31)


def test_parse_range_of_seasons():
    fuzzy = FuzzyDate.parse("summer 2014/summer 2015")
    assert (fuzzy.date, fuzzy.end, fuzzy.season) == (D(2014, 6, 1), D(2015, 6, 1), Season.SUMMER)


@pytest.mark.parametrize("text", [None, "", "   "])
def test_parse_empty_text_is_unknown(text):
    fuzzy = FuzzyDate.parse(text)
    assert fuzzy.precision == DatePrecision.UNKNOWN
    assert fuzzy.date is None
    assert not fuzzy.is_known
    assert fuzzy.latest_day is None


@pytest.mark.parametrize(
    "text, words",
    [
        ("2019-02-30", "not a real date"),
        ("2019-13", "not a real date"),
        ("monsoon 2019", "Unknown season"),
        ("30.10.2019", "Write the date as"),
        ("October 2019", "Unknown season"),
        ("19", "Write the date as"),
        ("2019/2020/2021", "exactly two ends"),
        ("2019/2020-05", "same precision"),
        ("2020/2019", "must come after its start"),
        ("2019/2019", "must come after its start"),
        ("summer 2014/winter 2015", "same season"),
    ],
)
def test_bad_text_raises_fuzzy_date_error_with_a_message(text, words):
    with pytest.raises(FuzzyDateError) as caught:
        FuzzyDate.parse(text)
    assert words in str(caught.value)


def test_fuzzy_date_error_is_a_value_error():
    with pytest.raises(ValueError):
        FuzzyDate.parse("not a date")


def test_error_message_quotes_the_bad_text():
    with pytest.raises(FuzzyDateError, match="30.10.2019"):
        FuzzyDate.parse("30.10.2019")


# Formatting ---------------------------------------------------------------


def test_str_of_exact_day():
    assert str(FuzzyDate.parse("2019-10-30")) == "Oct. 30, 2019"


def test_str_of_month_shows_month_and_year_only():
    assert str(FuzzyDate.parse("2019-10")) == "October 2019"


def test_str_of_year():
    assert str(FuzzyDate.parse("2019")) == "2019"


def test_str_of_season_names_the_season():
    assert str(FuzzyDate.parse("summer 2014")) == "summer 2014"
    assert str(FuzzyDate.parse("mid 2014")) == "mid-2014"
    assert str(FuzzyDate.parse("winter 2020")) == "winter 2020"


def test_str_of_approximate_date():
    assert str(FuzzyDate.parse("~2019")) == "c. 2019"


def test_str_of_range():
    assert str(FuzzyDate.parse("2019/2020")) == "2019 – 2020"


def test_str_of_unknown_date():
    assert str(FuzzyDate.unknown()) == "date unknown"


@pytest.mark.parametrize("language", ["en", "sr-latn", "sr-cyrl"])
@pytest.mark.parametrize("text", ["2019-10", "2019", "~2019-10", "2019-10/2019-11", "summer 2019"])
def test_str_never_shows_a_day_for_coarse_precision(language, text):
    with translation.override(language):
        shown = str(FuzzyDate.parse(text))
    # The year is the only number shown: no day, and no month written as a number.
    assert "2019" in shown
    assert not re.search(r"\d", shown.replace("2019", "")), shown


def test_isoformat_round_trips_through_parse():
    for text in ["2019", "2019-10", "2019-10-30", "summer 2014", "~2019/2020", "winter 2020"]:
        fuzzy = FuzzyDate.parse(text)
        assert FuzzyDate.parse(fuzzy.isoformat()) == fuzzy
    assert FuzzyDate.unknown().isoformat() == ""


# Sorting ------------------------------------------------------------------


def test_mixed_precisions_sort_by_start_then_finer_first():
    texts = ["2020", "2019-03", "unknown", "2019", "2019-03-30", "early 2019", "2019-01-01", "2019-01"]
    dates = [FuzzyDate.unknown() if text == "unknown" else FuzzyDate.parse(text) for text in texts]
    ordered = [fuzzy.isoformat() or "unknown" for fuzzy in sorted(dates, key=FuzzyDate.sort_key)]
    assert ordered == ["2019-01-01", "2019-01", "early 2019", "2019", "2019-03", "2019-03-30", "2020", "unknown"]


def test_unknown_sorts_after_the_latest_known_date():
    latest = FuzzyDate(date=datetime.date.max, precision=DatePrecision.DAY)
    assert FuzzyDate.unknown().sort_key() > latest.sort_key()


def test_winter_sorts_after_autumn_of_the_same_year_and_before_next_year():
    autumn, winter, next_year = (FuzzyDate.parse(t) for t in ["autumn 2020", "winter 2020", "2021"])
    assert sorted([next_year, winter, autumn], key=FuzzyDate.sort_key) == [autumn, winter, next_year]


# Period helpers -----------------------------------------------------------


def test_period_start_normalises_to_the_first_day_of_the_period():
    day = D(2019, 10, 30)
    assert period_start(day, DatePrecision.DAY) == day
    assert period_start(day, DatePrecision.MONTH) == D(2019, 10, 1)
    assert period_start(day, DatePrecision.YEAR) == D(2019, 1, 1)
    assert period_start(day, DatePrecision.SEASON, Season.AUTUMN) == D(2019, 9, 1)
    assert period_start(day, DatePrecision.UNKNOWN) is None


def test_period_end_is_the_last_day_of_the_period():
    assert period_end(D(2020, 2, 1), DatePrecision.MONTH) == D(2020, 2, 29)
    assert period_end(D(2019, 1, 1), DatePrecision.YEAR) == D(2019, 12, 31)
    assert period_end(D(2019, 9, 1), DatePrecision.SEASON, Season.LATE) == D(2019, 12, 31)
