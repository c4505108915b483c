"""Generate a realistic auth.log (Debian syslog format) for the auth benchmark.

The mix follows what an internet-facing host logs: password brute force on root and
common accounts, invalid-user dictionary attacks (two lines per try), opportunistic bots
that name a user and hang up, scanners that never identify, slow distributed attacks (1-3
tries per source), legitimate key logins with their PAM session lines, cron and logind
noise, sudo and su. A fifth of the sshd lines come from `sshd-session` (OpenSSH 9.8+).

    python bench/gen_auth_log.py OUT --lines 1000000 --seed 42
"""

from __future__ import annotations

import argparse
import random
from datetime import datetime, timedelta

USERS = ["admin", "test", "user", "oracle", "postgres", "ubuntu", "guest", "ftpuser", "git",
         "deploy", "pi", "support", "hadoop", "mysql", "www", "tomcat", "jenkins", "nagios",
         "Admin", "ansible", "operator", "dev", "backup", "jo hn", "müller", "用户",
         "admin from 203.0.113.9", "x port 22 from 198.51.100.7"]
VALID = ["alice", "bob", "deploy"]


def _ip(rng: random.Random, v6: float = 0.08) -> str:
    if rng.random() < v6:
        return (f"{rng.choice(['2a01:4f8', '2001:41d0', '240e:3b7'])}:{rng.randrange(65536):x}"
                f"::{rng.randrange(1, 65536):x}")
    return f"{rng.choice([45, 61, 80, 103, 141, 159, 185, 193, 218, 222])}." \
           f"{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"


class Log:
    def __init__(self, rng: random.Random, start: datetime) -> None:
        self.rng, self.now, self.pid = rng, start, 10_000
        self.out: list[str] = []

    def tick(self) -> None:
        self.now += timedelta(milliseconds=self.rng.randrange(0, 400))

    def write(self, prog: str, message: str, pid: int | None = None) -> None:
        self.tick()
        stamp = self.now.strftime("%b %d %H:%M:%S").replace(" 0", "  ", 1) \
            if self.now.day < 10 else self.now.strftime("%b %d %H:%M:%S")
        tag = f"{prog}[{pid}]" if pid is not None else prog
        self.out.append(f"{stamp} web-01 {tag}: {message}")

    def sshd(self) -> tuple[str, int]:
        self.pid += self.rng.randrange(1, 9)
        return ("sshd-session" if self.rng.random() < 0.2 else "sshd"), self.pid


def brute_force(log: Log, rng: random.Random) -> None:
    ip, user = _ip(rng), rng.choice(["root", "root", "admin", "ubuntu"])
    for _ in range(rng.randrange(1, 4)):
        prog, pid = log.sshd()
        port = rng.randrange(1024, 65535)
        for _ in range(rng.randrange(1, 4)):
            log.write(prog, "pam_unix(sshd:auth): authentication failure; logname= uid=0 "
                            f"euid=0 tty=ssh ruser= rhost={ip}  user={user}", pid)
            log.write(prog, f"Failed password for {user} from {ip} port {port} ssh2", pid)
        log.write(prog, rng.choice([
            f"Connection closed by authenticating user {user} {ip} port {port} [preauth]",
            f"Received disconnect from {ip} port {port}:11: Bye Bye [preauth]",
            f"Disconnected from authenticating user {user} {ip} port {port} [preauth]"]), pid)


def invalid_user(log: Log, rng: random.Random, tries: bool = True) -> None:
    prog, pid = log.sshd()
    ip, user, port = _ip(rng), rng.choice(USERS), rng.randrange(1024, 65535)
    log.write(prog, f"Invalid user {user} from {ip} port {port}", pid)
    if tries:
        log.write(prog, "pam_unix(sshd:auth): check pass; user unknown", pid)
        log.write(prog, f"Failed password for invalid user {user} from {ip} port {port} ssh2",
                  pid)
    log.write(prog, rng.choice([
        f"Connection closed by invalid user {user} {ip} port {port} [preauth]",
        f"Received disconnect from {ip} port {port}:11: Bye Bye [preauth]",
        f"Disconnected from invalid user {user} {ip} port {port} [preauth]"]), pid)


