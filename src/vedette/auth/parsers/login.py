"""login (shadow / util-linux) on consoles and serial lines."""

from __future__ import annotations

import re
from datetime import datetime

from vedette.auth.records import FAILURE, SUCCESS, AuthRecord

SERVICE = "login"
_FAILED = re.compile(r"FAILED LOGIN \(?\d+\)? (?:on|FROM) '?(?P<tty>[^'\s]+)'?"
                     r"(?: FROM '?(?P<remote>[^'\s]+)'?)? FOR '?(?P<user>[^',]*)'?")
_OK = re.compile(r"(?:ROOT LOGIN\s+on '?(?P<tty>[^'\s]+)'?|LOGIN ON (?P<tty2>\S+) BY "
                 r"(?P<user>\S+))")


def parse(line: int, time: datetime | None, host: str | None, text: str) -> list[AuthRecord]:
    match = _FAILED.match(text)
    if match is not None:
        user = match["user"]
        return [AuthRecord(line, time, SERVICE, FAILURE, _ip_or_none(match["remote"]),
                           None if user == "UNKNOWN" else user, "password", "login_failed",
                           True, host)]
    match = _OK.match(text)
    if match is not None:
        return [AuthRecord(line, time, SERVICE, SUCCESS, None, match["user"] or "root",
                           "password", "login", True, host)]
    return []


def _ip_or_none(remote: str | None) -> str | None:
    if not remote:
        return None
    return remote if any(ch.isdigit() for ch in remote) and ("." in remote or ":" in remote) \
        else None
