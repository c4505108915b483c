"""What counts as an attempt, once, with the right address, on real-world line formats."""

from __future__ import annotations

from pathlib import Path

from tests.auth.conftest import DATA, attempts, records_of
from vedette.auth.sources import read_records


def test_mixed_log_attempts_line_by_line(mixed: Path) -> None:
    got = [(a.line, a.service, a.outcome, a.src_ip, a.user, a.method, a.reason)
           for a in attempts(mixed)]
    assert got == [
        # "Invalid user" (2), PAM (3, 4) and the close (7) are traces: 2 tries, 2 attempts.
        (5, "sshd", "failure", "198.51.100.23", "admin", "password", "invalid_user"),
        (6, "sshd", "failure", "198.51.100.23", "admin", "password", "invalid_user"),
        # A bot that named a user and hung up: one attempt, on the closing line.
        (9, "sshd", "failure", "203.0.113.77", "oracle", None, "invalid_user"),
        # sshd-session (OpenSSH 9.8+), IPv6.
        (11, "sshd", "failure", "2001:db8:85a3::8a2e:370:7334", "root", "password",
         "bad_credentials"),
        # Injection attempts in the user name: the address is the one sshd wrote last.
        (14, "sshd", "failure", "192.0.2.44", "admin from 1.2.3.4", "password", "invalid_user"),
        (15, "sshd", "failure", "192.0.2.45", "jo hn", "password", "invalid_user"),
        (16, "sshd", "failure", "192.0.2.46", "müller", "password", "invalid_user"),
        (17, "sshd", "failure", "192.0.2.47", "x from 6.6.6.6 port 22 ssh2", "password",
         "invalid_user"),
        (18, "sshd", "failure", "192.0.2.48", "git", "publickey", "bad_credentials"),
        (19, "sshd", "success", "192.0.2.48", "git", "publickey", "accepted"),
        (25, "sshd", "failure", "192.0.2.63", "root", None, "disconnected_preauth"),
        (27, "sshd", "failure", "192.0.2.64", "root", "password", "invalid_user"),
        (29, "sshd", "failure", "192.0.2.65", "support", "keyboard-interactive/pam",
         "invalid_user"),
        # `Failed none` is the probe every client sends, not a credential: counted once, at
        # the close, like any connection that tried no credential.
        (31, "sshd", "failure", "192.0.2.66", "scan", "none", "invalid_user"),
        (33, "sshd", "success", "10.0.0.8", "alice", "password", "accepted"),
        # sudo: its summary line counts the tries; the command is never kept.
        (37, "sudo", "failure", None, "root", "password", "incorrect_password"),
        (37, "sudo", "failure", None, "root", "password", "incorrect_password"),
        (38, "sudo", "success", None, "root", "sudo", "command_run"),
        (39, "sudo", "failure", None, "root", "sudo", "not_in_sudoers"),
        (41, "su", "failure", None, "root", "password", "su_failed"),
        (42, "su", "success", None, "root", "password", "su"),
        (43, "login", "failure", None, None, "password", "login_failed"),
        (44, "login", "success", None, "root", "password", "login"),
        # A service that logs nothing itself: the PAM line is the attempt.
        (45, "vsftpd", "failure", "198.51.100.99", "ftpuser", "password", "pam_failure"),
        # RFC 5424 and ISO 8601 headers.
        (47, "sshd", "failure", "192.0.2.70", "redmond", "password", "invalid_user"),
        (48, "sshd", "success", "192.0.2.71", "deploy", "publickey", "accepted"),
        (49, "sshd", "failure", "192.0.2.80", "root", "password", "bad_credentials"),
        # An invalid user whose connection never closed in this file: counted at the end.
        (50, "sshd", "failure", "192.0.2.81", "test", None, "invalid_user"),
    ]


def test_actor_of_sudo_and_su_is_kept_apart_from_the_target(mixed: Path) -> None:
    by_line = {a.line: a for a in attempts(mixed)}
    assert (by_line[37].actor, by_line[41].actor, by_line[42].actor) == ("bob", "bob", "alice")


def test_sudo_command_line_is_never_kept(mixed: Path) -> None:
    assert not any("secretpassword" in repr(record) for record in read_records(str(mixed)))


