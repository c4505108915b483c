from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.conftest import vedette
from vedette.config import ConfigError, parse_model
from vedette.events import Host
from vedette.report import incidents
from vedette.report.incidents import IncidentError
from vedette.store import open_store

HOST = Host(name="dpo-desk")
NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)


def test_clock_kinds() -> None:
    rules = {rule.id: rule for rule in incidents.clock_rules()}
    friday = datetime(2026, 11, 13, 17, tzinfo=UTC)
    assert rules["gdpr-authority"].due(friday) == datetime(2026, 11, 16, 17, tzinfo=UTC)
    # Three business days from a Friday skip the weekend: Mon, Tue, Wed.
    assert rules["lgpd-anpd"].due(friday) == datetime(2026, 11, 18, 17, tzinfo=UTC)
    assert rules["hipaa-hhs-annual"].due(friday) == datetime(2027, 3, 2, tzinfo=UTC)
    assert rules["hipaa-hhs-500"].applies(500) and not rules["hipaa-hhs-500"].applies(499)
    assert rules["hipaa-hhs-annual"].applies(10) and not rules["hipaa-hhs-annual"].applies(None)


def test_lgpd_business_days_skip_brazilian_national_holidays() -> None:
    anpd = {rule.id: rule for rule in incidents.clock_rules()}["lgpd-anpd"]

    def due(aware: str) -> str:
        return anpd.due(datetime.fromisoformat(aware)).isoformat()

    # Thursday before Good Friday (3 April 2026, from Easter): Mon 6, Tue 7, Wed 8.
    assert due("2026-04-02T13:00:00+00:00") == "2026-04-08T13:00:00+00:00"
    # 20 November is a national holiday from 2024 on: Thu 21, Fri 22, Mon 25 ...
    assert due("2024-11-19T13:00:00+00:00") == "2024-11-25T13:00:00+00:00"
    # ... and was not in 2023: Mon 20, Tue 21, Wed 22.
    assert due("2023-11-17T13:00:00+00:00") == "2023-11-22T13:00:00+00:00"
    # Carnival (16 and 17 February 2026) is an optional day off, not a holiday: it counts.
    assert due("2026-02-13T13:00:00+00:00") == "2026-02-18T13:00:00+00:00"
    # Days are Brazilian days: 23:00 on Thursday in Sao Paulo is Friday in UTC.
    assert due("2026-04-03T02:00:00+00:00") == "2026-04-09T02:00:00+00:00"
    # The 23-day supplement crosses Christmas and New Year's Day.
    supplement = {rule.id: rule for rule in incidents.clock_rules()}["lgpd-supplement"]
    assert supplement.due(datetime(2026, 12, 10, 13, tzinfo=UTC)) == datetime(
        2027, 1, 14, 13, tzinfo=UTC)


def test_clock_data_errors_name_file_key_and_line(tmp_path: Path) -> None:
    path = tmp_path / "clocks.yaml"
    path.write_text("clocks:\n  - id: x\n    regime: x\n    title: x\n    basis: x\n"
                    "    deadline: {business_days: 3}\n    holiday_calendar: XX\n")
    with pytest.raises(ConfigError, match=r"clocks.yaml:7: clocks.0.holiday_calendar: .*XX"):
        parse_model(incidents.ClockFile, path)


def test_latest_event_is_the_state_and_history_is_kept(tmp_path: Path) -> None:
    with open_store(tmp_path / "s.db") as store:
        opened = incidents.open_incident(store, HOST, "stolen laptop", NOW, ["gdpr", "hipaa"],
                                         ["health"], 20, NOW)
        incidents.update_incident(store, HOST, opened.id, NOW, note="encrypted disk?",
                                  notified={"gdpr-authority": NOW})
        closed = incidents.close_incident(store, HOST, opened.id, "disk was encrypted", NOW)
        events = list(store.events(source="incident"))
        state = incidents.register(store)[opened.id]
    assert len(events) == 3 and {e.dedup_key for e in events} == {f"incident:{opened.id}"}
    assert all(e.category == "compliance_finding" for e in events)
    assert state == closed and state.status == "closed"
    assert [c.rule.id for c in incidents.clocks(state, NOW)] == [
        "gdpr-authority", "hipaa-individuals", "hipaa-hhs-annual"]
    assert incidents.clocks(state, NOW)[0].state == "met"


def test_mistakes_are_refused(tmp_path: Path) -> None:
    with open_store(tmp_path / "s.db") as store:
        with pytest.raises(IncidentError, match="unknown mars"):
            incidents.open_incident(store, HOST, "x", NOW, ["mars"], [], None, NOW)
        with pytest.raises(IncidentError, match="future"):
            incidents.open_incident(store, HOST, "x", datetime(2027, 1, 1, tzinfo=UTC), [], [],
                                    None, NOW)
        with pytest.raises(IncidentError, match="no incident"):
            incidents.close_incident(store, HOST, "INC-2026-0099", "why", NOW)
        opened = incidents.open_incident(store, HOST, "x", NOW, ["gdpr"], [], None, NOW)
        with pytest.raises(IncidentError, match="unknown clock"):
            incidents.update_incident(store, HOST, opened.id, NOW, notified={"nope": NOW})
        incidents.close_incident(store, HOST, opened.id, "false alarm", NOW)
        with pytest.raises(IncidentError, match="already closed"):
            incidents.close_incident(store, HOST, opened.id, "again", NOW)


def test_command_line(tmp_path: Path) -> None:
    store = tmp_path / "s.db"
    done = vedette("incident", "open", "--title", "card data in logs", "--aware-at",
                   "2026-11-01T10:00", "--regime", "gdpr", "--regime", "us-ca", "--store", store)
    assert done.returncode == 0, done.stderr
    assert "INC-" in done.stdout and "gdpr-authority" in done.stdout and "over" in done.stdout
    incident_id = done.stdout.split()[0]
    done = vedette("incident", "update", incident_id, "--done",
                   "gdpr-authority=2026-11-02T10:00Z", "--store", store)
    assert done.returncode == 0, done.stderr
    listed = json.loads(vedette("incident", "list", "--store", store, "-f", "json").stdout)
    assert listed[0]["clocks"][0] == {**listed[0]["clocks"][0], "clock": "gdpr-authority",
                                      "state": "met"}
    assert vedette("incident", "close", incident_id, "--reason", "notified", "--store",
                   store).returncode == 0
    assert json.loads(vedette("incident", "list", "--store", store, "-f", "json").stdout) == []
    bad = vedette("incident", "open", "--title", "x", "--aware-at", "yesterday", "--store",
                  store)
    assert bad.returncode == 3 and "--aware-at 'yesterday'" in bad.stderr
