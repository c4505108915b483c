"""Enrich and redact: where records come from, and what they may carry."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.pipeline.conftest import finding, sample
from vedette.events import Event, Host, Metric
from vedette.pipeline.enrich import Enricher
from vedette.pipeline.redact import RedactionUnavailable, Redactor, load_engine
from vedette.privacy import Engine, load_policy
from vedette.privacy.policy import Policy


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

    policy = load_policy(None)

    def redact(self, text: str, key_name: str | None = None) -> str:
        return text.replace("alice", "a***")


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


class _CountingEngine(Engine):
    def __init__(self, policy: Policy) -> None:
        super().__init__(policy, key=bytes(32))
        self.calls = 0

    def redact(self, text: str, key_name: str | None = None) -> str:
        self.calls += 1
        return super().redact(text, key_name)


def test_redaction_is_the_engines_and_repeated_strings_are_not_redacted_twice() -> None:
    engine = _CountingEngine(load_policy(None))
    event = finding(1).model_copy(update={
        "summary": "failed login from 203.0.113.7 for jane@corp.io",
        "context": {"sources": ["203.0.113.7", 4111111111111111], "attempts": 12,
                    "user": {"name": "jane@corp.io", "admin": False}},
        "observables": {"ip": "203.0.113.7"}})
    redactor = Redactor(engine)
    out = redactor(event)
    reference = Engine(load_policy(None), key=bytes(32))
    assert (out.summary, out.context, out.observables, out.dedup_key) == (
        reference.redact(event.summary, "summary"), reference.redact_value(event.context),
        reference.redact_value(event.observables),
        reference.redact(event.dedup_key, "dedup_key"))
    assert "203.0.113.7" not in out.model_dump_json() and out.context["attempts"] == 12
    calls = engine.calls
    assert redactor(event) == out and engine.calls == calls  # the next run: all cached


def test_randomized_encryption_is_never_cached(tmp_path: Path) -> None:
    key_file = tmp_path / "enc.key"
    key_file.write_text("ab" * 32)
    policy = Policy.model_validate({
        "transforms": {"IP_ADDRESS": "encrypt"},
        "encryption": {"key_id": "k1", "key_file": str(key_file)}})
    redactor = Redactor(Engine(policy, key=bytes(32)))
    event = finding(1).model_copy(update={"observables": {"ip": "203.0.113.7"}})
    first, second = redactor(event), redactor(event)
    assert isinstance(first, Event) and isinstance(second, Event)
    assert first.observables["ip"].startswith("<ENC:IP_ADDRESS:k1:")
    assert first.observables != second.observables  # a fresh nonce each time
