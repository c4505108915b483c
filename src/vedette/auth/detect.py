"""Attacks seen through sliding windows over counted attempts.

Windows are kept per source address, per network (/24 for IPv4, /64 for IPv6), per user
name and per service, in log time (not wall-clock time), so reading last week's log finds
last week's attacks. A rule that fires stays quiet for its key until its window has passed.
"""

from __future__ import annotations

import ipaddress
from collections import Counter, deque
from collections.abc import Hashable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from vedette.auth.config import DetectSettings, Threshold
from vedette.auth.records import FAILURE, AuthRecord
from vedette.events import Severity

# At most this many distinct users or sources are named in a finding (counts stay exact).
MAX_LISTED = 20
# Attempts between two sweeps of every window (a window forgets a key's old items only
# when that key is seen again; the sweep bounds memory on logs with millions of sources).
PRUNE_EVERY = 50_000


@dataclass
class Detection:
    rule: str
    severity: Severity
    key: str
    time: datetime
    count: int
    window: int
    threshold: int
    src_ip: str | None = None
    user: str | None = None
    service: str | None = None
    sources: list[str] = field(default_factory=list)
    users: list[str] = field(default_factory=list)
    line: int | None = None
    first: datetime | None = None  # the oldest attempt counted: the attack's actual span


class Window:
    """Items seen per key over the last `seconds`: how many, and how many distinct."""

    def __init__(self, seconds: int) -> None:
        self.span = timedelta(seconds=seconds)
        self._items: dict[Hashable, deque[tuple[datetime, Hashable]]] = {}
        self._distinct: dict[Hashable, Counter[Hashable]] = {}

    def add(self, key: Hashable, time: datetime, item: Hashable = None) -> None:
        items = self._items.get(key)
        if items is None:
            items = self._items[key] = deque()
            self._distinct[key] = Counter()
        items.append((time, item))
        self._distinct[key][item] += 1
        self.expire(key, time)

    def expire(self, key: Hashable, now: datetime) -> None:
        """Forget what is older than the window, as of `now`."""
        if key not in self._items:
            return
        items, distinct = self._items[key], self._distinct[key]
        horizon = now - self.span
        while items and items[0][0] < horizon:
            _, old = items.popleft()
            distinct[old] -= 1
            if not distinct[old]:
                del distinct[old]
        if not items:
            del self._items[key], self._distinct[key]

    def prune(self, now: datetime) -> None:
        """Forget every key with nothing left in the window as of `now`: sources that
        stopped trying would otherwise be kept for ever by a long-running watch."""
        horizon = now - self.span
        stale = [key for key, items in self._items.items() if items[-1][0] < horizon]
        for key in stale:
            del self._items[key], self._distinct[key]
        for key in list(self._items):
            self.expire(key, now)

    def count(self, key: Hashable) -> int:
        return len(self._items.get(key, ()))

    def oldest(self, key: Hashable) -> datetime | None:
        """When the oldest item still in the window for `key` was seen."""
        items = self._items.get(key)
        return items[0][0] if items else None

    def state(self) -> list[list[Any]]:
        """What the window holds, as JSON-ready lists: [key, [[epoch seconds, item]...]]."""
        return [[_plain(key), [[time.timestamp(), _plain(item)] for time, item in items]]
                for key, items in self._items.items()]

    def restore(self, state: list[list[Any]]) -> None:
        for key, items in state:
            for stamp, item in items:
                self.add(_hashable(key), datetime.fromtimestamp(stamp, UTC), _hashable(item))

    def distinct(self, key: Hashable) -> list[Any]:
        return list(self._distinct.get(key, ()))


def _plain(value: Hashable) -> Any:
    return list(value) if isinstance(value, tuple) else value


def _hashable(value: Any) -> Hashable:
    return tuple(value) if isinstance(value, list) else value


def network_of(ip: str) -> str | None:
    """The /24 (IPv4) or /64 (IPv6) an address belongs to."""
    try:
        address = ipaddress.ip_address(ip.split("%", 1)[0])
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    prefix = 24 if address.version == 4 else 64
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))


