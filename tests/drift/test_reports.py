"""Each tool's report format, read from real output where the tool runs here and from
documented-format samples otherwise."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.drift.conftest import SAMPLES
from vedette.drift import reports
from vedette.drift.model import ReportError, RunReport


def load_one(name: str, tool: str = "auto") -> RunReport:
    loaded = reports.load(SAMPLES / name, tool, "default-host")
    assert len(loaded) == 1
    return loaded[0]


def test_puppet_report_counts_and_changed_resources() -> None:
    report = load_one("puppet-changed.yaml")
    assert (report.tool, report.host, report.changed, report.total) == (
        "puppet", "web1.example.com", 1, 8)
    assert [r.name for r in report.resources] == ["File[/etc/motd]"]
    assert report.resources[0].path == "/etc/motd"
    assert report.run_id == "55904a1d-c81b-4f6e-ba55-41a871d35610"
    assert report.duration is not None and report.duration > 0
    assert load_one("puppet-unchanged.yaml").changed == 0


def test_puppet_corrective_change_is_told_apart() -> None:
    report = load_one("puppet-corrective.yaml")
    assert (report.changed, report.corrective, report.intentional) == (2, 1, 1)
    corrective = {r.name: r.corrective for r in report.resources}
    assert corrective == {"File[/etc/ssh/sshd_config]": True, "Package[nginx]": False}


def test_puppet_noop_counts_pending_changes_and_failed_run() -> None:
    noop = load_one("puppet-noop.yaml")
    assert noop.noop and noop.changed == 2  # out of sync, not applied
    failed = load_one("puppet-failed.yaml")
    assert failed.run_failed and failed.failed == 1
    assert [r.name for r in failed.resources if r.failed] == ["Package[nginx]"]


def test_puppet_yaml_cannot_build_objects(tmp_path: Path) -> None:
    hostile = tmp_path / "last_run_report.yaml"
    hostile.write_text("--- !ruby/object:Puppet::Transaction::Report\n"
                       "host: !!python/object/apply:os.system ['echo pwned']\n")
    with pytest.raises(ReportError, match="invalid or truncated YAML"):
        reports.load(hostile)


def test_ansible_callback_summary_and_json_output() -> None:
    summary = load_one("ansible-summary-changed.json")
    assert (summary.tool, summary.host, summary.changed, summary.run_failed) == (
        "ansible", "localhost", 1, False)
    assert summary.resources[0].path == "/srv/site/motd"
    failed = load_one("ansible-summary-failed.json")
    assert failed.run_failed and [r.name for r in failed.resources if r.failed] == [
        "reload the service"]
    output = load_one("ansible-json.json")
    assert (output.changed, output.total) == (1, 2)
    assert [r.name for r in output.resources] == ["write the motd"]


def test_ansible_json_after_a_warning_line(tmp_path: Path) -> None:
    mixed = tmp_path / "out.json"
    mixed.write_text("[WARNING]: something\n" + (SAMPLES / "ansible-json.json").read_text())
    assert reports.load(mixed, "ansible")[0].changed == 1


def test_chef_handler_and_data_collector() -> None:
    handler = load_one("chef-handler.json")
    assert (handler.host, handler.changed, handler.total, handler.duration) == (
        "app1.example.com", 2, 4, 17.93)
    assert {r.name: r.path for r in handler.resources} == {
        "template[/etc/app/app.conf]": "/etc/app/app.conf", "service[app]": None}
    converge = load_one("chef-run-converge.json")
    assert (converge.changed, converge.failed, converge.total, converge.run_failed) == (
        1, 1, 3, True)
    assert converge.duration == 7.0


def test_terraform_plan_noop_and_refresh_only_drift() -> None:
    plan = load_one("terraform-plan.json")
    assert (plan.host, plan.changed, plan.corrective, plan.noop) == ("default-host", 2, 0, True)
    assert sorted(r.name for r in plan.resources) == ["terraform_data.db", "terraform_data.web"]
    assert load_one("terraform-noop.json").changed == 0
    drift = load_one("terraform-refresh-only.json")
    assert (drift.changed, drift.corrective) == (2, 2)


@pytest.mark.parametrize(("name", "message"), [
    ("broken/garbage.json", r"garbage\.json:1:\d+: invalid or truncated JSON"),
    ("broken/puppet-truncated.yaml", r"puppet-truncated\.yaml: incomplete Puppet report"),
])
def test_broken_files_name_file_and_problem(name: str, message: str) -> None:
    with pytest.raises(ReportError, match=message):
        reports.load(SAMPLES / name)


def test_truncated_json_and_wrong_tool(tmp_path: Path) -> None:
    cut = tmp_path / "plan.json"
    cut.write_text((SAMPLES / "terraform-plan.json").read_text()[:700])
    with pytest.raises(ReportError, match=r"plan\.json:1:"):
        reports.load(cut)
    with pytest.raises(ReportError, match="not Chef run data"):
        reports.load(SAMPLES / "terraform-plan.json", "chef")
    empty = tmp_path / "empty.yaml"
    empty.write_text("\n")
    with pytest.raises(ReportError, match="empty file"):
        reports.load(empty)
