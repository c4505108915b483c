"""Ansible callback plugin: write a per-run summary for `vedette drift ingest`.

Enable it with `ANSIBLE_CALLBACK_PLUGINS=<this directory>` and
`ANSIBLE_CALLBACKS_ENABLED=vedette_drift` (or `callbacks_enabled` in ansible.cfg). It
needs nothing but Ansible: Vedette does not have to be installed where Ansible runs.
"""

from __future__ import annotations

import json
import os
import tempfile
import uuid

# timezone.utc, not datetime.UTC: the plugin runs on whatever Python Ansible runs on.
from datetime import datetime, timezone

from ansible import context
from ansible.plugins.callback import CallbackBase

DOCUMENTATION = """
name: vedette_drift
type: aggregate
short_description: write a per-run summary of changed tasks for Vedette
description:
  - Writes one JSON file per playbook run with, per host, the ok, changed, failed,
    skipped and unreachable counts and the names of the tasks that changed or failed.
  - Read the files with C(vedette drift ingest).
requirements:
  - enable in configuration
options:
  dir:
    description: Directory the summaries are written to (created 0700 if missing).
    default: /var/lib/vedette/drift/ansible
    env:
      - name: VEDETTE_DRIFT_ANSIBLE_DIR
    ini:
      - section: callback_vedette_drift
        key: dir
    type: path
"""

SUMMARY_FORMAT = 1


def _now() -> str:
    return datetime.now(timezone.utc).isoformat()  # noqa: UP017


def _parts(result):
    """Host name, task name and result dict, across the task result APIs of Ansible versions."""
    host = getattr(result, "host", None) or result._host
    task = getattr(result, "task", None) or result._task
    data = getattr(result, "result", None)
    if not isinstance(data, dict):
        data = result._result
    return host.get_name(), task.get_name(), data


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "vedette_drift"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._start = _now()
        self._playbook = None
        self._changed = {}
        self._failed = {}

    def v2_playbook_on_start(self, playbook):
        self._start = _now()
        self._playbook = os.path.basename(playbook._file_name)

    def _note(self, table, result):
        host, task, data = _parts(result)
        entry = {"task": task}
        # The file a file module (copy, template, file, lineinfile) managed, if any.
        path = data.get("dest") or data.get("path")
        if isinstance(path, str):
            entry["path"] = path
        table.setdefault(host, []).append(entry)

    def v2_runner_on_ok(self, result):
        if _parts(result)[2].get("changed"):
            self._note(self._changed, result)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        if not ignore_errors:
            self._note(self._failed, result)

    def v2_runner_on_unreachable(self, result):
        self._note(self._failed, result)

    def v2_playbook_on_stats(self, stats):
        hosts = {}
        for host in sorted(stats.processed):
            counts = stats.summarize(host)
            hosts[host] = {
                "ok": counts.get("ok", 0),
                "changed": counts.get("changed", 0),
                "failures": counts.get("failures", 0),
                "unreachable": counts.get("unreachable", 0),
                "skipped": counts.get("skipped", 0),
                "rescued": counts.get("rescued", 0),
                "ignored": counts.get("ignored", 0),
                "changed_tasks": self._changed.get(host, []),
                "failed_tasks": self._failed.get(host, []),
            }
        summary = {
            "vedette_ansible_summary": SUMMARY_FORMAT,
            "run_id": str(uuid.uuid4()),
            "playbook": self._playbook,
            "check_mode": bool(context.CLIARGS.get("check", False)),
            "start": self._start,
            "end": _now(),
            "hosts": hosts,
        }
        self._write(summary)

    def _write(self, summary):
        directory = self.get_option("dir")
        os.makedirs(directory, mode=0o700, exist_ok=True)
        name = f"ansible-{summary['end'].replace(':', '')[:17]}-{summary['run_id'][:8]}.json"
        # Written aside then renamed: an ingest never sees half a summary.
        handle, temporary = tempfile.mkstemp(dir=directory, prefix=".vedette-", suffix=".tmp")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump(summary, out, indent=1)
            os.replace(temporary, os.path.join(directory, name))
        except BaseException:
            if os.path.exists(temporary):
                os.unlink(temporary)
            raise
