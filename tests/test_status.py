"""Status is never typed in: it is derived from lifecycle events."""

import datetime

import pytest

from legal import models
from legal.dates import DatePrecision
from legal.services import set_links
from legal.status import Status, consultation_deadline, derive_status, tracker_stages
from tests import factories

pytestmark = pytest.mark.django_db

D = datetime.date
Kind = models.LifecycleEvent.Kind


def event(attempt, kind, date, precision=DatePrecision.DAY, **fields):
    return factories.make_event(attempt=attempt, kind=kind, date=date, date_precision=precision, **fields)


def open_consultation(attempt, opened=D(2021, 3, 1), deadline=D(2021, 3, 31)):
    event(attempt, Kind.PUBLISHED, opened)
    return event(attempt, Kind.CONSULTATION_OPENED, opened, deadline=deadline)


def test_attempt_without_events_has_not_started(attempt):
    assert attempt.status == Status.NOT_STARTED
    assert derive_status([]) == Status.NOT_STARTED


def test_announced_attempt_is_announced(attempt):
    event(attempt, Kind.ANNOUNCED, D(2021, 1, 1), DatePrecision.YEAR)
    assert attempt.status == Status.ANNOUNCED


def test_published_draft_is_published(attempt):
    event(attempt, Kind.ANNOUNCED, D(2021, 1, 1), DatePrecision.MONTH)
    event(attempt, Kind.PUBLISHED, D(2021, 2, 15))
    assert attempt.status == Status.PUBLISHED


def test_consultation_with_a_future_deadline_is_in_consultation(attempt):
    open_consultation(attempt, deadline=D(2021, 3, 31))
    assert derive_status(attempt.all_events(), today=D(2021, 3, 15)) == Status.IN_CONSULTATION


def test_consultation_is_still_open_on_its_deadline_day(attempt):
    open_consultation(attempt, deadline=D(2021, 3, 31))
    assert derive_status(attempt.all_events(), today=D(2021, 3, 31)) == Status.IN_CONSULTATION


def test_consultation_past_its_deadline_counts_as_closed(attempt):
    open_consultation(attempt, deadline=D(2021, 3, 31))
    assert derive_status(attempt.all_events(), today=D(2021, 4, 1)) == Status.CONSULTATION_CLOSED


def test_consultation_without_a_deadline_stays_open(attempt):
    event(attempt, Kind.CONSULTATION_OPENED, D(2021, 3, 1))
    assert derive_status(attempt.all_events(), today=D(2030, 1, 1)) == Status.IN_CONSULTATION


def test_recorded_closing_closes_the_consultation(attempt):
    open_consultation(attempt, deadline=D(2021, 3, 31))
    event(attempt, Kind.CONSULTATION_CLOSED, D(2021, 3, 20))
    assert derive_status(attempt.all_events(), today=D(2021, 3, 25)) == Status.CONSULTATION_CLOSED


def test_extension_moves_the_deadline(attempt):
    open_consultation(attempt, deadline=D(2021, 3, 31))
    event(attempt, Kind.CONSULTATION_EXTENDED, D(2021, 3, 30), deadline=D(2021, 4, 30))
    events = attempt.all_events()
    assert consultation_deadline(events) == D(2021, 4, 30)
    assert derive_status(events, today=D(2021, 4, 15)) == Status.IN_CONSULTATION
    assert derive_status(events, today=D(2021, 5, 1)) == Status.CONSULTATION_CLOSED


def test_extension_without_a_new_date_keeps_the_old_deadline(attempt):
    open_consultation(attempt, deadline=D(2021, 3, 31))
    event(attempt, Kind.CONSULTATION_EXTENDED, D(2021, 3, 30))
    assert consultation_deadline(attempt.all_events()) == D(2021, 3, 31)


def test_withdrawn_attempt_is_withdrawn(attempt):
    open_consultation(attempt)
    event(attempt, Kind.WITHDRAWN, D(2021, 9, 1), DatePrecision.MONTH)
    assert attempt.status == Status.WITHDRAWN


def test_announced_redraft_follows_withdrawal(attempt):
    event(attempt, Kind.PUBLISHED, D(2021, 3, 1))
    event(attempt, Kind.WITHDRAWN, D(2021, 9, 1), DatePrecision.MONTH)
    event(attempt, Kind.REDRAFT_ANNOUNCED, D(2021, 9, 1), DatePrecision.MONTH)
    assert attempt.status == Status.REDRAFT_ANNOUNCED


def test_events_in_the_same_year_are_ordered_by_procedural_rank_not_entry_order(attempt):
    # Recorded in reverse: the closing first, the publication last.
    event(attempt, Kind.CONSULTATION_CLOSED, D(2021, 1, 1), DatePrecision.YEAR)
    event(attempt, Kind.CONSULTATION_OPENED, D(2021, 1, 1), DatePrecision.YEAR)
    event(attempt, Kind.PUBLISHED, D(2021, 1, 1), DatePrecision.YEAR)
    assert attempt.status == Status.CONSULTATION_CLOSED


