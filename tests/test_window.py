"""The window a run analyses when it is not given dates: the week before its scheduled start."""

from datetime import UTC, date, datetime, timedelta

import pytest

from tasks.window import WindowError, analysis_window, week_before

MONDAY_6AM_UTC = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)


def test_a_monday_run_analyses_monday_to_sunday_before():
    assert week_before(MONDAY_6AM_UTC) == (date(2026, 11, 16), date(2026, 11, 22))


def test_the_week_is_cut_in_the_schedule_timezone():
    # Monday 06:00 in Auckland (UTC+13 in November) is Sunday 17:00 UTC.
    auckland_monday = datetime(2026, 11, 22, 17, 0, tzinfo=UTC)
    assert week_before(auckland_monday, "Pacific/Auckland") == (
        date(2026, 11, 16),
        date(2026, 11, 22),
    )
    assert week_before(auckland_monday, "UTC") == (date(2026, 11, 15), date(2026, 11, 21))


def test_the_scheduled_start_decides_not_the_clock():
    # However late it starts, the run scheduled for that Monday analyses the same week.
    assert analysis_window(None, None, MONDAY_6AM_UTC) == week_before(MONDAY_6AM_UTC)


def test_given_dates_win_and_one_date_makes_a_week():
    given = analysis_window(date(2026, 11, 9), date(2026, 11, 15), MONDAY_6AM_UTC)
    assert given == (date(2026, 11, 9), date(2026, 11, 15))
    assert analysis_window(date(2026, 11, 9), None, MONDAY_6AM_UTC) == given
    assert analysis_window(None, date(2026, 11, 15), MONDAY_6AM_UTC) == given


def test_bad_windows_say_why():
    with pytest.raises(WindowError, match="before start"):
        analysis_window(date(2026, 11, 15), date(2026, 11, 9), MONDAY_6AM_UTC)
    with pytest.raises(WindowError, match="unknown timezone 'Mars/Olympus'"):
        week_before(MONDAY_6AM_UTC, "Mars/Olympus")


@pytest.mark.usefixtures("prefect_harness")
def test_the_flow_without_dates_records_the_week_before_its_scheduled_start(output_dir, store_url):
    from flows.voice_of_customer import voice_of_customer
    from monitor.store import ResultsStore

    state = voice_of_customer(output_dir=str(output_dir), store=store_url, return_state=True)
    assert state.is_completed()
    (run,) = ResultsStore(store_url).runs()
    today = run["started_at"].astimezone(UTC).date()  # the day it was scheduled for, here
    assert (run["window_start"], run["window_end"]) == (
        today - timedelta(days=7),
        today - timedelta(days=1),
    )
    assert run["parameters"]["start"] == run["window_start"].isoformat()
    assert run["deployment_id"] is None and run["deployment_name"] is None
