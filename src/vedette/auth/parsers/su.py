"""su (util-linux and shadow): `FAILED SU (to root) bob on pts/0`, `(to root) bob on pts/0`.

The user of a record is the target account (root, usually); who asked is the actor.
"""

from __future__ import annotations

import re
from datetime import datetime

from vedette.auth.records import FAILURE, SUCCESS, AuthRecord

SERVICE = "su"
_UTIL_LINUX = re.compile(r"(?P<failed>FAILED SU )?\(to (?P<target>\S+)\) (?P<actor>\S+) on ")
_SHADOW_OLD = re.compile(r"(?P<sign>[+-]) \S+ (?P<actor>[^:\s]+):(?P<target>\S+)$")
_SUCCESSFUL = re.compile(r"Successful su for (?P<target>\S+) by (?P<actor>\S+)$")
_FAILED_OLD = re.compile(r"FAILED su for (?P<target>\S+) by (?P<actor>\S+)$")


def parse(line: int, time: datetime | None, host: str | None, text: str) -> list[AuthRecord]:
    match = _UTIL_LINUX.match(text)
    if match is not None:
        failed = match["failed"] is not None
        return [AuthRecord(line, time, SERVICE, FAILURE if failed else SUCCESS, None,
                           match["target"], "password", "su_failed" if failed else "su", True,
                           host, match["actor"])]
    for pattern, outcome in ((_SUCCESSFUL, SUCCESS), (_FAILED_OLD, FAILURE)):
        match = pattern.match(text)
        if match is not None:
            return [AuthRecord(line, time, SERVICE, outcome, None, match["target"], "password",
                               "su" if outcome == SUCCESS else "su_failed", True, host,
                               match["actor"])]
    match = _SHADOW_OLD.match(text)
    if match is not None:
        failed = match["sign"] == "-"
        return [AuthRecord(line, time, SERVICE, FAILURE if failed else SUCCESS, None,
                           match["target"], "password", "su_failed" if failed else "su", True,
                           host, match["actor"])]
    return []