class Detector:
    """Feed counted attempts in time order; get detections as they cross thresholds."""

    def __init__(self, settings: DetectSettings | None = None) -> None:
        self.settings = s = settings or DetectSettings()
        self._privileged = frozenset(s.privileged_users)
        self._by_source = Window(s.brute_force.window)
        self._users_by_source = Window(s.spraying.window)
        self._sources_by_user = Window(s.distributed_user.window)
        self._by_network = Window(s.network.window)
        self._by_service = Window(s.service.window)
        self._privileged_by_source = Window(s.privileged.window)
        self._before_success = Window(s.success_after_failures.window)
        self._quiet_until: dict[tuple[str, str], datetime] = {}
        self._fed = 0
        self.latest: datetime | None = None  # the log time of the newest attempt fed

    def _windows(self) -> dict[str, Window]:
        return {"by_source": self._by_source, "users_by_source": self._users_by_source,
                "sources_by_user": self._sources_by_user, "by_network": self._by_network,
                "by_service": self._by_service,
                "privileged_by_source": self._privileged_by_source,
                "before_success": self._before_success}

    def prune(self, now: datetime) -> None:
        """Forget what every window has let go of, and quiet periods that are over."""
        for window in self._windows().values():
            window.prune(now)
        self._quiet_until = {key: until for key, until in self._quiet_until.items()
                             if until > now}

    def state(self) -> dict[str, Any]:
        """The windows and quiet periods, JSON-ready, so a restarted watch goes on where it
        stopped: an attack that spans the restart is still seen."""
        return {"windows": {name: window.state() for name, window in self._windows().items()},
                "quiet": [[rule, key, until.timestamp()]
                          for (rule, key), until in self._quiet_until.items()],
                "latest": self.latest.timestamp() if self.latest else None}

    def restore(self, state: dict[str, Any]) -> None:
        """Take back a `state()`; windows whose length changed in the settings since then
        keep only what fits in the new length."""
        windows = self._windows()
        for name, content in state.get("windows", {}).items():
            if name in windows:
                windows[name].restore(content)
        for rule, key, until in state.get("quiet", []):
            self._quiet_until[(rule, key)] = datetime.fromtimestamp(until, UTC)
        if state.get("latest") is not None:
            self.latest = datetime.fromtimestamp(state["latest"], UTC)

    def feed(self, attempt: AuthRecord) -> list[Detection]:
        if attempt.time is None or not attempt.counted:
            return []
        self._fed += 1
        if self.latest is None or attempt.time > self.latest:
            self.latest = attempt.time
        if self._fed % PRUNE_EVERY == 0:
            self.prune(self.latest)
        if attempt.outcome == FAILURE:
            return self._failure(attempt, attempt.time)
        return self._success(attempt, attempt.time)

    def _fire(self, rule: str, key: str, time: datetime, threshold: Threshold,
              severity: Severity, count: int, attempt: AuthRecord, counted: Window,
              counted_key: Hashable, **extra: Any) -> list[Detection]:
        """A detection, unless `rule` fired for `key` less than a window ago; `counted` is
        the window (and `counted_key` its key) whose items made the count."""
        quiet = self._quiet_until.get((rule, key))
        if quiet is not None and time < quiet:
            return []
        self._quiet_until[(rule, key)] = time + timedelta(seconds=threshold.window)
        return [Detection(rule, severity, key, time, count, threshold.window, threshold.count,
                          line=attempt.line, service=attempt.service,
                          first=counted.oldest(counted_key), **extra)]

    def _failure(self, attempt: AuthRecord, time: datetime) -> list[Detection]:
        s, found = self.settings, []
        ip, user, service = attempt.src_ip, attempt.user, attempt.service
        self._by_service.add(service, time)
        if self._by_service.count(service) >= s.service.count:
            found += self._fire("service_surge", service, time, s.service, Severity.MEDIUM,
                                self._by_service.count(service), attempt, self._by_service,
                                service)
        if user is not None and ip is not None:
            self._sources_by_user.add((service, user), time, ip)
            sources = self._sources_by_user.distinct((service, user))
            if len(sources) >= s.distributed_user.count:
                found += self._fire("distributed_attack", f"{service}:{user}", time,
                                    s.distributed_user, Severity.HIGH, len(sources), attempt,
                                    self._sources_by_user, (service, user), user=user,
                                    sources=sorted(sources)[:MAX_LISTED])
        if ip is None:
            return found
        self._by_source.add(ip, time)
        self._before_success.add(ip, time)
        if self._by_source.count(ip) >= s.brute_force.count:
            found += self._fire("brute_force", ip, time, s.brute_force, Severity.HIGH,
                                self._by_source.count(ip), attempt, self._by_source, ip,
                                src_ip=ip)
        if user is not None:
            self._users_by_source.add(ip, time, user)
            users = self._users_by_source.distinct(ip)
            if len(users) >= s.spraying.count:
                found += self._fire("password_spraying", ip, time, s.spraying, Severity.HIGH,
                                    len(users), attempt, self._users_by_source, ip, src_ip=ip,
                                    users=sorted(users)[:MAX_LISTED])
            if user in self._privileged:
                self._privileged_by_source.add(ip, time, user)
                count = self._privileged_by_source.count(ip)
                if count >= s.privileged.count:
                    found += self._fire("privileged_account", ip, time, s.privileged,
                                        Severity.MEDIUM, count, attempt,
                                        self._privileged_by_source, ip, src_ip=ip,
                                        users=sorted(self._privileged_by_source.distinct(ip)))
        network = network_of(ip)
        if network is not None:
            self._by_network.add(network, time, ip)
            sources = self._by_network.distinct(network)
            count = self._by_network.count(network)
            if count >= s.network.count and len(sources) >= s.network_min_sources:
                found += self._fire("network_attack", network, time, s.network, Severity.HIGH,
                                    count, attempt, self._by_network, network,
                                    sources=sorted(sources)[:MAX_LISTED])
        return found

    def _success(self, attempt: AuthRecord, time: datetime) -> list[Detection]:
        ip, s = attempt.src_ip, self.settings.success_after_failures
        if ip is None:
            return []
        self._before_success.expire(ip, time)
        failures = self._before_success.count(ip)
        if failures < s.count:
            return []
        return self._fire("success_after_failures", f"{ip}:{attempt.user}", time, s,
                          Severity.CRITICAL, failures, attempt, self._before_success, ip,
                          src_ip=ip, user=attempt.user)
