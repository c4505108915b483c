from __future__ import annotations

from pathlib import Path

import pytest

from vedette.config import ConfigError
from vedette.report import frameworks


def test_every_catalogue_loads_with_a_pinned_version() -> None:
    known = frameworks.available()
    assert set(known) == {"pci-dss", "gdpr", "ccpa", "lgpd", "ndb", "hipaa", "soc2",
                          "iso27001"}
    assert known["pci-dss"].catalogue.version == "4.0.1"
    assert known["iso27001"].catalogue.version == "2022"
    control = next(c for c in known["pci-dss"].catalogue.controls if c.id == "11.5.2")
    assert known["pci-dss"].tag(control) == "pci_dss:11.5.2"


def test_selection_keeps_order_and_names_unknown_ones() -> None:
    assert [f.id for f in frameworks.select(["gdpr", "pci-dss"])] == ["gdpr", "pci-dss"]
    with pytest.raises(ConfigError, match="unknown pci-3"):
        frameworks.select(["pci-3"])


def test_a_bad_catalogue_names_file_key_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\nname: X\nversion: '1'\ntag_prefix: x\ncontrols:\n"
                   "  - id: '1'\n    requirement: r\n    evidence: [telepathy]\n")
    with pytest.raises(ConfigError, match=r"bad.yaml:8: controls.0.evidence.0"):
        frameworks.load(bad)
