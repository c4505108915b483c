from __future__ import annotations

import statistics
from datetime import timedelta

from tests.drift.conftest import START, settings
from vedette.drift.baseline import learn
from vedette.drift.history import Point


def points(*changed: int, failed_at: tuple[int, ...] = ()) -> list[Point]:
    return [Point(START + timedelta(hours=i), "web1", "puppet", value, i in failed_at)
            for i, value in enumerate(changed)]


def test_no_judgement_before_the_first_converged_run() -> None:
    assert learn(points(40, 12, 7, 3), "host", settings()) is None


def test_learns_from_the_first_converged_run_on() -> None:
    # The bootstrap runs (40, 12) are left out; the rest: median 2, MAD 1.
    expected = learn(points(40, 12, 0, 2, 3, 1, 2, 5), "host", settings())
    assert expected is not None
    assert (expected.median, expected.mad, expected.runs) == (2.0, 1.0, 6)
    assert expected.upper == 2 + 3.5 * 1.4826


def test_one_wild_run_barely_moves_the_range() -> None:
    history = (0, 2, 3, 2, 1, 2, 90)
    wild = learn(points(*history), "host", settings())
    assert wild is not None and wild.upper < 8
    # Mean and standard deviation would have let anything up to ~125 through.
    assert statistics.mean(history) + 3.5 * statistics.stdev(history) > 120


def test_min_spread_and_window_and_failed_runs() -> None:
    zero = learn(points(0, 0, 0, 0), "host", settings())
    assert zero is not None and zero.upper == 3.5  # min_spread 1
    assert learn(points(0, 0), "host", settings()) is None  # fewer than min_runs
    windowed = learn(points(0, *[50] * 10, *[1] * 3), "host", settings(window=3))
    assert windowed is not None and windowed.median == 1
    # A failed run's count says nothing about drift: left out.
    with_failure = learn(points(0, 1, 80, 1, 1, failed_at=(2,)), "host", settings())
    assert with_failure is not None and with_failure.runs == 4
