"""PAM modules' own lines (`pam_unix`, `pam_faillock`, `pam_sss`...), for any service.

For services that log each try themselves (sshd, su, login) and for sudo, whose own
summary line counts the tries, a PAM failure line is an echo: a trace. For every other
service (an FTP or mail daemon, cockpit, polkit...) the PAM line is the only record of
the try, so it is the counted attempt, under the PAM service name.
"""

from __future__ import annotations

import re
from datetime import datetime

from vedette.auth.records import FAILURE, AuthRecord

# Services whose own lines are the counted ones.
ECHOED = frozenset({"sshd", "sudo", "su", "su-l", "login", "sshd-session"})

_FAILURE = re.compile(r"(?P<module>pam_\w+)\((?P<service>[\w.@-]+):auth\): authentication "
                      r"failure;(?P<fields>.*)$")
_FIELD = re.compile(r"(\w+)=(\S*)")
_LOCKED = re.compile(r"pam_faillock\((?P<service>[\w.@-]+):auth\): Consecutive login failures "
                     r"for user (?P<user>.*) account temporarily locked")


def parse(line: int, time: datetime | None, host: str | None, text: str
          ) -> AuthRecord | None:
    """The record of one PAM message, or None when it is not about a failed authentication."""
    match = _FAILURE.match(text)
    if match is not None:
        fields = dict(_FIELD.findall(match["fields"]))
        service = match["service"]
        # `user=` is last and is the target account; `ruser` is who asked (su, sudo).
        user = match["fields"].partition(" user=")[2].strip() or None
        return AuthRecord(line, time, _service_name(service), FAILURE, fields.get("rhost") or None,
                          user, "password", "pam_failure", service not in ECHOED, host,
                          fields.get("ruser") or None)
    match = _LOCKED.match(text)
    if match is not None:
        return AuthRecord(line, time, _service_name(match["service"]), FAILURE, None,
                          match["user"], None, "account_locked", False, host)
    return None


def _service_name(service: str) -> str:
    return "su" if service == "su-l" else ("sshd" if service == "sshd-session" else service)
