"""A detect run end to end: events, metrics, the run record, errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.auth.conftest import DATA
from vedette.auth.config import AuthSettings
from vedette.auth.run import AuthError, check
from vedette.events import Host
from vedette.store import open_store

HOST = Host(name="bastion", labels={"env": "prod"})


def test_metrics_events_and_run(tmp_path: Path) -> None:
    with open_store(tmp_path / "store.db") as store:
        result = check([str(DATA / "mixed.log")], AuthSettings(), HOST, store)
        runs = store.runs("auth")
        stored = list(store.events("auth"))
        samples = list(store.metrics("vedette_auth_attempts_total"))
    attempts = {(m.labels["service"], m.labels["outcome"], m.labels["country"]): m.value
                for m in result.metrics if m.name == "vedette_auth_attempts_total"}
    assert attempts[("sudo", "failure", "local")] == 3
    # 10.0.0.8 and the documentation ranges 192.0.2.0/24: private, never looked up.
    assert attempts[("sshd", "success", "private")] == 3
    assert sum(v for (s, o, _), v in attempts.items() if s == "sshd" and o == "failure") == 16
    assert all(m.labels["env"] == "prod" for m in result.metrics)
    assert {e.category for e in result.activity if e.kind == "activity"} == {"authentication"}
    assert all(e.category == "detection_finding" for e in result.findings)
    assert result.status.context["failures"] == 22 and result.status.context["successes"] == 6
    assert [(r.name, r.outcome, r.exit_code) for r in runs] == [
        ("detect", "ok" if result.exit_code == 0 else "detections", result.exit_code)]
    assert len(stored) == len(result.events) and len(samples) == len(attempts)


def test_success_events_carry_origin_and_controls(tmp_path: Path) -> None:
    result = check([str(DATA / "mixed.log")], AuthSettings(), HOST)
    login = next(e for e in result.activity if e.observables.get("user") == "alice")
    assert login.context["origin"]["country"] == "private"
    assert "pci_dss:10.2.1.4" in login.controls


def test_a_missing_log_is_recorded_as_a_failed_run(tmp_path: Path) -> None:
    with open_store(tmp_path / "store.db") as store:
        with pytest.raises(AuthError, match=r"nope\.log"):
            check([str(tmp_path / "nope.log")], AuthSettings(), HOST, store)
        runs = store.runs("auth")
    assert [(r.outcome, r.exit_code) for r in runs] == [("error", 3)]
    assert "nope.log" in (runs[0].error or "")


def test_unknown_time_zone_is_a_clear_error() -> None:
    with pytest.raises(AuthError, match="Mars/Olympus"):
        check([str(DATA / "mixed.log")], AuthSettings(timezone="Mars/Olympus"), HOST)