def test_scanners_and_lockouts_are_traces_not_attempts(mixed: Path) -> None:
    traces = {r.line: r for r in read_records(str(mixed)) if not r.counted}
    assert traces[21].reason == "no_identification" and traces[21].src_ip == "192.0.2.60"
    # The kex error has no address; the connection's closing line gives it.
    assert traces[24].reason == "no_identification" and traces[24].src_ip == "192.0.2.62"
    assert traces[32].reason == "negotiation_failed"
    assert traces[46].reason == "account_locked" and traces[46].user == "root"


def test_timestamps_are_utc_whatever_the_header(mixed: Path) -> None:
    by_line = {a.line: a for a in attempts(mixed)}
    assert by_line[47].time.isoformat() == "2025-03-07T17:58:00.123456+00:00"
    assert by_line[48].time.isoformat() == "2025-03-07T18:58:01+00:00"
    assert by_line[49].time.isoformat() == "2025-03-07T18:59:00.321974+00:00"


def test_journald_json_export() -> None:
    got = [(a.line, a.service, a.outcome, a.src_ip, a.user, a.time.isoformat())
           for a in attempts(DATA / "journal.json")]
    assert got == [
        (2, "sshd", "failure", "192.0.2.90", "guest", "2025-03-07T18:58:01+00:00"),
        # MESSAGE as an array of bytes (not UTF-8): decoded, the odd byte replaced.
        (4, "sshd", "failure", "192.0.2.91", "\ufffd", "2025-03-07T18:58:03+00:00"),
        (5, "sudo", "success", None, "root", "2025-03-07T18:58:04+00:00"),
    ]


def test_without_traces_the_attempts_are_the_same(mixed: Path) -> None:
    for path in (mixed, DATA / "journal.json"):
        full = [(r.line, r.outcome, r.src_ip, r.user, r.reason)
                for r in read_records(str(path)) if r.counted]
        fast = [(r.line, r.outcome, r.src_ip, r.user, r.reason)
                for r in read_records(str(path), traces=False)]
        assert fast == full


def test_pam_failure_before_a_success_is_a_failed_try(tmp_path: Path) -> None:
    records = records_of([
        "Mar  7 18:53:22 bar sshd[1558]: pam_unix(sshd:auth): authentication failure; "
        "logname= uid=0 euid=0 tty=ssh ruser= rhost=192.0.2.114  user=known",
        "Mar  7 18:53:24 bar sshd[1558]: Accepted password for known from 192.0.2.114 port "
        "52100 ssh2",
    ], tmp_path)
    counted = [(r.outcome, r.src_ip) for r in records if r.counted]
    assert counted == [("failure", "192.0.2.114"), ("success", "192.0.2.114")]


def test_lines_that_are_not_attempts_give_nothing(tmp_path: Path) -> None:
    records = records_of([
        "Mar  7 19:00:00 bar sshd[2700]: Server listening on :: port 22.",
        "Mar  7 19:00:01 bar sshd[2701]: Accepted publickey for alice from 10.0.0.8 port 5 "
        "ssh2: ED25519 SHA256:x",
        "Mar  7 19:00:02 bar sshd[2701]: pam_unix(sshd:session): session opened for user alice",
        "Mar  7 19:00:03 bar sshd[2701]: Received disconnect from 10.0.0.8 port 5:11: "
        "disconnected by user",
        "Mar  7 19:00:03 bar sshd[2701]: Disconnected from user alice 10.0.0.8 port 5",
        "Mar  7 19:00:04 bar CRON[1]: pam_unix(cron:session): session closed for user root",
        "Mar  7 19:00:05 bar kernel: [UFW BLOCK] IN=eth0 SRC=192.0.2.1 DST=10.0.0.1 PROTO=TCP "
        "DPT=22 sshd",
        "garbage \x00\x01 sshd[1]: Failed password for root from 1.2.3.4 port 1 ssh2 maybe",
        "",
    ], tmp_path)
    assert [(r.line, r.outcome) for r in records] == [(2, "success")]


def test_gzip_rotated_file(tmp_path: Path, mixed: Path) -> None:
    import gzip

    rotated = tmp_path / "auth.log.2.gz"
    rotated.write_bytes(gzip.compress(mixed.read_bytes()))
    assert [a.line for a in attempts(rotated)] == [a.line for a in attempts(mixed)]
