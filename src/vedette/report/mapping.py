"""The control-mapping appendix: for each control, the evidence Vedette holds and whether
it is present, partial or missing. It never says "compliant": an assessor decides that."""

from __future__ import annotations

from collections import Counter
from typing import Any

from vedette.report.frameworks import Framework

PRESENT, PARTIAL, MISSING = "evidence present", "partial", "missing"


def overall(statuses: list[str]) -> str:
    if all(status == PRESENT for status in statuses):
        return PRESENT
    if all(status == MISSING for status in statuses):
        return MISSING
    return PARTIAL


def controls_appendix(frameworks: list[Framework], evidence: dict[str, dict[str, str]],
                      tagged: Counter[str]) -> list[dict[str, Any]]:
    """`evidence`: per evidence kind, its `status` and a one-line `held` description;
    `tagged`: how many of the period's events name each control."""
    rows = []
    for framework in frameworks:
        for control in framework.catalogue.controls:
            tag = framework.tag(control)
            items = [evidence[kind] for kind in control.evidence]
            rows.append({
                "framework": framework.catalogue.name, "version": framework.catalogue.version,
                "control": control.id, "requirement": control.requirement,
                "evidence": "; ".join(item["held"] for item in items),
                "tagged_events": tagged.get(tag, 0),
                "status": overall([item["status"] for item in items])})
    return rows
