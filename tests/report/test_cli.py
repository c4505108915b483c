from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.conftest import vedette
from vedette.report.period import PeriodError, between, month, previous_month
from vedette.store import open_store


def test_periods() -> None:
    november = month("2026-11")
    assert (november.start, november.end) == (datetime(2026, 11, 1, tzinfo=UTC),
                                               datetime(2026, 12, 1, tzinfo=UTC))
    assert len(november.days()) == 30
    assert month("2026-12").end == datetime(2027, 1, 1, tzinfo=UTC)
    assert between("2026-11-02", "2026-11-08").weeks()[0].label == "2026-W45"
    assert previous_month(datetime(2026, 1, 15, tzinfo=UTC)) == month("2025-12")
    for bad in ("2026-13", "11-2026"):
        with pytest.raises(PeriodError):
            month(bad)
    with pytest.raises(PeriodError, match="before"):
        between("2026-11-08", "2026-11-01")


def test_scope_and_framework_options(tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    done = vedette("report", "--from", "2026-11-01", "--to", "2026-11-07", "--hosts",
                   "a,b", "--framework", "gdpr", "--store", tmp_path / "empty.db",
                   "-f", "json", "-o", out)
    assert done.returncode == 0, done.stderr
    content = json.loads(out.read_text())
    assert content["metadata"]["scope"]["hosts"] == ["a", "b"]
    assert [f["id"] for f in content["metadata"]["frameworks"]] == ["gdpr"]
    # Nothing reported: every control's evidence is missing except the report's own.
    assert content["coverage"]["percent"] == 0
    assert {c["status"] for c in content["controls"] if c["control"] != "art5(2)"} == {
        "missing"}


@pytest.mark.parametrize(("args", "message"), [
    (["--period", "2026-11", "--from", "2026-11-01", "--to", "2026-11-02"], "not both"),
    (["--from", "2026-11-01"], "go together"),
    (["--period", "November"], "YYYY-MM"),
    (["--framework", "pci-3"], "unknown pci-3"),
])
def test_usage_errors_exit_3(tmp_path: Path, args: list[str], message: str) -> None:
    done = vedette("report", *args, "--store", tmp_path / "s.db", "-o", tmp_path / "r.html")
    assert done.returncode == 3 and message in done.stderr
    assert not (tmp_path / "r.html").exists()


def test_unreadable_store_exits_3(tmp_path: Path) -> None:
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all" * 100)
    done = vedette("report", "--period", "2026-11", "--store", junk, "-o", tmp_path / "r.html")
    assert done.returncode == 3 and "junk.db" in done.stderr


def test_odd_event_shapes_do_not_break_a_report(tmp_path: Path) -> None:
    from vedette.events import Event, Host

    host = Host(name="odd", labels={"region": "eu"})
    when = datetime(2026, 11, 5, tzinfo=UTC)
    with open_store(tmp_path / "s.db") as store:
        store.add_events([
            Event(time=when, host=host, source="privacy", kind="finding",
                  category="data_security_finding", summary="x", dedup_key="a",
                  context={"count": "many", "samples": "not a list"}),
            Event(time=when, host=host, source="drift", kind="activity",
                  category="config_drift", summary="y", dedup_key="b",
                  context={"resources": "File[/etc/x]"}),
        ])
    out = tmp_path / "r.json"
    done = vedette("report", "--period", "2026-11", "--store", tmp_path / "s.db", "-f", "json",
                   "-o", out)
    assert done.returncode == 0, done.stderr
    content = json.loads(out.read_text())
    assert content["privacy"]["occurrences"] == 1
    assert content["findings"]["drift_counts"]["explained by configuration management"] == 1


def test_a_corrupt_incident_record_is_named(tmp_path: Path) -> None:
    from vedette.events import Event, Host

    with open_store(tmp_path / "s.db") as store:
        store.add_events([Event(host=Host(name="h"), source="incident", kind="activity",
                                category="compliance_finding", summary="?",
                                dedup_key="incident:INC-X", context={"id": "INC-X"})])
    done = vedette("report", "--period", "2026-11", "--store", tmp_path / "s.db",
                   "-o", tmp_path / "r.html")
    assert done.returncode == 3 and "'incident:INC-X'" in done.stderr
    assert "title" in done.stderr
