"""The report's figures against what the seeded month put in the store."""

from __future__ import annotations

from collections import Counter

from tests.report.seed import HOSTS, Seed
from vedette.report.collect import content_hash
from vedette.report.dispositions import ACCEPTED, EXPLAINED, OPEN


def test_scope_and_coverage(content: dict, seed: Seed) -> None:
    assert content["metadata"]["scope"]["hosts"] == ["db-1", "pay-1", "web-1"]
    assert (content["coverage"]["in_scope"], content["coverage"]["reporting"]) == (3, 3)
    # Every host runs auth, drift and privacy pipelines; pay-1 and web-1 integrity checks,
    # and db-1 ran them in October only: expected (seen in the lookback), silent now.
    pipelines = {row["pipeline"]: row for row in content["coverage"]["pipelines"]}
    assert sorted(pipelines) == sorted(f"{host}:{source}" for host in ("db-1", "pay-1", "web-1")
                                       for source in ("auth", "drift", "fim", "privacy"))
    assert [name for name, row in pipelines.items() if not row["reporting"]] == ["db-1:fim"]
    assert pipelines["db-1:fim"]["last_seen"].startswith("2026-10-19T10:00")
    assert content["coverage"]["pipeline_summary"] == {
        "in_scope": 12, "reporting": 11, "percent": 91.7, "lookback_days": 30}
    # pay-1: six checks; web-1: four checks and an accept (its failed check does not count).
    assert (pipelines["pay-1:fim"]["completed_runs"], pipelines["web-1:fim"]["completed_runs"]
            ) == (6, 5)
    assert pipelines["db-1:auth"]["events"] == seed.auth_events["db-1"]
    assert content["evidence"]["scope_coverage"] == {
        "status": "partial", "held": "3/3 hosts and 11/12 pipelines in scope reported"}
    assert {f["id"] for f in content["metadata"]["frameworks"]} == {
        "pci-dss", "gdpr", "ccpa", "lgpd", "ndb", "hipaa", "soc2", "iso27001"}
    pci = next(f for f in content["metadata"]["frameworks"] if f["id"] == "pci-dss")
    assert pci["version"] == "4.0.1"


def test_integrity_check_grid_follows_the_real_fim_runs(content: dict) -> None:
    grid = content["operation"]["fim_weekly"]
    assert grid["slots"] == ["2026-W44", "2026-W45", "2026-W46", "2026-W47", "2026-W48",
                             "2026-W49"]
    runs = {row["host"]: [cell["runs"] for cell in row["cells"]] for row in grid["rows"]}
    status = {row["host"]: [cell["status"] for cell in row["cells"]] for row in grid["rows"]}
    # pay-1: checks on 1, 2, 9, 16, 23, 30 Nov; web-1: 1, 3, 10, 24 Nov (17 Nov failed).
    assert runs == {"pay-1": [1, 1, 1, 1, 1, 1], "web-1": [1, 1, 1, 0, 1, 0],
                    "db-1": [0, 0, 0, 0, 0, 0]}
    assert status["web-1"] == ["ok", "ok", "ok", "gap", "ok", "pending"]
    assert status["db-1"] == ["gap"] * 5 + ["pending"]
    assert grid["summary"] == {"expected": 16, "ok": 10, "gaps": 6, "percent": 62.5}


def test_auth_and_drift_operation(content: dict) -> None:
    # Auth logs are read weekly; each attempt proves monitoring on its own day.
    auth = content["operation"]["auth_daily"]
    assert auth["summary"]["expected"] == 90
    assert auth["summary"]["ok"] == 30 + 29 + 20
    # Puppet runs daily and its reports are ingested once: each run counts in its week.
    drift = content["operation"]["drift_weekly"]
    runs = {row["host"]: [cell["runs"] for cell in row["cells"]] for row in drift["rows"]}
    assert runs == {"pay-1": [1, 7, 7, 8, 7, 1], "web-1": [1, 7, 7, 7, 7, 1],
                    "db-1": [1, 7, 7, 5, 0, 0]}
    db = next(row for row in drift["rows"] if row["host"] == "db-1")
    assert [cell["status"] for cell in db["cells"]] == ["ok"] * 4 + ["gap", "pending"]


