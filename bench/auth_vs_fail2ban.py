"""Benchmark: `vedette auth parse` against `fail2ban-regex ... sshd[mode=aggressive]`.

Both read the same generated auth.log (see gen_auth_log.py) in the same run. The machine
is shared, so the figure compared is CPU time (user + system, from getrusage of the child
processes), start-up included, not wall time; the tools run alternately `--repeat` times
and each one's lowest CPU time is kept, the least disturbed by other work.

Also checked: on every line where fail2ban's sshd filter reports a failure, Vedette says
failure with the same address (fail2ban's own engine is driven line by line through
fail2ban_oracle.py), and how many failures each counts.

Needs Debian's fail2ban (`apt-get install fail2ban`: fail2ban is not on PyPI).

    python bench/auth_vs_fail2ban.py [--lines 1000000] [--seed 42] [--repeat 2]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from gen_auth_log import generate  # noqa: E402

from vedette.auth.sources import read_records  # noqa: E402

FILTER = "sshd[mode=aggressive]"
SYSTEM_PYTHON = "/usr/bin/python3"
_PID = re.compile(r"\[(\d+)\]: ")


def cpu_seconds(command: list[str], stdout: int | object = subprocess.DEVNULL) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(command, stdout=stdout, stderr=subprocess.DEVNULL, check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def fail2ban_failures(log: Path) -> dict[int, set[str]]:
    """{line: addresses} of every failure fail2ban's filter reports."""
    found: dict[int, set[str]] = defaultdict(set)
    result = subprocess.run([SYSTEM_PYTHON, str(HERE / "fail2ban_oracle.py"), str(log), FILTER],
                            capture_output=True, text=True, check=True)
    for line in result.stdout.splitlines():
        entry = json.loads(line)
        found[entry["line"]].add(entry["ip"])
    return found


def disagreements(log: Path, fail2ban: dict[int, set[str]]) -> list[int]:
    """Lines where fail2ban reports a failure that Vedette does not classify alike.

    fail2ban reports some failures on a later line of the same connection (multi-line
    matching), so a Vedette failure with that address on an earlier line of the same
    sshd process also counts as agreement."""
    failures: dict[int, set[str | None]] = defaultdict(set)
    for record in read_records(str(log)):
        if record.outcome == "failure":
            failures[record.line].add(record.src_ip)
    texts = log.read_text(encoding="utf-8").split("\n")
    pid_lines: dict[str, list[int]] = defaultdict(list)
    for number, text in enumerate(texts, 1):
        match = _PID.search(text)
        if match:
            pid_lines[match[1]].append(number)
    bad = []
    for number, addresses in sorted(fail2ban.items()):
        seen = set(failures[number])
        match = _PID.search(texts[number - 1])
        if not addresses <= seen and match:
            for earlier in pid_lines[match[1]]:
                if earlier < number:
                    seen |= failures[earlier]
        if not addresses <= seen:
            bad.append(number)
    return bad


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="vedette-bench-") as folder:
        log = Path(folder) / "auth.log"
        log.write_text("\n".join(generate(args.lines, args.seed)) + "\n", encoding="utf-8")
        out = Path(folder) / "attempts.jsonl"
        vedette_runs, fail2ban_runs = [], []
        for _ in range(args.repeat):
            with out.open("w") as sink:
                vedette_runs.append(cpu_seconds(
                    [sys.executable, "-m", "vedette", "auth", "parse", str(log)], sink))
            fail2ban_runs.append(cpu_seconds(["fail2ban-regex", str(log), FILTER]))
        vedette, fail2ban = min(vedette_runs), min(fail2ban_runs)
        version = subprocess.run(["fail2ban-regex", "--version"], capture_output=True,
                                 text=True).stdout.strip()
        attempts = [json.loads(line) for line in out.read_text().splitlines()]
        f2b = fail2ban_failures(log)
        bad = disagreements(log, f2b)
        failures = sum(1 for a in attempts if a["outcome"] == "failure")
        sshd_failures = sum(1 for a in attempts
                            if a["outcome"] == "failure" and a["service"] == "sshd")
    print(f"| tool | CPU s | lines per CPU-second |\n|---|---:|---:|\n"
          f"| vedette auth parse | {vedette:.2f} | {args.lines / vedette:,.0f} |\n"
          f"| {version} {FILTER} | {fail2ban:.2f} | {args.lines / fail2ban:,.0f} |\n")
    print(f"ratio (fail2ban CPU / vedette CPU): {fail2ban / vedette:.1f}x; all runs (CPU s): "
          f"vedette {[round(t, 2) for t in vedette_runs]}, "
          f"fail2ban {[round(t, 2) for t in fail2ban_runs]}")
    print(f"fail2ban failure lines: {sum(len(v) for v in f2b.values())}; Vedette failed "
          f"attempts: {failures} ({sshd_failures} sshd); lines where they disagree: {len(bad)}"
          + (f" (first: {bad[:10]})" if bad else ""))
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, seed {args.seed}")


if __name__ == "__main__":
    main()
