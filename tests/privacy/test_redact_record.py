"""`vedette pii redact --store`: the stream's output unchanged, and what it carried recorded
as in-transit findings of its pipeline when it ends (end of input or SIGTERM)."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.privacy.test_cli import run_with_stdin
from vedette.events import Host
from vedette.privacy import Engine, load_policy
from vedette.privacy.findings import Flow
from vedette.privacy.redact import redact_recorded, redact_stream
from vedette.store import open_store

CARD, EMAIL = "4111111111111111", "jane.doe@example.com"
STREAM = (f"paid with {CARD}\n"
          f'{{"user": {{"email": "{EMAIL}"}}, "card": {CARD}}}\n'
          "nothing here\n"
          f"mail {EMAIL} again\n").encode()


def _config(tmp_path: Path) -> dict[str, str]:
    config = tmp_path / "vedette.yaml"
    config.write_text('host:\n  name: web-1\n  labels:\n    region: "eu-west"\n')
    return {**os.environ, "VEDETTE_HOME": str(tmp_path / "home"), "VEDETTE_CONFIG": str(config)}


def test_recorded_stream_keeps_its_output_and_records_its_findings(tmp_path: Path) -> None:
    env = _config(tmp_path)
    store = tmp_path / "s.db"
    args = [sys.executable, "-m", "vedette", "pii", "redact"]
    plain = subprocess.run(args, input=STREAM, capture_output=True, env=env, timeout=60)
    recorded = subprocess.run([*args, "--pipeline", "app-logs", "--to-region", "us-east",
                               "--legal-basis", "SCC", "--store", store], input=STREAM,
                              capture_output=True, env=env, timeout=60)
    assert recorded.returncode == plain.returncode == 0, recorded.stderr
    assert recorded.stdout == plain.stdout and CARD.encode() not in plain.stdout
    with open_store(store) as events:
        (run,) = events.runs(source="privacy")
        stored = list(events.events(source="privacy"))
    assert (run.name, run.host, run.scope, run.outcome, run.exit_code) == (
        "redact", "web-1", ["app-logs"], "findings", 0)
    assert run.counts == {"lines": 4, "findings": 4, "dropped_lines": 0,
                          "by_type": {"CREDIT_CARD": 2, "EMAIL": 2}}
    findings = {e.context["entity_type"]: e for e in stored if e.kind == "finding"}
    card = findings["CREDIT_CARD"]
    assert {k: v for k, v in card.context.items() if k != "samples"} == {
        "pipeline": "app-logs", "destination_region": "us-east", "legal_basis": "SCC",
        "action": "partial_mask", "data_lifecycle_state": "in_transit",
        "entity_type": "CREDIT_CARD", "count": 2}
    assert [s["line"] for s in card.context["samples"]] == [1, 2]
    assert card.context["samples"][0]["preview"] == "************1111"
    assert card.context["samples"][0]["hash"] == card.context["samples"][1]["hash"]
    assert findings["EMAIL"].context["action"] == "pseudonymize"
    assert card.host.labels == {"region": "eu-west"} and "pci_dss:3.5.1" in card.controls
    (status,) = [e for e in stored if e.kind == "status"]
    assert status.context["lines"] == 4 and status.context["findings"] == 4
    # What was recorded holds no value, in any spelling.
    assert CARD.encode() not in store.read_bytes() and b"jane.doe" not in store.read_bytes()


def test_sigterm_ends_the_stream_and_records_it(tmp_path: Path) -> None:
    """A log shipper stops its exec stage with SIGTERM: what went through is recorded."""
    store = tmp_path / "s.db"
    process = subprocess.Popen(
        [sys.executable, "-m", "vedette", "pii", "redact", "--pipeline", "checkout-logs",
         "--store", store], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        env=_config(tmp_path))
    assert process.stdin is not None and process.stdout is not None
    try:
        for n in range(3):
            process.stdin.write(f"order {n} card {CARD}\n".encode())
            process.stdin.flush()
            assert process.stdout.readline() == f"order {n} card 411111******1111\n".encode()
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    finally:
        process.kill()
        process.stdin.close()
        process.stdout.close()
    with open_store(store) as events:
        (run,) = events.runs(source="privacy")
        (finding,) = [e for e in events.events(source="privacy") if e.kind == "finding"]
    assert (run.outcome, run.counts["lines"]) == ("findings", 3)
    assert (finding.context["pipeline"], finding.context["count"]) == ("checkout-logs", 3)
    assert "destination_region" not in finding.context


def test_flow_options_need_a_store(tmp_path: Path) -> None:
    result = run_with_stdin(["pii", "redact", "--to-region", "us-east"], b"x\n", tmp_path)
    assert result.returncode == 3 and b"give --store too" in result.stderr
    assert result.stdout == b""


class _Interrupted(io.BytesIO):
    """Input that is interrupted (Ctrl-C) after its first line."""

    def readline(self, size: int | None = -1) -> bytes:
        if self.tell():
            raise KeyboardInterrupt
        return super().readline(size)


def test_an_interrupted_stream_is_recorded_as_such(tmp_path: Path) -> None:
    engine = Engine(load_policy(), key=b"k" * 32)
    host, flow = Host(name="web-1"), Flow("app-logs")
    with open_store(tmp_path / "s.db") as store:
        with pytest.raises(KeyboardInterrupt):
            redact_recorded(engine, _Interrupted(f"to {EMAIL}\nmore\n".encode()), io.BytesIO(),
                            store, host, flow)
        (run,) = store.runs()
        (finding,) = [e for e in store.events() if e.kind == "finding"]
    assert (run.outcome, run.error, run.counts["findings"]) == ("interrupted",
                                                                "KeyboardInterrupt", 1)
    assert finding.context["entity_type"] == "EMAIL"


def test_tallying_does_not_change_the_output(tmp_path: Path) -> None:
    """The same bytes out with and without counting, JSON and text lines alike."""
    engine = Engine(load_policy(), key=b"k" * 32)
    data = STREAM + b'{"phone": "+44 20 7946 0958", "n": 4111111111111111}\n\xff broken\n'
    plain, recorded = io.BytesIO(), io.BytesIO()
    redact_stream(engine, io.BytesIO(data), plain)
    with open_store(tmp_path / "s.db") as store:
        redact_recorded(engine, io.BytesIO(data), recorded, store, Host(name="h"), Flow("p"))
        by_type = store.runs()[0].counts["by_type"]
    assert recorded.getvalue() == plain.getvalue()
    assert json.loads(plain.getvalue().splitlines()[4])["phone"] == "<PHONE>"
    assert by_type == {"CREDIT_CARD": 3, "EMAIL": 2, "PHONE": 1}
