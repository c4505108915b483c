"""IP addresses, v4 and v6. Whether they are personal data is the policy's choice.

Loopback, unspecified and broadcast addresses identify no one and are not reported; neither
are dotted numbers that are versions (`Chrome/120.0.0.0`, `version 1.2.3.4`) or longer OIDs.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator

from vedette.privacy.entities import IP_ADDRESS, Finding
from vedette.privacy.validators import ipv4_ok

_VERSION_WORDS = re.compile(r"(?i)(?:version|ver|release|build|v)[\s:=\"']*$")


class IpDetector:
    name = "ip_address"
    types = (IP_ADDRESS,)
    # IPv4 but loopback (127.x): health checks and sidecars fill access logs with it; and
    # not right after a product name's slash (`Chrome/120.0.0.0` is in most user agents).
    # IPv6 not inside a word (`std::vector`, `Foo::Bar`). What comes before an address is
    # part of the trigger because Hyperscan has no look-behind: the detector's own
    # expressions have the same boundaries.
    trigger = (r"(?:^|[^\w./]|(?:^|[^A-Za-z0-9])/)"
               r"(?:[2-9]\d{0,2}|1(?:[013-9]\d?|2[0-68-9]?)?)\.\d{1,3}\.\d{1,3}\.\d{1,3}\b"
               r"|(?:^|[^\w:.])(?:(?:[0-9A-Fa-f]{1,4}:){1,7}:|::[0-9A-Fa-f]{2}"
               # Without `::`, eight groups or six and an IPv4 address: not a MAC address.
               r"|(?:[0-9A-Fa-f]{1,4}:){6}[0-9A-Fa-f])")

    _v4 = re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?!\.?\d|\.\w)")
    _v6 = re.compile(r"(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}"
                     r"(?:[0-9A-Fa-f]{1,4}|(?:\d{1,3}\.){3}\d{1,3})?(?![\w:.])")

    def wants_key(self, key_name: str) -> bool:
        return False  # the value alone decides: the trigger is enough

    def find(self, text: str, key_name: str | None = None) -> Iterator[Finding]:
        for match in self._v4.finditer(text):
            value = match.group()
            if not ipv4_ok(value) or _is_version(text, match.start()):
                continue
            if value.startswith(("127.", "0.", "255.")):
                continue
            yield Finding(IP_ADDRESS, match.start(), match.end(), 0.9, self.name)
        for match in self._v6.finditer(text):
            value = match.group()
            if value.count(":") < 2 or ("::" not in value and value.count(":") != 7
                                        and "." not in value):
                continue
            try:
                address = ipaddress.IPv6Address(value)
            except ValueError:
                continue
            if address.is_loopback or address.is_unspecified:
                continue
            yield Finding(IP_ADDRESS, match.start(), match.end(), 0.85, self.name)


def _is_version(text: str, start: int) -> bool:
    """A product token (`Chrome/120.0.0.0`) or a number labelled as a version."""
    if start >= 2 and text[start - 1] == "/" and text[start - 2].isalnum():
        return True
    return _VERSION_WORDS.search(text, max(0, start - 12), start) is not None