def scanner(log: Log, rng: random.Random) -> None:
    prog, pid = log.sshd()
    ip, port = _ip(rng), rng.randrange(1024, 65535)
    log.write(prog, rng.choice([
        f"Did not receive identification string from {ip} port {port}",
        f"Connection closed by {ip} port {port} [preauth]",
        f"Connection reset by {ip} port {port} [preauth]",
        f"Unable to negotiate with {ip} port {port}: no matching key exchange method found. "
        "Their offer: diffie-hellman-group1-sha1 [preauth]"]), pid)


def login(log: Log, rng: random.Random) -> None:
    prog, pid = log.sshd()
    user, ip, port = rng.choice(VALID), f"10.0.{rng.randrange(4)}.{rng.randrange(2, 50)}", \
        rng.randrange(1024, 65535)
    log.write(prog, f"Accepted publickey for {user} from {ip} port {port} ssh2: ED25519 "
                    "SHA256:Wm0iTQ6yB3NQnZq3i4d9r3v1bq3f0xjJ0Qm9oZ3cV1c", pid)
    log.write(prog, f"pam_unix(sshd:session): session opened for user {user}(uid=1000) by "
                    "(uid=0)", pid)
    log.write("systemd-logind", f"New session {pid} of user {user}.", 612)
    log.write(prog, f"Received disconnect from {ip} port {port}:11: disconnected by user", pid)
    log.write(prog, f"Disconnected from user {user} {ip} port {port}", pid)
    log.write(prog, f"pam_unix(sshd:session): session closed for user {user}", pid)
    log.write("systemd-logind", f"Session {pid} logged out. Waiting for processes to exit.", 612)


def cron(log: Log, rng: random.Random) -> None:
    pid = rng.randrange(2000, 99999)
    log.write("CRON", "pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)",
              pid)
    log.write("CRON", "pam_unix(cron:session): session closed for user root", pid)


def sudo(log: Log, rng: random.Random) -> None:
    user = rng.choice(VALID)
    if rng.random() < 0.2:
        log.write("sudo", f"pam_unix(sudo:auth): authentication failure; logname={user} "
                          f"uid=1000 euid=0 tty=/dev/pts/0 ruser={user} rhost=  user={user}")
        log.write("sudo", f"{user} : 1 incorrect password attempt ; TTY=pts/0 ; "
                          f"PWD=/home/{user} ; USER=root ; COMMAND=/usr/bin/systemctl restart app")
    log.write("sudo", f"{user} : TTY=pts/0 ; PWD=/home/{user} ; USER=root ; "
                      "COMMAND=/usr/bin/journalctl -u app")
    log.write("sudo", f"pam_unix(sudo:session): session opened for user root(uid=0) by "
                      f"{user}(uid=1000)")
    log.write("sudo", "pam_unix(sudo:session): session closed for user root")


def su(log: Log, rng: random.Random) -> None:
    pid = rng.randrange(2000, 99999)
    if rng.random() < 0.3:
        log.write("su", "pam_unix(su:auth): authentication failure; logname=bob uid=1000 "
                        "euid=0 tty=/dev/pts/1 ruser=bob rhost=  user=root", pid)
        log.write("su", "FAILED SU (to root) bob on pts/1", pid)
    else:
        log.write("su", "(to root) bob on pts/1", pid)
        log.write("su", "pam_unix(su:session): session opened for user root(uid=0) by "
                        "bob(uid=1000)", pid)


SCENARIOS = [(brute_force, 30), (lambda log, rng: invalid_user(log, rng, True), 30),
             (lambda log, rng: invalid_user(log, rng, False), 12), (scanner, 20), (login, 3),
             (cron, 8), (sudo, 2), (su, 1)]


def generate(lines: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    log = Log(rng, datetime(2025, 3, 1, 0, 0, 0))
    functions = [f for f, _ in SCENARIOS]
    weights = [w for _, w in SCENARIOS]
    while len(log.out) < lines:
        rng.choices(functions, weights)[0](log, rng)
    return log.out[:lines]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    with open(args.out, "w", encoding="utf-8") as out:
        out.write("\n".join(generate(args.lines, args.seed)) + "\n")


if __name__ == "__main__":
    main()