def test_an_exact_date_inside_a_year_comes_before_the_bare_year(attempt):
    # "2021" starts on 1 January, like the exact date, but is coarser, so it sorts after it.
    event(attempt, Kind.WITHDRAWN, D(2021, 1, 1), DatePrecision.YEAR)
    event(attempt, Kind.PUBLISHED, D(2021, 1, 1))
    assert attempt.status == Status.WITHDRAWN


def test_a_later_date_wins_over_a_higher_rank(attempt):
    event(attempt, Kind.WITHDRAWN, D(2019, 1, 1), DatePrecision.YEAR)
    event(attempt, Kind.ANNOUNCED, D(2021, 1, 1), DatePrecision.YEAR)
    assert attempt.status == Status.ANNOUNCED


def test_an_event_with_unknown_date_sorts_last(attempt):
    event(attempt, Kind.ADOPTED, None, DatePrecision.UNKNOWN)
    event(attempt, Kind.PUBLISHED, D(2021, 1, 1))
    assert attempt.status == Status.ADOPTED


def test_attempt_status_includes_the_events_of_its_instruments(attempt, instrument):
    set_links(attempt, "instruments", [instrument], reason="Test: group texts")
    event(attempt, Kind.PUBLISHED, D(2021, 3, 1))
    factories.make_event(instrument=instrument, kind=Kind.ADOPTED, date=D(2021, 7, 1), date_precision=DatePrecision.DAY)
    assert attempt.status == Status.ADOPTED
    assert instrument.status == Status.ADOPTED


def test_attempt_ignores_instrument_events_recorded_for_another_attempt(attempt, instrument):
    other = factories.make_attempt()
    set_links(attempt, "instruments", [instrument], reason="Test: group texts")
    set_links(other, "instruments", [instrument], reason="Test: group texts")
    event(attempt, Kind.PUBLISHED, D(2021, 3, 1))
    factories.make_event(
        attempt=other, instrument=instrument, kind=Kind.WITHDRAWN, date=D(2022, 1, 1), date_precision=DatePrecision.DAY
    )
    assert attempt.status == Status.PUBLISHED
    assert other.status == Status.WITHDRAWN


def test_tracker_stages_mark_the_stages_reached(attempt):
    event(attempt, Kind.DRAFTED, D(2021, 1, 1), DatePrecision.YEAR)
    published = event(attempt, Kind.PUBLISHED, D(2021, 3, 1))
    opened = event(attempt, Kind.CONSULTATION_OPENED, D(2021, 3, 1), deadline=D(2021, 3, 31))
    stages = attempt.stages
    assert [(stage.status, stage.reached) for stage in stages] == [
        (Status.ANNOUNCED, True),
        (Status.PUBLISHED, True),
        (Status.IN_CONSULTATION, True),
        (Status.SUBMITTED, False),
        (Status.ADOPTED, False),
        (Status.IN_FORCE, False),
    ]
    assert stages[1].events == [published]
    assert stages[2].events == [opened]
    assert stages[3].events == []
    assert stages[0].label == "Announced"


def test_tracker_stages_of_no_events_reach_nothing():
    assert not any(stage.reached for stage in tracker_stages([]))


# DPIA outcome ---------------------------------------------------------------------------


def test_dpia_without_rulings_has_no_outcome(dpia):
    assert dpia.outcome is None
    assert dpia.get_outcome_display() == "No ruling recorded"


def test_dpia_outcome_comes_from_the_latest_ruling(dpia):
    # The later ruling is recorded first, so entry order would give the wrong answer.
    factories.make_ruling(
        dpia=dpia,
        kind=models.Ruling.Kind.DPIA_OPINION,
        outcome=models.Ruling.Outcome.APPROVED,
        date=D(2021, 1, 1),
        date_precision=DatePrecision.YEAR,
    )
    factories.make_ruling(
        dpia=dpia,
        kind=models.Ruling.Kind.DPIA_OPINION,
        outcome=models.Ruling.Outcome.NOT_COMPLIANT,
        date=D(2020, 6, 1),
        date_precision=DatePrecision.MONTH,
    )
    assert dpia.outcome == models.Ruling.Outcome.APPROVED
    assert dpia.get_outcome_display() == "Approved / compliant"


def test_dpia_outcome_ignores_rulings_on_other_dpias(dpia):
    factories.make_ruling(dpia=dpia, kind=models.Ruling.Kind.DPIA_OPINION, outcome=models.Ruling.Outcome.NOT_COMPLIANT)
    other = factories.make_dpia(authority=dpia.authority, system=dpia.system, round=2)
    factories.make_ruling(
        dpia=other, kind=models.Ruling.Kind.DPIA_OPINION, outcome=models.Ruling.Outcome.APPROVED, date=D(2025, 1, 1)
    )
    assert dpia.outcome == models.Ruling.Outcome.NOT_COMPLIANT
    assert other.outcome == models.Ruling.Outcome.APPROVED
