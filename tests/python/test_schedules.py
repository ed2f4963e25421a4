"""Cron fire times against Debian's python3-croniter over a year in Europe/Paris, and paddock's
rule on the two daylight-saving days.

croniter 1.3.5 is right about which wall-clock times match an expression, and wrong around the
daylight-saving changes when given a time zone (it gives 02:30 on the day that has no 02:30, and
23:00 on 31 March for @monthly): so the year is compared in Paris wall-clock time (croniter on
naive local times, paddock's UTC fire times converted to Paris), away from the change days, and
the change days are checked by hand against paddock's rule: a local time that does not exist
does not fire, one that happens twice fires once, the first time."""
import json
import os
import subprocess
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

croniter = pytest.importorskip("croniter").croniter

PADDOCK = os.environ.get("PADDOCK_BINARY", "paddock")
PARIS = ZoneInfo("Europe/Paris")
DST_DAYS = {"2026-03-29", "2026-03-30", "2026-10-25", "2026-10-26"}  # the changes, and the day after

EXPRESSIONS = [
    "0 20 * * *", "30 2 * * *", "*/15 9-17 * * MON-FRI", "0 */3 * * *", "5,35 8 1,15 * *",
    "0 12 * * SUN", "0 6 1-7 * MON", "0 9 * JAN,JUL *", "45 23 L * *".replace("L", "28-31"),
    "0 0 * * 0", "0 0 * * 7", "10 4 */2 * *", "0 7 13 * 5", "@hourly", "@daily", "@weekly", "@monthly",
    "0 2-3 * * *", "30 1-4/2 * * *",
]


def paddock_times(expr, after, count):
    out = subprocess.run([PADDOCK, "schedules", "next", expr, "--tz", "Europe/Paris", "--after", after,
                          "--count", str(count), "--json"], check=True, capture_output=True, text=True).stdout
    return [datetime.strptime(t, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc) for t in json.loads(out)]


def croniter_local_times(expr, start, until):
    """Naive Paris wall-clock times, by croniter."""
    it = croniter(expr, start)
    times = []
    while True:
        t = it.get_next(datetime)
        if t > until:
            return times
        times.append(t)


@pytest.mark.parametrize("expr", EXPRESSIONS)
def test_a_year_of_fire_times_agrees_with_croniter(expr):
    start, until = datetime(2026, 1, 1, 0, 0), datetime(2027, 1, 1, 0, 0)  # Paris wall clock
    expected = [t for t in croniter_local_times(expr, start, until) if t.strftime("%Y-%m-%d") not in DST_DAYS]
    ours = [t.astimezone(PARIS).replace(tzinfo=None)
            for t in paddock_times(expr, "2025-12-31T23:00:00Z", len(expected) + 200)]
    ours = [t for t in ours if t <= until and t.strftime("%Y-%m-%d") not in DST_DAYS]
    assert len(expected) > 10
    assert ours == expected


def test_the_spring_hour_that_does_not_exist_does_not_fire():
    # 29 March 2026: 02:00 CET becomes 03:00 CEST.
    times = paddock_times("30 2 * * *", "2026-03-27T12:00:00Z", 3)
    assert [t.isoformat() for t in times] == [
        "2026-03-28T01:30:00+00:00", "2026-03-30T00:30:00+00:00", "2026-03-31T00:30:00+00:00"]
    hourly = paddock_times("0 * * * *", "2026-03-28T23:30:00Z", 3)  # 00:30 CET on the 29th
    assert [t.astimezone(PARIS).strftime("%H:%M %Z") for t in hourly] == ["01:00 CET", "03:00 CEST", "04:00 CEST"]


def test_the_autumn_hour_that_happens_twice_fires_once():
    # 25 October 2026: 03:00 CEST becomes 02:00 CET, 02:xx happens twice.
    times = paddock_times("30 2 * * *", "2026-10-24T12:00:00Z", 3)
    assert [t.isoformat() for t in times] == [
        "2026-10-25T00:30:00+00:00", "2026-10-26T01:30:00+00:00", "2026-10-27T01:30:00+00:00"]
    hourly = paddock_times("0 * * * *", "2026-10-24T23:30:00Z", 3)
    assert [t.astimezone(PARIS).strftime("%H:%M %Z") for t in hourly] == ["02:00 CEST", "03:00 CET", "04:00 CET"]


def test_bad_expressions_are_named():
    for expr, message in [("61 * * * *", "minute field: '61' is out of range"),
                          ("* * * *", "has 4 fields"),
                          ("0 0 * FOO *", "month field: 'FOO'"),
                          ("0 0 * * 1-9", "day of week field: '1-9' is out of range"),
                          ("*/0 * * * *", "step"),
                          ("@often", "is not @yearly")]:
        run = subprocess.run([PADDOCK, "schedules", "next", expr], capture_output=True, text=True)
        assert run.returncode == 2, (expr, run.stderr)
        assert message in run.stderr, (expr, run.stderr)
