"""Enrich and redact: where records come from, and what they may carry."""

from __future__ import annotations

from typing import Any

import pytest

from tests.pipeline.conftest import finding, sample
from vedette.events import Event, Host, Metric
from vedette.pipeline.enrich import Enricher
from vedette.pipeline.redact import RedactionUnavailable, Redactor, load_engine


def test_enrich_sets_the_host_and_merges_labels_checks_win() -> None:
    enrich = Enricher(Host(name="web-1", labels={"region": "eu-west-1", "env": "prod"}))
    event = finding(1).model_copy(update={"host": Host(name="x", labels={"env": "staging"})})
    out = enrich(event)
    assert isinstance(out, Event)
    assert out.host == Host(name="web-1", labels={"region": "eu-west-1", "env": "staging"})
    metric = enrich(sample(severity="high"))
    assert isinstance(metric, Metric)
    assert metric.labels == {"host": "web-1", "region": "eu-west-1", "env": "prod",
                             "severity": "high"}


class _Engine:
    """Masks one user name wherever it appears, as a privacy policy would."""

    def redact(self, text: str, key_name: str | None = None) -> str:
        return text.replace("alice", "a***")

    def redact_value(self, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: self.redact_value(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.redact_value(v) for v in value]
        return self.redact(value) if isinstance(value, str) else value


def test_redact_covers_summary_context_and_observables_not_metrics() -> None:
    event = finding(1).model_copy(update={
        "summary": "failed login for alice", "context": {"users": ["alice", "bob"]},
        "observables": {"user": "alice"}})
    out = Redactor(_Engine())(event)  # type: ignore[arg-type]
    assert isinstance(out, Event)
    assert "alice" not in out.model_dump_json()
    assert out.observables == {"user": "a***"} and out.context == {"users": ["a***", "bob"]}
    assert out.dedup_key == event.dedup_key  # held nothing to redact
    metric = sample()
    assert Redactor(_Engine())(metric) is metric  # type: ignore[arg-type]


def test_an_unreadable_key_is_a_clear_error(tmp_path: object) -> None:
    from pathlib import Path

    missing = Path(str(tmp_path)) / "missing.key"
    with pytest.raises(RedactionUnavailable):
        load_engine(None, missing)


def test_the_privacy_engine_redacts_vedette_events(tmp_path: object) -> None:
    from pathlib import Path

    key = Path(str(tmp_path)) / "redaction.key"
    key.write_text("6b" * 32)
    redactor = Redactor(load_engine(None, key))
    event = finding(1).model_copy(update={
        "summary": "failed login from 203.0.113.7 for jane@corp.io",
        "context": {"sources": ["203.0.113.7"], "mail": "jane@corp.io"},
        "observables": {"ip": "203.0.113.7"}})
    out = redactor(event)
    text = out.model_dump_json()
    assert "203.0.113.7" not in text and "jane@corp.io" not in text
    # Keyed: the same value gives the same token, so de-duplication downstream still works.
    assert Redactor(load_engine(None, key))(event) == out


def test_an_invalid_privacy_policy_is_a_clear_error(tmp_path: object) -> None:
    from pathlib import Path

    with pytest.raises(RedactionUnavailable, match="not found"):
        load_engine(Path(str(tmp_path)) / "none.yaml", None)
