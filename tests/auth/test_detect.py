"""Sliding-window rules over counted attempts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from vedette.auth.config import DetectSettings
from vedette.auth.detect import Detector, Window, network_of
from vedette.auth.records import FAILURE, SUCCESS, AuthRecord
from vedette.events import Severity

T0 = datetime(2025, 3, 7, 12, 0, tzinfo=UTC)


def attempt(seconds: float, ip: str | None, user: str | None, outcome: str = FAILURE,
            service: str = "sshd") -> AuthRecord:
    return AuthRecord(1, T0 + timedelta(seconds=seconds), service, outcome, ip, user,
                      "password", "bad_credentials")


def rules(detector: Detector, attempts: list[AuthRecord]) -> list[tuple[str, str, Severity]]:
    return [(d.rule, d.key, d.severity) for a in attempts for d in detector.feed(a)]


def test_brute_force_fires_once_per_window() -> None:
    found = rules(Detector(), [attempt(i * 10, "203.0.113.5", "bob") for i in range(25)])
    assert found == [("brute_force", "203.0.113.5", Severity.HIGH)]


def test_brute_force_needs_the_failures_inside_the_window() -> None:
    # 10 failures, one every 2 minutes: never 10 within 10 minutes.
    found = rules(Detector(), [attempt(i * 120, "203.0.113.5", "bob") for i in range(10)])
    assert found == []


def test_password_spraying_one_source_many_users() -> None:
    found = rules(Detector(), [attempt(i * 60, "203.0.113.6", f"user{i}") for i in range(5)])
    assert found == [("password_spraying", "203.0.113.6", Severity.HIGH)]


def test_distributed_attack_many_sources_one_user_slowly() -> None:
    # One try from each of 12 sources, spread over 5 hours: per-source windows see nothing.
    attempts = [attempt(i * 1500, f"198.51.{i}.7", "deploy") for i in range(12)]
    found = rules(Detector(), attempts)
    assert found == [("distributed_attack", "sshd:deploy", Severity.HIGH)]


def test_network_attack_from_one_slash_24() -> None:
    attempts = [attempt(i * 30, f"192.0.2.{i % 5 + 1}", f"u{i % 3}") for i in range(20)]
    found = [r for r in rules(Detector(), attempts) if r[0] == "network_attack"]
    assert found == [("network_attack", "192.0.2.0/24", Severity.HIGH)]


def test_ipv6_sources_are_grouped_by_slash_64() -> None:
    assert network_of("2001:db8:1:2:aaaa::1") == "2001:db8:1:2::/64"
    assert network_of("::ffff:192.0.2.77") == "192.0.2.0/24"
    assert network_of("not-an-ip") is None


def test_privileged_account_attempts() -> None:
    found = rules(Detector(), [attempt(i, "203.0.113.9", "root") for i in range(3)])
    assert found == [("privileged_account", "203.0.113.9", Severity.MEDIUM)]


def test_success_after_many_failures_is_critical() -> None:
    attempts = [attempt(i * 30, "203.0.113.10", "alice") for i in range(6)]
    attempts.append(attempt(200, "203.0.113.10", "alice", SUCCESS))
    found = rules(Detector(), attempts)
    assert ("success_after_failures", "203.0.113.10:alice", Severity.CRITICAL) in found


def test_success_after_failures_long_ago_is_not() -> None:
    attempts = [attempt(i * 30, "203.0.113.11", "alice") for i in range(6)]
    attempts.append(attempt(5 * 3600, "203.0.113.11", "alice", SUCCESS))
    assert "success_after_failures" not in [r[0] for r in rules(Detector(), attempts)]


def test_thresholds_come_from_settings() -> None:
    settings = DetectSettings.model_validate({"brute_force": {"count": 3, "window": 60}})
    found = rules(Detector(settings), [attempt(i, "203.0.113.12", "bob") for i in range(3)])
    assert found == [("brute_force", "203.0.113.12", Severity.HIGH)]


def test_window_counts_and_distinct_items_expire() -> None:
    window = Window(60)
    window.add("k", T0, "a")
    window.add("k", T0 + timedelta(seconds=30), "b")
    window.add("k", T0 + timedelta(seconds=30), "b")
    assert (window.count("k"), sorted(window.distinct("k"))) == (3, ["a", "b"])
    window.add("k", T0 + timedelta(seconds=80), "c")
    assert (window.count("k"), sorted(window.distinct("k"))) == (3, ["b", "c"])


def test_windows_forget_sources_that_stopped_trying() -> None:
    window = Window(600)
    start = datetime(2026, 3, 7, 18, 0, tzinfo=UTC)
    for n in range(1000):
        window.add(f"192.0.2.{n % 250}-{n}", start + timedelta(seconds=n))
    window.prune(start + timedelta(seconds=1000 + 600))
    assert window.state() == []
    window.add("a", start)
    window.add("a", start + timedelta(seconds=500))
    window.prune(start + timedelta(seconds=700))
    assert window.count("a") == 1


def test_detector_state_round_trips() -> None:
    detector = Detector()
    for n in range(7):
        detector.feed(attempt(n, "198.51.100.7", "root"))
    again = Detector()
    again.restore(detector.state())
    assert again.state() == detector.state()
    found = [d for n in range(7, 10) for d in again.feed(attempt(n, "198.51.100.7", "root"))]
    assert "brute_force" in [d.rule for d in found]


def test_a_detection_says_how_long_the_attack_actually_took() -> None:
    from vedette.auth.findings import detection_event
    from vedette.auth.geo import Geo
    from vedette.events import Host

    detector = Detector()
    found = [d for n in range(10)
             for d in detector.feed(attempt(n * 45, "198.51.100.7", "alice"))]
    (brute,) = [d for d in found if d.rule == "brute_force"]
    assert brute.first == T0 and brute.time == T0 + timedelta(seconds=405)
    event = detection_event(brute, Host(name="h"), Geo())
    assert event.summary == "brute force: 10 failed attempts from 198.51.100.7 in 7 min"
    assert event.context["first_attempt"] == T0.isoformat()
