"""`kill -9` at any moment loses nothing: the spool under a crashing writer, and the agent
killed again and again in the middle of delivering to a receiver that counts distinct ids."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from tests.conftest import vedette
from tests.pipeline.conftest import Receiver, Request, finding, items, ok
from vedette.pipeline.spool import Spool

WRITER = """
import sys
from pathlib import Path
from tests.pipeline.conftest import finding, items
from vedette.pipeline.spool import Spool

spool = Spool(Path(sys.argv[1]), ["hook"], segment_bytes=20000)
n = int(sys.argv[2])
while True:
    spool.append(items(finding(n), finding(n + 1)))
    print(n + 1, flush=True)  # both are durable once append returned
    n += 2
"""


def test_a_writer_killed_mid_append_leaves_every_acknowledged_record(tmp_path: Path) -> None:
    directory = tmp_path / "spool"
    acknowledged: list[int] = []
    start = 0
    for _ in range(3):
        writer = subprocess.Popen([sys.executable, "-c", WRITER, str(directory), str(start)],
                                  stdout=subprocess.PIPE, text=True,
                                  cwd=Path(__file__).parents[2])
        assert writer.stdout is not None
        for line in writer.stdout:  # let it run until it has written a few hundred
            acknowledged.append(int(line))
            if int(line) >= start + 200:
                break
        writer.send_signal(signal.SIGKILL)
        writer.wait()
        start = acknowledged[-1] + 1000  # leave a gap: numbers never repeat
    spool = Spool(directory, ["hook"])
    summaries = set()
    while spool.pending("hook"):
        batch = spool.read("hook", 500)
        summaries |= {item.record.summary for item in batch.items}
        spool.ack("hook", batch)
    assert spool.dropped == 0
    for n in acknowledged:
        assert f"changed content: '/etc/f{n}'" in summaries


def _counting_receiver() -> tuple[Receiver, set[str], list[int]]:
    seen: set[str] = set()
    total = [0]
    lock = threading.Lock()

    def respond(request: Request) -> tuple[int, dict[str, str], bytes]:
        with lock:
            total[0] += 1
            if total[0] in (5, 6):  # the receiver is briefly down: the agent retries
                return 503, {}, b"busy"
        time.sleep(0.01)  # slow enough that a kill lands mid-delivery
        with lock:
            seen.update(item["id"] for item in request.json()["items"])
        return ok(202)

    return Receiver(respond), seen, total


def test_agent_killed_mid_delivery_loses_nothing(tmp_path: Path) -> None:
    receiver, seen, _ = _counting_receiver()
    tree = tmp_path / "tree"
    (tree / "etc").mkdir(parents=True)
    (tree / "etc" / "a.conf").write_text("a")
    state = tmp_path / "state"
    config = tmp_path / "vedette.yaml"
    config.write_text(json.dumps({
        "store": {"path": str(tmp_path / "store.db")}, "fim": {"db": str(tmp_path / "fim.db")},
        "agent": {"state_dir": str(state), "drain_timeout": 60,
                  "checks": [{"name": "etc", "type": "fim", "paths": [str(tree)]}],
                  "sinks": [{"type": "webhook", "name": "hook", "url": receiver.url,
                             "batch_size": 10},
                            {"type": "jsonl", "name": "witness",
                             "path": str(tmp_path / "witness.jsonl")}]}}))
    assert vedette("-c", config, "fim", "init", tree).returncode == 0
    # A backlog, as if the receiver had been down for a while.
    backlog = items(*[finding(n) for n in range(300)])
    spool = Spool(state / "spool", ["hook", "witness"])
    spool.append(backlog)
    spool.close()
    environment = {**os.environ, "PYTHONUNBUFFERED": "1"}
    try:
        for _ in range(2):
            before = len(seen)
            agent = subprocess.Popen([sys.executable, "-m", "vedette", "-c", str(config),
                                      "agent", "--once"], env=environment,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            deadline = time.monotonic() + 30
            while len(seen) < before + 40 and time.monotonic() < deadline:
                time.sleep(0.01)
            agent.send_signal(signal.SIGKILL)  # in the middle of delivering
            agent.wait()
            (tree / "etc" / "a.conf").write_text(str(time.monotonic()))  # new findings
        assert len(seen) < len(backlog)  # the kills did interrupt the delivery
        final = vedette("-c", config, "agent", "--once", timeout=90)
        assert final.returncode in (0, 1, 2), final.stderr
        lines = [json.loads(line) for line in
                 (tmp_path / "witness.jsonl").read_text().splitlines()]
        witnessed = {line["id"] for line in lines if "metric" not in line}  # webhook: events
        assert {item.id for item in backlog} <= seen
        assert witnessed <= seen  # every record any run spooled reached the receiver
        assert len(witnessed) > len(backlog)  # the agent's own runs produced records too
        assert not Spool(state / "spool", ["hook", "witness"]).pending("hook")
    finally:
        receiver.close()
