"""Reports produced by the real tools, ingested end to end: ansible-core (from PyPI, with
the ansible.posix collection for its json callback) and Puppet (Debian's `puppet`)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import vedette
from tests.drift.conftest import LOCAL, settings
from vedette.drift import reports
from vedette.drift import run as drift
from vedette.store import open_store

PLAYBOOK = """\
- hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: write the motd
      ansible.builtin.copy:
        dest: "{target}"
        content: "managed by ansible\\n"
        mode: "0644"
    - name: look at it
      ansible.builtin.command: "cat {target}"
      changed_when: false
"""


def ansible_playbook(workdir: Path, extra_env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ANSIBLE_HOME": str(workdir / "ansible-home"),
           "ANSIBLE_LOCAL_TEMP": str(workdir / "ansible-tmp"), "ANSIBLE_NOCOLOR": "1",
           "ANSIBLE_LOCALHOST_WARNING": "false", "ANSIBLE_INVENTORY_UNPARSED_WARNING": "false",
           **extra_env}
    command = [str(Path(sys.executable).parent / "ansible-playbook"), "-i", "localhost,",
               "-e", f"ansible_python_interpreter={sys.executable}", str(workdir / "site.yml")]
    done = subprocess.run(command, cwd=workdir, env=env, capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return done


@pytest.fixture(scope="module")
def ansible_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Three runs of one playbook: with Vedette's callback (creates, then finds it done),
    then, the file removed, with the ansible.posix.json stdout callback."""
    workdir = tmp_path_factory.mktemp("ansible")
    target = workdir / "motd"
    (workdir / "site.yml").write_text(PLAYBOOK.format(target=target))
    plugin_dir = vedette("drift", "callback-dir").stdout.strip()
    summaries = workdir / "summaries"
    plugin = {"ANSIBLE_CALLBACK_PLUGINS": plugin_dir, "ANSIBLE_CALLBACKS_ENABLED": "vedette_drift",
              "VEDETTE_DRIFT_ANSIBLE_DIR": str(summaries)}
    ansible_playbook(workdir, plugin)
    first = next(summaries.iterdir()).rename(workdir / "first.json")
    ansible_playbook(workdir, plugin)
    second = next(summaries.iterdir()).rename(workdir / "second.json")
    target.unlink()
    output = ansible_playbook(workdir, {"ANSIBLE_STDOUT_CALLBACK": "ansible.posix.json"})
    (workdir / "json-callback.json").write_text(output.stdout)
    return {"first": first, "second": second, "json": workdir / "json-callback.json",
            "target": target}


def test_callback_plugin_summary_counts_real_runs(ansible_runs: dict[str, Path]) -> None:
    (first,) = reports.load(ansible_runs["first"])
    (second,) = reports.load(ansible_runs["second"])
    assert (first.tool, first.host, first.changed, first.total) == ("ansible", "localhost", 1, 2)
    assert [(r.name, r.path) for r in first.resources] == [
        ("write the motd", str(ansible_runs["target"]))]
    assert (second.changed, second.resources, second.run_failed) == (0, [], False)
    assert oct(ansible_runs["first"].stat().st_mode & 0o777) == "0o600"


def test_json_stdout_callback_output_of_a_real_run(ansible_runs: dict[str, Path]) -> None:
    (report,) = reports.load(ansible_runs["json"])
    assert (report.changed, report.failed, report.total) == (1, 0, 2)
    assert [r.name for r in report.resources] == ["write the motd"]


def test_real_ansible_runs_through_the_cli(ansible_runs: dict[str, Path], tmp_path: Path
                                           ) -> None:
    store = tmp_path / "store.db"
    done = vedette("drift", "ingest", ansible_runs["first"], ansible_runs["second"],
                   ansible_runs["json"], "--store", store, "--format", "jsonl")
    assert done.returncode == 0, done.stderr
    with open_store(store) as opened:
        changed = [m.value for m in opened.metrics("vedette_drift_resources_changed")]
    assert changed == [1, 0, 1]


def puppet_apply(workdir: Path, target: Path, report: Path) -> None:
    dirs = {name: workdir / name for name in ("var", "conf", "log", "run", "code")}
    command = ["puppet", "apply", "--lastrunreport", str(report),
               *[f"--{name}dir={path}" for name, path in dirs.items()
                 if name in ("var", "conf", "log", "run")],
               "--codedir", str(dirs["code"]),
               "-e", f'file {{ "{target}": content => "managed by puppet\\n" }}']
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert report.exists(), done.stdout + done.stderr


def test_real_puppet_apply_reports(tmp_path: Path) -> None:
    target = tmp_path / "motd"
    first, second = tmp_path / "first.yaml", tmp_path / "second.yaml"
    puppet_apply(tmp_path, target, first)
    puppet_apply(tmp_path, target, second)
    with open_store(tmp_path / "store.db") as store:
        result = drift.ingest([first, second], "auto", LOCAL, store, settings(mode="golden"))
    created, converged = (judged.report for judged in result.runs)
    assert (created.tool, created.changed, created.noop, created.run_failed) == (
        "puppet", 1, False, False)
    assert [(r.name, r.path) for r in created.resources] == [(f"File[{target}]", str(target))]
    assert created.total is not None and created.total >= 1
    assert (converged.changed, converged.resources) == (0, [])
    # Golden image: the first run's change is a finding, the second run is clean.
    assert [len(judged.findings) for judged in result.runs] == [1, 0]
