"""sudo: `USER : N incorrect password attempts ; TTY=... ; USER=root ; COMMAND=...`.

The summary line is the counted record of the tries (one attempt per try, all on that
line): sudo writes it whatever the authentication backend, while PAM's lines exist only
with pam_unix. A command run is a success; the command itself is never kept, since
command lines carry passwords and tokens.
"""

from __future__ import annotations

import re
from datetime import datetime

from vedette.auth.records import FAILURE, SUCCESS, AuthRecord

SERVICE = "sudo"
_LINE = re.compile(r"\s*(?P<user>\S+) : (?P<what>[^;]*?) ;(?P<fields>.*)$")
_TARGET = re.compile(r" USER=(?P<target>\S+) ;")
_TRIES = re.compile(r"(?P<count>\d+) incorrect password attempts?")
_DENIALS = {"user NOT in sudoers": "not_in_sudoers", "command not allowed": "command_not_allowed",
            "user NOT authorized on host": "not_allowed_on_host",
            "a password is required": "password_required"}


def parse(line: int, time: datetime | None, host: str | None, text: str) -> list[AuthRecord]:
    match = _LINE.match(text)
    if match is None:
        return []
    actor, what, fields = match["user"], match["what"].strip(), match["fields"]
    target_match = _TARGET.search(fields + " ;")
    target = target_match["target"] if target_match else "root"
    if what.startswith("TTY="):
        return [AuthRecord(line, time, SERVICE, SUCCESS, None, target, "sudo", "command_run",
                           True, host, actor)]
    tries = _TRIES.match(what)
    if tries is not None:
        return [AuthRecord(line, time, SERVICE, FAILURE, None, target, "password",
                           "incorrect_password", True, host, actor)
                for _ in range(int(tries["count"]))]
    reason = _DENIALS.get(what)
    if reason is None:
        return []
    return [AuthRecord(line, time, SERVICE, FAILURE, None, target, "sudo", reason, True, host,
                       actor)]
