"""Syslog RFC 5424 to a real rsyslog over UDP, TCP (octet counting) and a Unix socket."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.pipeline.conftest import finding, items, sample
from tests.pipeline.servers import Server, wait_until
from vedette.events import Severity
from vedette.pipeline.sinks.base import RetryableError
from vedette.pipeline.sinks.syslog import SyslogSettings, format_message, truncate


def test_message_format_is_rfc5424() -> None:
    event = finding(1, Severity.CRITICAL).model_copy(update={
        "summary": 'bad "quote" ] and \\ in\nlines', "dedup_key": 'k"]\\'})
    text = format_message(event, "abc123", facility=4, sd_id="vedette@32473").decode()
    head, _, message = text.partition(" [")
    assert head.split(" ")[:3] == ["<34>1", "2024-05-01T12:00:01.000000Z", "h1"]
    assert head.split(" ")[3:] == ["vedette", head.split(" ")[4], "fim"]
    assert 'dedup_key="k\\"\\]\\\\"' in message and 'id="abc123"' in message
    assert message.endswith('] \ufeffbad "quote" ] and \\ in lines')


def test_udp_truncation_never_cuts_a_character_in_two() -> None:
    event = finding(1).model_copy(update={"summary": "é" * 2000})
    message = format_message(event, "abc123", facility=4, sd_id="vedette@32473")
    for limit in (480, 481, 2048):
        cut = truncate(message, limit)
        assert len(cut) <= limit and cut.decode("utf-8").endswith("é")
    assert truncate(b"short", 480) == b"short"


@pytest.mark.parametrize("transport", ["udp", "tcp", "unix"])
def test_rsyslog_parses_what_vedette_sends(rsyslog_server: Server, transport: str) -> None:
    sink = SyslogSettings(type="syslog", transport=transport, port=(
        rsyslog_server.port if transport == "tcp" else rsyslog_server.extra["udp"]),
        socket=rsyslog_server.extra["socket"], facility="authpriv").build()
    marker = f"via {transport}"
    batch = items(finding(1, Severity.HIGH).model_copy(update={"summary": f"first {marker}"}),
                  sample(),
                  finding(2, Severity.LOW).model_copy(update={"summary": f"second {marker}"}))
    try:
        sink.send(batch)
    finally:
        sink.close()
    out = Path(str(rsyslog_server.extra["out"]))

    def lines() -> list[str]:
        return [line for line in out.read_text().splitlines() if marker in line] \
            if out.exists() else []

    wait_until(lambda: len(lines()) == 2, f"rsyslog to write both {transport} messages")
    first, second = (line.split("|") for line in lines())
    assert first[:4] == ["h1", "vedette", "fim", str(10 * 8 + 3)]  # authpriv.err
    assert second[3] == str(10 * 8 + 5)  # authpriv.notice
    assert first[4].startswith('[vedette@32473 id="' + batch[0].id + '"')
    assert first[5].lstrip("\ufeff").strip() == "first via " + transport


def test_unreachable_syslog_is_retryable(tmp_path: Path) -> None:
    sink = SyslogSettings(type="syslog", transport="unix", socket=tmp_path / "none").build()
    with pytest.raises(RetryableError, match="syslog"):
        sink.send(items(finding(1)))
