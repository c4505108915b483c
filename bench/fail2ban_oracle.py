"""What fail2ban's `sshd` filter says about each line of a log, one JSON object per failure.

Runs under the Python that has fail2ban installed (Debian: `/usr/bin/python3` with the
`fail2ban` package; fail2ban is not published on PyPI). It drives fail2ban-regex's own
engine (`Fail2banRegex.testRegex`), so the answers are exactly fail2ban's, and prints
`{"line": N, "ip": "..."}` for every line on which the filter reports a failure.

    python3 bench/fail2ban_oracle.py LOGFILE [FILTER]    # FILTER: sshd[mode=aggressive]
"""

import json
import sys

from fail2ban.client.fail2banregex import Fail2banRegex, get_opt_parser


def main(argv):
    log = argv[1]
    name = argv[2] if len(argv) > 2 else "sshd[mode=aggressive]"
    opts, _ = get_opt_parser().parse_args(["--out", "ip", log, name])
    engine = Fail2banRegex(opts)
    if not engine.readRegex(name, "fail"):
        sys.exit("cannot read the fail2ban filter " + name)
    out = sys.stdout
    with open(log, encoding="utf-8", errors="surrogateescape") as lines:
        for number, line in enumerate(lines, 1):
            line = line.rstrip("\r\n")
            if not line or line.startswith("#"):
                continue
            _, found, ignored = engine.testRegex(line)
            if ignored:
                continue
            for match in found:
                ip = match[3].get("ip4") or match[3].get("ip6") or match[1]
                out.write(json.dumps({"line": number, "ip": ip}) + "\n")


if __name__ == "__main__":
    main(sys.argv)
