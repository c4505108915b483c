"""OpenSSH (`sshd`, and `sshd-session` from 9.8 on): one connection, several lines.

Counting rule (one attempt, one count): a credential that sshd checked is counted on its
`Failed <method>` or `Accepted <method>` line. Lines that only announce or echo an attempt
(`Invalid user`, `User ... not allowed`, PAM's failure lines, `maximum authentication
attempts exceeded`, `Failed none`, a preauth close naming the user) are traces. A connection
that leaves traces but no counted line (a bot that names a user and hangs up) is counted
once, on the line that closes it, or at the end of the input if it never closes.

The user name is attacker-controlled text that may contain spaces or a fake
`from 1.2.3.4 port 22`: sshd writes the real address last, so the address is the last
`from ADDR port N` of the line, never the first.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from vedette.auth.parsers import pam
from vedette.auth.records import FAILURE, SUCCESS, AuthRecord

SERVICE = "sshd"
PROGRAMS = frozenset({"sshd", "sshd-session", "sshd-auth"})
# Sessions kept while waiting for their closing line; the oldest is settled beyond this.
MAX_OPEN_SESSIONS = 50_000
# Trace lines kept unparsed per connection (see `SshdParser._settled`); more add nothing.
MAX_DEFERRED = 8

_ADDR = r"(?P<ip>[0-9A-Fa-f:.]*[0-9A-Fa-f](?:%\w+)?|[\w.-]+)"
_CREDENTIAL = re.compile(
    r"(?P<verb>Failed|Accepted) (?P<method>\S+) for (?P<invalid>invalid user |illegal user )?"
    r"(?P<user>.*) from " + _ADDR + r" port (?P<port>\d+)(?: ssh\d?)?(?:: .*)?$")
_HEAD = re.compile(r"(?P<verb>Failed|Accepted) (?P<method>\S+) for "
                   r"(?P<invalid>invalid user |illegal user )?")
_TAIL = re.compile(_ADDR + r" port \d+(?: ssh\d?)?(?:: .*)?$")
# Old or odd formats without a port: only tried when the line has no `port N` at all.
_CREDENTIAL_NO_PORT = re.compile(
    r"(?P<verb>Failed|Accepted) (?P<method>\S+) for (?P<invalid>invalid user |illegal user )?"
    r"(?P<user>.*) from " + _ADDR + r"(?: ssh\d?)?$")
_INVALID = re.compile(r"(?:Invalid|Illegal) user (?P<user>.*?) from " + _ADDR +
                      r"(?: port \d+)?(?: \[preauth\])?\s*$")
_NOT_ALLOWED = re.compile(r"User (?P<user>.*) from " + _ADDR + r" not allowed because ")
_NOT_ALLOWED_LOCAL = re.compile(r"User (?P<user>\S+) not allowed because ")
_PAM_FOR = re.compile(r"(?:PAM: )?(?:[aA]uthentication (?:failure|error|failed)|User not known to "
                      r"the underlying authentication module) for (?:illegal user )?(?P<user>.*) "
                      r"from " + _ADDR + r"(?: via \S+)?(?: port \d+)?(?: \[preauth\])?\s*$")
_MAX_ATTEMPTS = re.compile(r"maximum authentication attempts exceeded for (?:invalid user )?"
                           r"(?P<user>.*) from " + _ADDR + r" port \d+")
_TOO_MANY = re.compile(r"Disconnecting(?: (?:invalid|authenticating) user (?P<user2>\S+) " + _ADDR
                       + r" port \d+)?:? Too many authentication failures(?: for (?:invalid "
                       r"user )?(?P<user>.*?))?(?: \[preauth\])?$")
_CHANGE_OF_USER = re.compile(r"Disconnecting(?: from)? (?:invalid|authenticating) user "
                             r"(?P<user>\S+) " + _ADDR + r"(?: port \d+)?: Change of username")
# `Connection closed by [authenticating|invalid user U] ADDR [port N] [preauth]`, same for
# `Connection reset by` and `Disconnected from`.
_CLOSED = re.compile(r"(?:Connection (?:closed|reset) by|Disconnected from)"
                     r"(?: (?P<kind>invalid|authenticating) user (?P<user>.*?))? " + _ADDR +
                     r"(?: port \d+)?(?P<preauth> \[preauth\])?\s*$")
_RECEIVED_DISCONNECT = re.compile(r"Received disconnect from " + _ADDR +
                                  r"(?: port \d+)?: ?(?P<code>\d+): (?P<text>.*)$")
_PAM_MODULE = re.compile(r"pam_\w+\(sshd:auth\): authentication failure;.*? rhost=(?P<ip>\S*)"
                         r"(?:\s+user=(?P<user>.*?))?\s*$")
_PAM_MORE = re.compile(r"PAM \d+ more authentication failures?;.*? rhost=(?P<ip>\S*)"
                       r"(?:\s+user=(?P<user>.*?))?\s*$")
_FROM_ADDR = re.compile(r" from " + _ADDR + r"(?: port \d+)?")
_CONNECTION_FROM = re.compile(r"Connection from " + _ADDR + r" port \d+")
_ROOT_REFUSED = re.compile(r"ROOT LOGIN REFUSED FROM " + _ADDR)
_REFUSED_CONNECT = re.compile(r"refused connect from \S+ \(" + _ADDR + r"\)")
_UNABLE = re.compile(r"Unable to negotiate with " + _ADDR)
_BANNER = re.compile(r"banner exchange: Connection from " + _ADDR)
_AUDIT_REMOTE = re.compile(r"SSH: Server;Ltype: \w+;Remote: (?P<ip>[0-9A-Fa-f:.]+)-\d+;")
_NO_MATCHING = re.compile(r"no matching (?:\w+ ){0,2}\w+ found:")
# First words of lines that never count, only show (probes), that may count (traces),
# and that close a connection (see `SshdParser._settled`).
_PROBE, _TRACE, _CLOSE, _OTHER = "probe", "trace", "close", "other"
_HEAD_KINDS = {
    **dict.fromkeys(("Failed", "Accepted", "Disconnecting", "Disconnecting:", "SSH:"), _OTHER),
    **dict.fromkeys(("Did", "Bad", "kex_exchange_identification:", "Unable", "banner",
                     "refused", "Read", "no"), _PROBE),
    **dict.fromkeys(("Invalid", "Illegal", "User", "PAM:", "Authentication", "authentication",
                     "maximum", "input_userauth_request:", "ROOT", "PAM"), _TRACE),
    **dict.fromkeys(("Connection", "Disconnected", "Received"), _CLOSE),
}
_SOLARIS_TAG = re.compile(r"\[ID \d+ [\w.]+\] ")


@dataclass(slots=True)
class _Session:
    ip: str | None = None
    user: str | None = None
    counted: bool = False
    pending: AuthRecord | None = None
    probe: str | None = None  # a scanner's failure seen before its address was
    stamp: Any = None  # the raw timestamp of the pending attempt's line
    # Without traces: trace lines kept unparsed until something needs them (line, first
    # word, text, stamp); a counted `Failed` line makes them mere echoes.
    deferred: list[tuple[int, str, str, Any]] | None = None


class SshdParser:
    """Classifies sshd messages, following each connection (host and pid) across lines."""

    def __init__(self, traces: bool = True) -> None:
        # Without traces, only counted attempts are returned (faster: `vedette auth parse`).
        self.traces = traces
        # Records come back without a time (the caller reads it only for lines that gave
        # records), except settled attempts of connections that never closed: `stamp()`
        # gives the raw timestamp of the line being read, which `finish` dates.
        self.stamp: Callable[[], Any] = lambda: None
        self._replaying: list[Any] = []  # the stamp of the deferred line being parsed
        self._sessions: dict[tuple[str | None, str | None], _Session] = {}
        self._handlers: dict[str, Callable[..., list[AuthRecord]]] = {
            "Failed": self._credential, "Accepted": self._credential,
            "Invalid": self._invalid, "Illegal": self._invalid,
            "User": self._not_allowed, "PAM:": self._pam_for, "Authentication": self._pam_for,
            "authentication": self._pam_for,
            "maximum": self._max_attempts, "Disconnecting": self._disconnecting,
            "Disconnecting:": self._disconnecting,
            "Connection": self._connection, "Disconnected": self._closed,
            "Received": self._received, "input_userauth_request:": self._userauth_request,
            "ROOT": self._root_refused, "PAM": self._pam_more, "Did": self._probe_noid,
            "Bad": self._probe_bad_version, "kex_exchange_identification:": self._probe_kex,
            "Unable": self._probe_unable, "banner": self._probe_banner,
            "refused": self._refused_connect, "Read": self._probe_read,
            "SSH:": self._audit_remote, "no": self._probe_no_match,
        }

    def message(self, line: int, host: str | None, pid: str | None,
                text: str) -> list[AuthRecord]:
        """The records of one sshd message (the text after `sshd[pid]: `)."""
        space = text.find(" ")
        return self.dispatch(line, host, pid, text[:space] if space > 0 else text, text)

    def dispatch(self, line: int, host: str | None, pid: str | None, head: str,
                 text: str) -> list[AuthRecord]:
        """`message`, its first word (`head`) already split off."""
        handler = self._handlers.get(head)
        if handler is None:
            if head == "error:" or head == "fatal:":
                return self.message(line, host, pid, text[7:])
            if head == "[ID":  # Solaris: `[ID 800047 auth.info] Failed ...`
                return self.message(line, host, pid, _SOLARIS_TAG.sub("", text, count=1))
            if not head.startswith("pam_"):
                return []
            handler = self._pam_module
        if not self.traces and (head != "Failed" or text.startswith("Failed none ")) and \
                self._settled(line, head, host, pid, text):
            # (A counted `Failed` line, the most common one, has nothing to settle first.)
            return []
        return handler(line, host, pid, text)

    def _settled(self, line: int, head: str, host: str | None, pid: str | None,
                 text: str) -> bool:
        """Whether a line needs no parsing now, because it can change no counted attempt
        (a probe, a trace on a connection already settled, a close of a connection with
        nothing pending) or not yet (a trace, kept unparsed until the connection shows
        whether it counts). Only without traces; the attempts are the same, only faster."""
        kind = _HEAD_KINDS.get(head, _TRACE)  # pam_* lines are traces too
        if kind is _PROBE:
            return True
        session = self._sessions.get((host, pid))
        if kind is _TRACE:
            if session is None:
                session = self._sessions[(host, pid)] = _Session()
                self._bound()
            elif session.counted or (session.pending is not None
                                     and session.pending.src_ip is not None):
                return True
            if session.deferred is None:
                session.deferred = []
            if len(session.deferred) < MAX_DEFERRED:
                session.deferred.append((line, head, text, self.stamp()))
            return True
        if session is not None and session.deferred and (
                head != "Failed" or text.startswith("Failed none ")):
            self._replay(session, host, pid)
        if kind is _OTHER:
            return False
        if (session is not None and session.counted) or (
                (session is None or session.pending is None) and " user " not in text
                and "Auth fail" not in text and not text.startswith("Connection from")):
            self._sessions.pop((host, pid), None)
            return True
        return False

    def _replay(self, session: _Session, host: str | None, pid: str | None) -> None:
        """Parse the trace lines kept unparsed, as if they were read now."""
        deferred, session.deferred = session.deferred or [], None
        for line, head, text, stamp in deferred:
            self._replaying.append(stamp)
            try:
                self._handlers.get(head, self._pam_module)(line, host, pid, text)
            finally:
                self._replaying.pop()

    def finish(self, date: Callable[[Any], datetime | None]) -> list[AuthRecord]:
        """Settle connections still open at the end of the input; `date` reads a stamp."""
        for (host, pid), session in list(self._sessions.items()):
            if session.deferred:
                self._replay(session, host, pid)
        settled = []
        for session in self._sessions.values():
            if session.pending is not None and not session.counted:
                session.pending.time = date(session.stamp)
                settled.append(session.pending)
        self._sessions.clear()
        return settled

    # --- connection state ----------------------------------------------------------------

    def _session(self, host: str | None, pid: str | None) -> _Session:
        key = (host, pid)
        session = self._sessions.get(key)
        if session is None:
            session = self._sessions[key] = _Session()
        return session

    def _close(self, host: str | None, pid: str | None, line: int,
               ip: str | None) -> list[AuthRecord]:
        session = self._sessions.pop((host, pid), None)
        if session is None or session.counted or session.pending is None:
            return []
        attempt = session.pending
        attempt.counted, attempt.line = True, line
        attempt.src_ip = attempt.src_ip or ip or session.ip
        return [attempt]

    def _trace(self, line: int, host: str | None, pid: str | None,
               ip: str | None, user: str | None, reason: str, method: str | None = None
               ) -> list[AuthRecord]:
        """A line that shows a failed attempt without being its counted line."""
        session = self._session(host, pid)
        ip = ip or session.ip
        session.ip = ip
        if user is not None:
            session.user = user
        if not session.counted and session.pending is None:
            session.pending = AuthRecord(line, None, SERVICE, FAILURE, ip, user or session.user,
                                         method, reason, True, host)
            session.stamp = self._replaying[-1] if self._replaying else self.stamp()
            self._bound()
        elif session.pending is not None and session.pending.src_ip is None:
            session.pending.src_ip = ip
        if not self.traces:
            return []
        return [AuthRecord(line, None, SERVICE, FAILURE, ip, user or session.user, method,
                           reason, False, host)]

    def _bound(self) -> None:
        if len(self._sessions) > MAX_OPEN_SESSIONS:
            # Connections that never logged their end (sshd killed, lines lost): forget the
            # oldest. Its pending attempt is dropped rather than counted late and out of order.
            self._sessions.pop(next(iter(self._sessions)))

    # --- messages ------------------------------------------------------------------------

    def _credential(self, line: int, host: str | None, pid: str | None,
                    text: str) -> list[AuthRecord]:
        # Fast path: the tail after the last ` from ` is the address part (`ADDR port N
        # ssh2`, optionally `: key info`); only when it is something else does the full
        # expression search backwards.
        cut = text.rfind(" from ")
        tail = _TAIL.match(text, cut + 6) if cut > 0 else None
        head = _HEAD.match(text) if tail is not None else None
        if head is not None and head.end() <= cut:
            verb, method, invalid = head["verb"], head["method"], head["invalid"] is not None
            user, ip = text[head.end():cut], tail["ip"]
        else:
            match = _CREDENTIAL.match(text) or _CREDENTIAL_NO_PORT.match(text)
            if match is None:
                return []
            verb, method, invalid = match["verb"], match["method"], match["invalid"] is not None
            user, ip = match["user"], match["ip"]
        if verb == "Accepted":
            session = self._session(host, pid)
            records = []
            if session.pending is not None and not session.counted and \
                    session.pending.reason == "pam_failure":
                # PAM refused a password earlier on this connection: a failed try of its own,
                # not an echo of this success.
                session.pending.src_ip = session.pending.src_ip or ip
                records.append(session.pending)
            session.ip, session.user, session.counted = ip, user, True
            records.append(AuthRecord(line, None, SERVICE, SUCCESS, ip, user, method,
                                      "accepted", True, host))
            return records
        if method == "none":  # the probe every client sends first: not a credential
            return self._trace(line, host, pid, ip, user,
                               "invalid_user" if invalid else "no_credentials", method)
        key = (host, pid)
        session = self._sessions.get(key)
        if session is None:
            self._sessions[key] = _Session(ip, user, True)
            self._bound()
        else:
            session.ip, session.user, session.counted = ip, user, True
            session.deferred = None  # what they announced is counted here
        return [AuthRecord(line, None, SERVICE, FAILURE, ip, user, method,
                           "invalid_user" if invalid else "bad_credentials", True, host)]

    def _invalid(self, line: int, host: str | None, pid: str | None,
                 text: str) -> list[AuthRecord]:
        match = _INVALID.match(text)
        if match is None:
            return []
        return self._trace(line, host, pid, match["ip"], match["user"], "invalid_user")

    def _not_allowed(self, line: int, host: str | None, pid: str | None,
                     text: str) -> list[AuthRecord]:
        if text.startswith("User not known"):
            return self._pam_for(line, host, pid, text)
        match = _NOT_ALLOWED.match(text)
        if match is not None:
            return self._trace(line, host, pid, match["ip"], match["user"],
                               "user_not_allowed")
        match = _NOT_ALLOWED_LOCAL.match(text)
        if match is None:
            return []
        reason = "account_locked" if "account is locked" in text else "user_not_allowed"
        return self._trace(line, host, pid, None, match["user"], reason)

    def _pam_for(self, line: int, host: str | None, pid: str | None,
                 text: str) -> list[AuthRecord]:
        match = _PAM_FOR.match(text)
        if match is None:
            return []
        return self._trace(line, host, pid, match["ip"], match["user"], "pam_failure")

    def _pam_module(self, line: int, host: str | None, pid: str | None,
                    text: str) -> list[AuthRecord]:
        match = _PAM_MODULE.match(text)
        if match is not None:
            return self._trace(line, host, pid, match["ip"] or None, match["user"] or None,
                               "pam_failure")
        # pam_faillock's lockout follows failures already counted: shown, never counted.
        locked = pam.parse(line, None, host, text)
        if locked is None or not self.traces:
            return []
        locked.service = SERVICE
        return [locked]

    def _pam_more(self, line: int, host: str | None, pid: str | None,
                  text: str) -> list[AuthRecord]:
        match = _PAM_MORE.match(text)
        if match is None:
            return []
        return self._trace(line, host, pid, match["ip"] or None, match["user"] or None,
                           "pam_failure")

    def _max_attempts(self, line: int, host: str | None,
                      pid: str | None, text: str) -> list[AuthRecord]:
        match = _MAX_ATTEMPTS.match(text)
        if match is None:
            return []
        return self._trace(line, host, pid, match["ip"], match["user"],
                           "too_many_failures")

    def _disconnecting(self, line: int, host: str | None,
                       pid: str | None, text: str) -> list[AuthRecord]:
        match = _TOO_MANY.match(text)
        if match is not None:
            records = self._trace(line, host, pid, match["ip"],
                                  match["user"] or match["user2"], "too_many_failures")
            return records + self._close(host, pid, line, match["ip"])
        match = _CHANGE_OF_USER.match(text)
        if match is not None:
            records = self._trace(line, host, pid, match["ip"], match["user"],
                                  "user_changed")
            return records + self._close(host, pid, line, match["ip"])
        return []

    def _userauth_request(self, line: int, host: str | None,
                          pid: str | None, text: str) -> list[AuthRecord]:
        marker = "input_userauth_request: invalid user "
        if not text.startswith(marker):
            return []
        user = text[len(marker):].removesuffix(" [preauth]")
        return self._trace(line, host, pid, None, user, "invalid_user")

    def _root_refused(self, line: int, host: str | None,
                      pid: str | None, text: str) -> list[AuthRecord]:
        match = _ROOT_REFUSED.match(text)
        if match is None:
            return []
        return self._trace(line, host, pid, _unmapped(match["ip"]), "root",
                           "root_login_refused")

    def _connection(self, line: int, host: str | None, pid: str | None,
                    text: str) -> list[AuthRecord]:
        if text.startswith("Connection from "):
            match = _CONNECTION_FROM.match(text)
            if match is not None:
                self._session(host, pid).ip = match["ip"]
                self._bound()
            return []
        return self._closed(line, host, pid, text)

    def _closed(self, line: int, host: str | None, pid: str | None,
                text: str) -> list[AuthRecord]:
        match = _CLOSED.match(text)
        if match is None:
            return []
        ip, user = match["ip"], match["user"]
        records: list[AuthRecord] = []
        if user is not None:  # the client named a user, then left before any verdict
            reason = "invalid_user" if match["kind"] == "invalid" else "disconnected_preauth"
            records = self._trace(line, host, pid, ip, user, reason)
        else:
            session = self._sessions.get((host, pid))
            if session is not None and session.probe is not None and self.traces:
                records = [AuthRecord(line, None, SERVICE, FAILURE, ip, None, None,
                                      session.probe, False, host)]
            elif match["preauth"] and self.traces and (session is None or not session.counted):
                records = [AuthRecord(line, None, SERVICE, FAILURE, ip, None, None,
                                      "closed_preauth", False, host)]
        return records + self._close(host, pid, line, ip)

    def _received(self, line: int, host: str | None, pid: str | None,
                  text: str) -> list[AuthRecord]:
        match = _RECEIVED_DISCONNECT.match(text)
        if match is None:
            return []
        ip, code, why = match["ip"], match["code"], match["text"]
        records: list[AuthRecord] = []
        if code == "3" and "Auth fail" in why:
            records = self._trace(line, host, pid, ip, None, "client_auth_fail")
        elif code == "14" and self.traces:
            records = [AuthRecord(line, None, SERVICE, FAILURE, ip, None, None,
                                  "no_auth_methods", False, host)]
        return records + self._close(host, pid, line, ip)

    def _probe(self, line: int, host: str | None, pid: str | None,
               ip: str | None, reason: str) -> list[AuthRecord]:
        """A connection that never reached authentication (scanners): a trace, not an attempt."""
        session = self._sessions.get((host, pid))
        ip = ip or (session.ip if session else None)
        if ip is None:  # its address comes with the connection's closing line
            self._session(host, pid).probe = reason
            self._bound()
        if not self.traces:
            return []
        return [AuthRecord(line, None, SERVICE, FAILURE, ip, None, None, reason, False, host)]

    def _audit_remote(self, line: int, host: str | None,
                      pid: str | None, text: str) -> list[AuthRecord]:
        """`SSH: Server;Ltype: Version;Remote: ADDR-PORT;...` (a patched sshd's audit line)."""
        match = _AUDIT_REMOTE.match(text)
        if match is not None:
            self._session(host, pid).ip = match["ip"]
            self._bound()
        return []

    def _probe_no_match(self, line: int, host: str | None,
                        pid: str | None, text: str) -> list[AuthRecord]:
        if not _NO_MATCHING.match(text):
            return []
        return self._probe(line, host, pid, None, "negotiation_failed")

    def _probe_noid(self, line: int, host: str | None, pid: str | None,
                    text: str) -> list[AuthRecord]:
        if not text.startswith("Did not receive identification string"):
            return []
        match = _FROM_ADDR.search(text)
        return self._probe(line, host, pid, match["ip"] if match else None,
                           "no_identification")

    def _probe_bad_version(self, line: int, host: str | None,
                           pid: str | None, text: str) -> list[AuthRecord]:
        if not text.startswith("Bad protocol version identification"):
            return []
        # The last address: the version string before it is the client's own text.
        found = list(_FROM_ADDR.finditer(text))
        return self._probe(line, host, pid, found[-1]["ip"] if found else None,
                           "bad_protocol_version")

    def _probe_kex(self, line: int, host: str | None, pid: str | None,
                   text: str) -> list[AuthRecord]:
        lowered = text.lower()
        if "invalid protocol identifier" in lowered or "connection closed by remote host" in \
                lowered or "connection reset by peer" in lowered:
            return self._probe(line, host, pid, None, "no_identification")
        return []

    def _probe_unable(self, line: int, host: str | None, pid: str | None,
                      text: str) -> list[AuthRecord]:
        match = _UNABLE.match(text)
        if match is None:
            if text.startswith("Unable to negotiate a"):
                return self._probe(line, host, pid, None, "negotiation_failed")
            return []
        return self._probe(line, host, pid, match["ip"], "negotiation_failed")

    def _probe_banner(self, line: int, host: str | None,
                      pid: str | None, text: str) -> list[AuthRecord]:
        match = _BANNER.match(text)
        if match is None or "invalid format" not in text:
            return []
        return self._probe(line, host, pid, match["ip"], "bad_protocol_version")

    def _probe_read(self, line: int, host: str | None, pid: str | None,
                    text: str) -> list[AuthRecord]:
        if not text.startswith("Read from socket failed: Connection reset by peer"):
            return []
        return self._probe(line, host, pid, None, "connection_reset")

    def _refused_connect(self, line: int, host: str | None,
                         pid: str | None, text: str) -> list[AuthRecord]:
        match = _REFUSED_CONNECT.match(text)
        if match is None:
            return []
        return self._probe(line, host, pid, _unmapped(match["ip"]), "connection_refused")


def _unmapped(ip: str) -> str:
    """`::ffff:1.2.3.4` is 1.2.3.4 reaching an IPv6 socket."""
    return ip[7:] if ip.startswith("::ffff:") and "." in ip else ip