def test_every_gap_is_an_exception(content: dict, seed: Seed) -> None:
    listed = {(e["area"], e["host"], e["when"]) for e in content["exceptions"]}
    assert ("integrity checks", "web-1", "2026-W47") in listed
    assert ("integrity checks", "db-1", "2026-W44 to 2026-W48") in listed
    assert ("access monitoring", "web-1", "2026-11-14") in listed
    assert ("access monitoring", "db-1", "2026-11-21 to 2026-11-30") in listed
    assert ("configuration management", "db-1", "2026-W48") in listed
    areas = [e["area"] for e in content["exceptions"]]
    assert areas.count("control failure") == 1  # the check that could not open its baseline
    # Card numbers outside the CDE (web-1's log at rest and its stream), a flow with no basis.
    assert areas.count("privacy") == len(_cards_outside_cde(seed)) + 1 == 3
    assert areas.count("incident") == 2  # INC-2026-0002: GDPR and LGPD clocks overrun
    silent = [e for e in content["exceptions"] if e["area"] == "coverage"]
    assert [(e["host"], e["what"]) for e in silent] == [
        ("db-1", "pipeline db-1:fim sent nothing in the period")]
    assert len(content["exceptions"]) == 12
    assert len({e["id"] for e in content["exceptions"]}) == 12


def test_findings_carry_their_disposition(content: dict, seed: Seed) -> None:
    by_path: dict[tuple[str, str], list[str]] = {}
    for row in content["findings"]["fim"]:
        name = row["path"].removeprefix(str(seed.folder) + "/")
        by_path.setdefault((row["host"], name), []).append(row["disposition"])
    assert by_path == {
        ("web-1", "web-1/etc/app.conf"): [ACCEPTED],
        # Reported by every later check until accepted: never accepted, so open each time.
        ("pay-1", "pay-1/bin/ps"): [OPEN, OPEN, OPEN],
        # Changed by the Puppet run of 20 Nov: explained on both checks that report it.
        ("pay-1", "pay-1/etc/passwd"): [EXPLAINED, EXPLAINED],
    }
    accepted = next(r for r in content["findings"]["fim"] if r["disposition"] == ACCEPTED)
    assert accepted["decided_at"].startswith("2026-11-11")
    explained = next(r for r in content["findings"]["fim"] if r["disposition"] == EXPLAINED)
    assert explained["reference"] == seed.corrective_run
    assert explained["decided_at"] == "2026-11-20T12:00:00+00:00"
    assert content["findings"]["fim_counts"] == {ACCEPTED: 1, EXPLAINED: 2, OPEN: 3}
    assert content["findings"]["drift_counts"] == {ACCEPTED: 0, EXPLAINED: 1, OPEN: 1}


def test_access_attempts(content: dict, seed: Seed) -> None:
    access = content["access"]
    assert access["totals"] == {"failure": sum(seed.failures.values()),
                                "success": seed.successes}
    assert dict(zip(access["days"], access["daily"]["failure"], strict=True)) == seed.failures
    # A weekly run counts the week's attempts on its own day: Sundays, the 20th (db-1's
    # last) and the 30th.
    assert [day[-2:] for day, n in zip(access["days"], access["daily"]["failure"],
                                       strict=True) if n] == ["01", "08", "15", "20", "22",
                                                              "29", "30"]
    assert {c["country"]: c["failures"] for c in access["top_countries"]} == \
        dict(seed.country_failures.most_common(10))
    assert len(seed.country_failures) >= 3
    top = access["top_sources"]
    assert len(top) == min(10, len(seed.source_failures))
    assert top[0]["failures"] == max(seed.source_failures.values())
    assert all(row == {"ip": row["ip"], "country": seed.countries[row["ip"]],
                       "failures": seed.source_failures[row["ip"]]} for row in top)
    assert access["attacks_by_rule"] == dict(seed.detections) == {
        "brute_force": 1, "success_after_failures": 1}
    (brute,) = [d for d in access["detections"] if d["rule"] == "brute_force"]
    assert (brute["host"], brute["source_ip"], brute["time"][:10]) == (
        "web-1", "103.99.0.122", "2026-11-05")
    (stuffing,) = access["successes_after_failures"]
    assert (stuffing["host"], stuffing["user"], stuffing["count"]) == ("pay-1", "deploy", 7)


