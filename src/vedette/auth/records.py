"""What a parser makes of one log line: an authentication attempt, or a trace of one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

FAILURE = "failure"
SUCCESS = "success"


@dataclass(slots=True)
class AuthRecord:
    """One authentication attempt (`counted`), or a line that only echoes or announces one.

    Services write several lines per attempt (sshd's "Invalid user" then "Failed password",
    PAM's own line beside the service's): exactly one of them is `counted`, so rates count
    attempts, not lines. The other lines are kept as traces (`counted=False`) because they
    still say who tried from where. `user` is untrusted text: people type passwords into
    the user name prompt.
    """

    line: int
    time: datetime | None
    service: str
    outcome: str
    src_ip: str | None
    user: str | None
    method: str | None
    reason: str
    counted: bool = True
    host: str | None = None
    actor: str | None = None  # who asked, when it differs from `user` (sudo, su)


try:  # the C encoder: this runs once per attempt, millions of times on a busy host's log
    from json.encoder import c_encode_basestring_ascii as _quote  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - CPython always has it
    from json.encoder import py_encode_basestring_ascii as _quote


class JsonLines:
    """Renders attempts as `vedette auth parse` prints them, one JSON object a line:
    `{"line", "time", "service", "outcome", "src_ip", "user", "method", "reason"}`.

    ASCII-escaped, so odd bytes in a user name cannot break the output. The parts that
    repeat (the time of a busy second, service, outcome, method, reason) are rendered once.
    """

    def __init__(self) -> None:
        self._time: datetime | None = None
        self._time_text = "null"
        self._middle: dict[tuple[str, str], str] = {}
        self._end: dict[tuple[str | None, str], str] = {}

    def line(self, record: AuthRecord) -> str:
        if record.time is not self._time:
            self._time = record.time
            self._time_text = "null" if record.time is None else \
                '"' + record.time.isoformat() + '"'
        user = "null" if record.user is None else _quote(record.user)
        ip = "null" if record.src_ip is None else _quote(record.src_ip)
        middle = self._middle.get((record.service, record.outcome))
        if middle is None:
            middle = self._middle[(record.service, record.outcome)] = (
                f', "service": {_quote(record.service)}, "outcome": "{record.outcome}", '
                '"src_ip": ')
        end = self._end.get((record.method, record.reason))
        if end is None:
            method = "null" if record.method is None else _quote(record.method)
            end = self._end[(record.method, record.reason)] = (
                f', "method": {method}, "reason": "{record.reason}"}}\n')
        return (f'{{"line": {record.line}, "time": {self._time_text}{middle}{ip}, '
                f'"user": {user}{end}')
