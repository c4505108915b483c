"""A database scan as a recorded check: events, metrics, run record and exit code."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.privacy.stores.conftest import DSN, Seeded, assert_clean
from vedette.events import Host
from vedette.privacy.stores.postgres import RowFinding
from vedette.privacy.stores.run import DatabaseError, scan_database
from vedette.store import open_store

HOST = Host(name="db-auditor", labels={"region": "eu"})


def stored_text(path: Path) -> str:
    """Everything the store holds, as text."""
    with open_store(path) as store:
        parts = [event.to_json() for event in store.events()]
        parts += [metric.to_json() for metric in store.metrics()]
        parts += [json.dumps(run.__dict__, default=str) for run in store.runs()]
    return "\n".join(parts)


def test_findings_become_events_with_controls(engine: object, seeded: Seeded,
                                              tmp_path: Path) -> None:
    streamed: list[RowFinding] = []
    with open_store(tmp_path / "store.db") as store:
        result = scan_database(DSN, engine, HOST, store,  # type: ignore[arg-type]
                               [seeded.table("customers"), seeded.table("payments")],
                               on_finding=streamed.append)
        (run,) = store.runs(source="privacy")
        events = list(store.events(run_id=run.id))
    assert result.exit_code == 1
    assert len(streamed) == result.aggregate.total >= 9
    assert (run.name, run.outcome, run.exit_code) == ("scan-db", "found", 1)
    assert run.counts["tables"] == 2 and run.counts["rows"] == 7
    assert run.scope == ["host=127.0.0.1 port=5432 dbname=test user=postgres",
                         seeded.table("customers"), seeded.table("payments")]
    findings = [e for e in events if e.kind == "finding"]
    assert all(e.category == "data_security_finding" and e.source == "privacy"
               for e in events)
    cards = {(e.context["table"], e.context["column"]): e for e in findings
             if e.context["entity_type"] == "CREDIT_CARD"}
    assert set(cards) == {("customers", "note"), ("customers", "profile"), ("payments", "card")}
    payments = cards[("payments", "card")]
    assert payments.context["count"] == 2 and payments.severity.value == "high"
    assert {"pci_dss:3.5.1", "gdpr:art32"} <= set(payments.controls)
    assert [s["key"] for s in payments.context["samples"]] == [
        {"region": "eu", "seq": "1"}, {"region": "us", "seq": "2"}]
    assert payments.dedup_key.endswith(f":test:{seeded.schema}.payments.card:CREDIT_CARD")
    emails = [e for e in findings if e.context["entity_type"] == "EMAIL"]
    assert emails and all("pci_dss:3.5.1" not in e.controls for e in emails)
    (status,) = [e for e in events if e.kind == "status"]
    assert status.context["findings"] == result.aggregate.total
    assert status.context["by_table"][seeded.table("payments")] == 3
    assert_clean(stored_text(tmp_path / "store.db"))


def test_nothing_found_is_recorded_too(engine: object, seeded: Seeded, tmp_path: Path) -> None:
    with open_store(tmp_path / "store.db") as store:
        result = scan_database(DSN, engine, HOST, store,  # type: ignore[arg-type]
                               [seeded.table("clean_events")], sample=100)
        (run,) = store.runs()
        events = list(store.events())
        metrics = {m.name: m.value for m in store.metrics()}
    assert result.exit_code == 0 and (run.outcome, run.exit_code) == ("ok", 0)
    assert [e.kind for e in events] == ["status"]
    assert events[0].context["sampled"] is True
    assert metrics["vedette_pii_db_tables_scanned"] == 1
    assert 0 < metrics["vedette_pii_db_rows_scanned"] <= 100


def test_unreadable_tables_are_problems_and_make_an_empty_result_unknown(
        engine: object, seeded: Seeded, limited_role: str, tmp_path: Path) -> None:
    with open_store(tmp_path / "store.db") as store:
        result = scan_database(limited_role, engine, HOST, store,  # type: ignore[arg-type]
                               [seeded.table("customers")])
        (run,) = store.runs()
    assert result.exit_code == 3 and (run.outcome, run.exit_code) == ("incomplete", 3)
    assert [p.table for p in result.problems] == [seeded.table("customers")]
    assert result.status.context["problem_list"][0]["problem"].endswith("permission denied "
                                                                         "(no SELECT privilege)")


def test_a_scan_that_cannot_run_is_recorded_as_an_error(engine: object, tmp_path: Path
                                                        ) -> None:
    with open_store(tmp_path / "store.db") as store:
        with pytest.raises(DatabaseError, match="cannot connect"):
            scan_database("host=127.0.0.1 port=1 dbname=test", engine, HOST, store)  # type: ignore[arg-type]
        (run,) = store.runs()
    assert (run.outcome, run.exit_code) == ("error", 3)
    assert run.error and "cannot connect" in run.error