def _cards_outside_cde(seed: Seed) -> list[tuple[str, int]]:
    return [(f.host, f.count) for f in seed.privacy
            if f.type == "CREDIT_CARD" and HOSTS[f.host].get("cde") != "true"]


def test_privacy(content: dict, seed: Seed) -> None:
    found = content["privacy"]
    assert found["by_type"] == dict(seed.privacy_occurrences)
    regions: Counter[str] = Counter()
    for finding in seed.privacy:
        regions[HOSTS[finding.host]["region"]] += finding.count
    assert found["by_region"] == dict(regions)
    assert found["by_store"][seed.card_store] == 12
    assert sum(found["trend"]) == sum(seed.privacy_occurrences.values())
    # In flight: 3 card numbers masked, 4 e-mails only detected, 2 phones hashed.
    in_flight = [f for f in seed.privacy if f.redacted is not None]
    total, redacted = (sum(f.count for f in in_flight),
                       sum(f.count for f in in_flight if f.redacted))
    assert (total, redacted) == (9, 5)
    assert found["redaction"] == {"in_flight": total, "redacted": redacted, "percent": 55.6}
    assert sorted((c["host"], c["count"]) for c in found["cards_outside_cde"]) == \
        sorted(_cards_outside_cde(seed)) == [("web-1", 3), ("web-1", 3)]
    flows = {(f["from"], f["to"]): f["legal_basis"] for f in found["flows"]}
    assert flows == {("eu-west", "us-east"): "none", ("us-east", "eu-west"): "SCC"}
    assert found["scans"] == seed.privacy_runs == 9
    # Each stream's findings say through which pipeline, what was done and where to.
    streams = {(r["source"], r["type"]): (r["state"], r["redacted"], r["destination_region"])
               for r in found["population"] if r["state"] == "in_transit"}
    assert streams == {("checkout-logs", "CREDIT_CARD"): ("in_transit", True, ""),
                       ("app-logs", "EMAIL"): ("in_transit", False, "us-east"),
                       ("crm-sync", "PHONE"): ("in_transit", True, "eu-west")}


def test_incident_clocks(content: dict) -> None:
    clocks = {(i["id"], c["clock"]): (c["state"], c["hours_left"])
              for i in content["incidents"] for c in i["clocks"]}
    assert clocks[("INC-2026-0001", "gdpr-authority")] == ("met", 26.0)
    # Aware 7 Nov 12:00 + 30 days = 7 Dec 12:00, judged as of 1 Dec 00:00.
    assert clocks[("INC-2026-0001", "us-ca-residents")] == ("running", 6 * 24 + 12)
    # Aware Thursday 12 Nov 18:00: 72 h → Sunday 15th 18:00; 3 business days → Tuesday 17th.
    assert clocks[("INC-2026-0002", "gdpr-authority")] == ("overrun", -(15 * 24 + 6))
    assert clocks[("INC-2026-0002", "lgpd-anpd")] == ("overrun", -(13 * 24 + 6))
    assert clocks[("INC-2026-0002", "ndb-assessment")] == ("running", 11 * 24 + 18)


def test_control_mapping_never_claims_compliance(content: dict, seed: Seed) -> None:
    statuses = {(c["framework"], c["control"]): c["status"] for c in content["controls"]}
    assert set(statuses.values()) <= {"evidence present", "partial", "missing"}
    assert statuses[("PCI DSS", "11.5.2")] == "partial"  # gaps and open findings
    assert statuses[("GDPR", "art5(2)")] == "evidence present"
    assert statuses[("PCI DSS", "12.5.2")] == "partial"  # every host, not every pipeline
    tagged = {(c["framework"], c["control"]): c["tagged_events"] for c in content["controls"]}
    # Every auth event is evidence of failed-access monitoring.
    assert tagged[("PCI DSS", "10.2.1.4")] == sum(seed.auth_events.values())


def test_content_hash_covers_the_content(content: dict) -> None:
    assert content["integrity"]["content_sha256"] == content_hash(content)
    changed = {**content, "exceptions": content["exceptions"][1:]}
    assert content_hash(changed) != content["integrity"]["content_sha256"]
