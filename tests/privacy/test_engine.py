"""The public API other parts of Vedette build on: detect, redact, redact_value, preview,
fingerprint, and the policy's transforms."""

from __future__ import annotations

from pathlib import Path

import pytest

from vedette.config import ConfigError
from vedette.privacy import Engine, EngineError, Finding, load_policy
from vedette.privacy.transforms import DecryptionError, decrypt

KEY = b"k" * 32


@pytest.fixture
def engine() -> Engine:
    return Engine(load_policy(), key=KEY)


def policy_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "policy.yaml"
    path.write_text(text)
    return path


def test_detect_returns_located_findings_without_values(engine: Engine) -> None:
    text = "mail jane@corp.io, card 4111 1111 1111 1111"
    findings = engine.detect(text)
    assert [(f.type, text[f.start:f.end]) for f in findings] == [
        ("EMAIL", "jane@corp.io"), ("CREDIT_CARD", "4111 1111 1111 1111")]
    assert all(0 < f.confidence <= 1 and f.detector for f in findings)
    assert set(Finding._fields) == {"type", "start", "end", "confidence", "detector"}
    with pytest.raises(AttributeError):
        findings[0].start = 0  # type: ignore[misc]


def test_nothing_found_in_log_noise(engine: Engine) -> None:
    noise = ("2024-11-15T10:23:45.123Z trace_id=4bf92f3577b34da6a3ce929d0e0e4736 span_id="
             "00f067aa0ba902b7 req=0f8fad5b-d9cb-469f-a165-70867728950e sha256:"
             + "a" * 64 + " took 123ms bytes=1048576 port 8080 v1.2.3 pod "
             "api-7d9f8b6c4-x2k9p order 4111111111111112 from 127.0.0.1")
    assert engine.detect(noise) == []


def test_redact_applies_the_default_policy(engine: Engine) -> None:
    redacted = engine.redact("jane@corp.io paid 4111 1111 1111 1111 with password=hunter22")
    assert "jane@corp.io" not in redacted and redacted.startswith("EMAIL_")
    assert "4111 11** **** 1111" in redacted  # first six and last four at most
    assert "password=<SECRET_TOKEN>" in redacted


def test_pseudonyms_are_stable_per_key_and_normalised(engine: Engine) -> None:
    first = engine.redact("jane@corp.io")
    assert engine.redact("JANE@corp.io") == first
    assert Engine(load_policy(), key=KEY).redact("jane@corp.io") == first
    assert Engine(load_policy(), key=b"x" * 32).redact("jane@corp.io") != first


def test_redact_value_keeps_structure_and_uses_keys(engine: Engine) -> None:
    value = {"user": {"name": "Ana Lima", "email": "ana@corp.io", "ssn": "536221234"},
             "password": "anything at all", "card": 4111111111111111, "count": 3,
             "ok": True, "none": None, "tags": ("a", "call +44 20 7946 0958"),
             "trace_id": "4bf92f3577b34da6a3ce929d0e0e4736"}
    redacted = engine.redact_value(value)
    assert redacted["user"]["name"].startswith("PERSON_")
    assert redacted["user"]["email"].startswith("EMAIL_")
    assert redacted["user"]["ssn"] == "<US_SSN>"
    assert redacted["password"] == "<SECRET_TOKEN>"
    assert redacted["card"] == "411111******1111"
    assert redacted["count"] == 3 and redacted["ok"] is True and redacted["none"] is None
    assert redacted["tags"] == ["a", "call <PHONE>"]
    assert redacted["trace_id"] == value["trace_id"]


def test_preview_and_fingerprint(engine: Engine) -> None:
    text = "to john.smith@example.com"
    finding = engine.detect(text)[0]
    assert engine.preview(text, finding) == "j***@e***.com"
    digest = engine.fingerprint(text, finding)
    assert len(digest) == 32 and "john" not in digest
    assert digest == engine.fingerprint("JOHN.SMITH@example.com",
                                        engine.detect("JOHN.SMITH@example.com")[0])


def test_policy_transforms_regions_and_allow_lists(tmp_path: Path) -> None:
    path = policy_file(tmp_path, """
default_transform: drop
transforms:
  EMAIL: hash
  CREDIT_CARD: {transform: partial_mask, keep_start: 0, keep_end: 4}
allow:
  values: [ops@corp.io]
  patterns: ['.*@internal\\.corp']
regions:
  us:
    transforms: {EMAIL: keep}
    disabled: [IP_ADDRESS]
""")
    engine = Engine(load_policy(path), key=KEY)
    text = "a@b.io ops@corp.io x@internal.corp 4111111111111111 81.2.69.142"
    redacted = engine.redact(text)
    assert redacted.startswith("<EMAIL:") and "ops@corp.io x@internal.corp" in redacted
    assert "************1111" in redacted and redacted.endswith(" ")  # the IP is dropped
    us = Engine(load_policy(path, region="us"), key=KEY)
    assert us.redact(text) == "a@b.io ops@corp.io x@internal.corp ************1111 81.2.69.142"


def test_policy_errors_name_file_line_and_key(tmp_path: Path) -> None:
    path = policy_file(tmp_path, "transforms:\n  EMAIL: mask\n  SHOE_SIZE: mask\n")
    with pytest.raises(ConfigError, match=r"policy.yaml:\d+: transforms: .*SHOE_SIZE"):
        load_policy(path)
    path = policy_file(tmp_path, "transforms:\n  EMAIL: obliterate\n")
    with pytest.raises(ConfigError, match=r"policy.yaml:2: transforms.EMAIL"):
        load_policy(path)
    with pytest.raises(ConfigError, match="no region 'mars'"):
        load_policy(None, region="mars")
    with pytest.raises(ConfigError, match="not found"):
        load_policy(tmp_path / "missing.yaml")


def test_reversible_encryption_with_key_id(tmp_path: Path) -> None:
    key_file = tmp_path / "enc.key"
    key_file.write_text("ab" * 32)
    path = policy_file(tmp_path, """
transforms: {EMAIL: encrypt}
encryption: {key_id: k2026, key_file: enc.key}
""")
    engine = Engine(load_policy(path), key=KEY)
    token = engine.redact("jane@corp.io")
    assert token.startswith("<ENC:EMAIL:k2026:") and "jane" not in token
    assert decrypt(token, {"k2026": bytes.fromhex("ab" * 32)}) == "jane@corp.io"
    with pytest.raises(DecryptionError, match="no key"):
        decrypt(token, {"other": bytes.fromhex("ab" * 32)})
    with pytest.raises(DecryptionError, match="does not decrypt"):
        decrypt(token, {"k2026": bytes.fromhex("cd" * 32)})
    key_file.write_text("short")
    with pytest.raises(EngineError, match=r"enc\.key"):
        Engine(load_policy(path), key=KEY)
