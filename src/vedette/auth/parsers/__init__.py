"""From log lines to authentication records: syslog headers, journald JSON, then one small
parser per service (sshd, sudo, su, login, PAM).

Speed matters (auth logs of exposed hosts run to millions of lines a day): a line is first
tested with plain substring checks, the common RFC 3164 header is split without a regular
expression, a message reaches one compiled expression chosen by its first word, and the
timestamp is read only for lines that gave a record.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from vedette.auth.parsers import login, pam, su, sudo
from vedette.auth.parsers.sshd import PROGRAMS as SSHD_PROGRAMS
from vedette.auth.parsers.sshd import SshdParser
from vedette.auth.records import AuthRecord
from vedette.auth.timestamps import Clock, TimestampError, from_journal

__all__ = ["AuthRecord", "LogParser"]

_RFC3164 = re.compile(r"(?:<\d{1,3}>)?(?P<ts>[A-Z][a-z]{2} [ \d]?\d \d\d:\d\d:\d\d)"
                      r"(?: (?P<host>[^\s\[]+))? (?P<prog>[^\s\[:]+)(?:\[(?P<pid>\d+)\])?: "
                      r"(?P<msg>.*)")
# `Mar  3 00:17:22 [sshd]: ...`, seen from some BSD and appliance syslogs.
_BRACKETED = re.compile(r"(?P<ts>[A-Z][a-z]{2} [ \d]?\d \d\d:\d\d:\d\d)(?: (?P<host>[^\s\[]+))? "
                        r"\[(?P<prog>[^\]\s]+)\]:? (?P<pid>)(?P<msg>.*)")
_ISO = re.compile(r"(?P<ts>\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d\S*) (?P<host>\S+) "
                  r"(?P<prog>[^\s\[:]+)(?:\[(?P<pid>\d+)\])?: (?P<msg>.*)")
_RFC5424 = re.compile(r"<\d{1,3}>1 (?P<ts>\S+) (?P<host>\S+) (?P<prog>\S+) (?P<pid>\S+) \S+ "
                      r"(?:-|(?:\[(?:[^\]\\\"]|\\.|\"(?:[^\"\\]|\\.)*\")*\])+)(?: (?P<msg>.*))?")
_PROGRAMS = SSHD_PROGRAMS | {"sudo", "su", "login"}
# The header and the message's first word only: the message is sliced off (an expression
# that also spans the whole message costs as much again, per character).
_SSHD_LINE = re.compile(r"([A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d) ([^\s\[]+) "
                        r"sshd(?:-session|-auth)?\[(\d+)\]: ([^ \n]*)")
_ISO_STAMP = "iso"
_RFC3164_STAMP = "rfc3164"


class LogParser:
    """Parses one input (a file, stdin, a journal export) line by line.

    Every recognised line gives records; `AuthRecord.counted` marks the attempts (with
    `traces=False` only attempts are returned). Keep one parser per input: sshd connections
    are followed across lines.
    """

    def __init__(self, clock: Clock | None = None, traces: bool = True) -> None:
        self.clock = clock or Clock()
        self.sshd = SshdParser(traces)
        self.sshd.stamp = self._stamp
        self._current: Any = None  # the timestamp of the line being read, undecoded
        self.traces = traces
        self.bad_timestamps = 0
        self.bad_json = 0
        self.last_line = 0

    def parse(self, lines: Iterable[str], start: int = 1) -> Iterator[AuthRecord]:
        """Records of `lines`, numbered from `start`; call `finish` after the last line."""
        match_sshd, dispatch = _SSHD_LINE.match, self.sshd.dispatch
        last_raw, last_time = None, None  # logs repeat the same second: decode it once
        number = start - 1
        for number, line in enumerate(lines, start):
            # The most common line, `Mmm dd HH:MM:SS host sshd[pid]: text`, is split by one
            # expression; every other shape goes through `_syslog_line` or `_journal_line`.
            sshd_line = match_sshd(line)
            if sshd_line is not None:
                raw, host, pid, head = sshd_line.groups()
                text = line[sshd_line.start(4):-1] if line[-1] == "\n" else \
                    line[sshd_line.start(4):]
                self._current = raw
                records = dispatch(number, host, pid, head, text)
                if records:
                    if raw != last_raw:
                        last_raw, last_time = raw, self._date(raw)
                    for record in records:
                        if record.time is None:
                            record.time = last_time
            elif line[:1] == "{":
                records = self._journal_line(number, line)
            elif "ssh" in line or "pam_" in line or "su" in line or "login" in line:
                records = self._syslog_line(number, line)  # ("su" finds "sudo" too)
            else:
                continue
            if records:
                yield from records
        self.last_line = number

    def finish(self) -> list[AuthRecord]:
        """Attempts of connections that never logged their end."""
        return self.sshd.finish(self._date)

    def _stamp(self) -> Any:
        return self._current

    def _date(self, stamp: Any) -> datetime | None:
        """The time of a stamp: the raw text of an RFC 3164 header (the most common: no
        tuple is made for it), (kind, raw text) from another syslog header, or a datetime."""
        if stamp is None or isinstance(stamp, datetime):
            return stamp
        kind, raw = (_RFC3164_STAMP, stamp) if isinstance(stamp, str) else stamp
        try:
            return self.clock.iso(raw) if kind is _ISO_STAMP else self.clock.rfc3164(raw)
        except TimestampError:
            self.bad_timestamps += 1
            return None

    def _syslog_line(self, number: int, line: str) -> list[AuthRecord]:
        first = line[:1]
        header, split = None, False
        if line[15:16] == " " and line[9:10] == ":" and line[3:4] == " ":
            # `Mmm dd HH:MM:SS host prog[pid]: message`, split by hand: most lines look so.
            kind, raw = _RFC3164_STAMP, line[:15]
            host, _, rest = line[16:].partition(" ")
            tag, found, message = rest.partition(": ")
            if not found or " " in tag or host[-1:] == ":":  # odd: no host, or spaces
                header = _RFC3164.match(line) or _BRACKETED.match(line)
            else:
                split = True
                bracket = tag.find("[")
                prog = tag if bracket < 0 else tag[:bracket]
                pid = None if bracket < 0 else tag[bracket + 1:-1]
        elif first.isdigit():
            header, kind = _ISO.match(line), _ISO_STAMP
        elif first == "<" and line[line.find(">") + 1:line.find(">") + 3] == "1 ":
            header, kind = _RFC5424.match(line), _ISO_STAMP
        else:
            header, kind = _RFC3164.match(line) or _BRACKETED.match(line), _RFC3164_STAMP
        if header is not None:
            raw, host, prog, message = header["ts"], header["host"], header["prog"], header["msg"]
            if message and message[0] == "\ufeff":  # RFC 5424 allows a BOM before the text
                message = message[1:]
            pid = header["pid"] or None
            if pid == "-":
                pid = None
        elif not split:
            return []
        if not message or (prog not in _PROGRAMS and "pam_" not in message):
            return []
        if message[-1] == "\n":
            message = message.rstrip("\r\n")
        self._current = stamp = (kind, raw)
        if prog in SSHD_PROGRAMS:
            records = self.sshd.message(number, host, pid, message)
        else:
            records = self.message(number, host, prog, pid, message)
        if records:
            time = self._date(stamp)
            for record in records:
                if record.time is None:
                    record.time = time
        return records

    def _journal_line(self, number: int, line: str) -> list[AuthRecord]:
        try:
            entry = json.loads(line)
        except ValueError:
            self.bad_json += 1
            return []
        if not isinstance(entry, dict):
            self.bad_json += 1
            return []
        message = _journal_text(entry.get("MESSAGE"))
        # _COMM is set by journald itself; SYSLOG_IDENTIFIER is whatever the sender claims.
        prog = _journal_text(entry.get("_COMM")) or _journal_text(entry.get("SYSLOG_IDENTIFIER"))
        if not message or not prog or (prog not in _PROGRAMS and "pam_" not in message):
            return []
        try:
            time: datetime | None = from_journal(entry.get("__REALTIME_TIMESTAMP"))
        except TimestampError:
            self.bad_timestamps += 1
            time = None
        self._current = time
        pid = _journal_text(entry.get("_PID")) or _journal_text(entry.get("SYSLOG_PID"))
        records = self.message(number, _journal_text(entry.get("_HOSTNAME")), prog, pid,
                               message)
        for record in records:
            if record.time is None:
                record.time = time
        return records

    def message(self, number: int, host: str | None, prog: str, pid: str | None,
                message: str) -> list[AuthRecord]:
        """Records of one message from program `prog`, without their time."""
        if prog in SSHD_PROGRAMS:
            return self.sshd.message(number, host, pid, message)
        if message.startswith("pam_"):
            record = pam.parse(number, None, host, message)
            if record is None or not (record.counted or self.traces):
                return []
            return [record]
        if prog == "sudo":
            return sudo.parse(number, None, host, message)
        if prog == "su":
            return su.parse(number, None, host, message)
        if prog == "login":
            return login.parse(number, None, host, message)
        return []


def _journal_text(value: object) -> str | None:
    """journald JSON values: a string, an array of bytes (not UTF-8), null (too large), or an
    array of those (a repeated field: the first one is taken)."""
    if isinstance(value, str):
        return value
    if isinstance(value, list) and value:
        if all(isinstance(item, int) for item in value):
            return bytes(value).decode("utf-8", "replace")
        return _journal_text(value[0])
    if isinstance(value, int):
        return str(value)
    return None
