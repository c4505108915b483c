"""Pipeline benchmark: events per second into SQLite and PostgreSQL, and the idle agent.

    python bench/pipeline_throughput.py throughput [--events 50000] [--repeat 3]
        [--store both|sqlite|postgresql] [--redact] [--postgres URL]
    python bench/pipeline_throughput.py idle [--seconds 600]

`throughput` runs, on the same generated events (fixed seed), first the anchor — a direct
batched `Store.add_events` with no pipeline — then the whole pipeline: enrich → filter →
spool (fsync per batch) → delivery thread → store sink (de-duplicating by id); with
`--redact`, also the pipeline with the privacy engine's redaction (built-in policy) between
enrich and filter. Each measurement runs in a fresh child process with an empty store and
is timed by that child's CPU time (resource.getrusage, user + system, all threads) around
the timed part — from the first record in to the last one stored, imports and generating
excluded — because the machine is shared: wall time would measure the neighbours. The
PostgreSQL server's own CPU is not in that figure; wall time and the rate it gives are
printed next to it. Each is repeated (`--repeat`) and the median is reported with every
run's figure.

`idle` starts `vedette agent` with one FIM check every 5 minutes, a store sink and a
Prometheus endpoint, and samples the agent's CPU time and RSS from /proc for the duration.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

# Imported here, not in the timed part: a measurement counts the pipeline, not imports.
from vedette.events import Event, Host, Severity
from vedette.pipeline.agent import Pipeline
from vedette.pipeline.delivery import Delivery
from vedette.pipeline.enrich import Enricher
from vedette.pipeline.filters import Filter
from vedette.pipeline.redact import Redactor, load_engine
from vedette.pipeline.sinks.store import StoreSink
from vedette.pipeline.spool import Spool
from vedette.store import open_store

SEED = 6
PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/test"


def generate(count: int) -> list[Event]:
    rng = random.Random(SEED)
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    host = Host(name="bench-host", labels={"region": "eu"})  # as the agent configures it
    severities = list(Severity)
    return [Event(time=t0 + timedelta(milliseconds=n), host=host, source="fim",
                  kind="finding", category="file_system_activity",
                  severity=rng.choice(severities),
                  summary=f"changed content: '/srv/app/file{n}.conf'",
                  dedup_key=f"bench-host:fim:/srv/app/file{n}.conf",
                  context={"change": "modified", "rule": "config",
                           "attributes": {"size": {"before": rng.randrange(10**6),
                                                   "after": rng.randrange(10**6)}}},
                  observables={"file.path": f"/srv/app/file{n}.conf"},
                  controls=["pci_dss:11.5.2"]) for n in range(count)]


def _direct(events: list[Event], url: str, batch: int) -> Callable[[], None]:
    with open_store(url) as store:
        for start in range(0, len(events), batch):
            store.add_events(events[start:start + batch])
    return lambda: None


def _pipeline(events: list[Event], url: str, batch: int, spool_dir: Path,
              redactor: Redactor | None = None) -> Callable[[], None]:
    """Push `events` through the pipeline until the store has them all; returns what stops
    the delivery thread (not timed: it only waits for its next poll)."""
    sink = StoreSink("store", url, batch)
    spool = Spool(spool_dir, ["store"])
    pipeline = Pipeline(Enricher(Host(name="bench-host", labels={"region": "eu"})), redactor,
                        Filter(), spool)
    delivery = Delivery(spool, sink)
    stop = threading.Event()
    delivery.start(stop)  # delivers while the producer keeps spooling, as in the agent
    for start in range(0, len(events), batch):
        pipeline.put(events[start:start + batch])
    while spool.pending("store"):
        time.sleep(0.01)

    def finish() -> None:
        stop.set()
        delivery.join()
        sink.close()
        spool.close()
    return finish


def child(mode: str, url: str, count: int, batch: int, spool_dir: str) -> None:
    events = generate(count)
    redactor = None
    if mode == "redact":  # the engine's built-in policy, a key for this process
        redactor = Redactor(load_engine(None, None))
    started = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_SELF)
    if mode == "direct":
        finish = _direct(events, url, batch)
    else:
        finish = _pipeline(events, url, batch, Path(spool_dir), redactor)
    after = resource.getrusage(resource.RUSAGE_SELF)
    wall = time.perf_counter() - started
    finish()
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    print(json.dumps({"cpu": cpu, "wall": wall}))


def measure(mode: str, url: str, count: int, batch: int) -> dict:
    """Run one measurement in a child process, which reports the CPU time (all its threads,
    user + system) of the timed part only: importing and generating are not counted."""
    with tempfile.TemporaryDirectory() as spool_dir:
        output = subprocess.run(
            [sys.executable, __file__, "_child", mode, url, str(count), str(batch), spool_dir],
            check=True, capture_output=True, text=True).stdout
    return json.loads(output.splitlines()[-1])


def throughput(args: argparse.Namespace) -> None:
    import psycopg

    from vedette import __version__

    schema = f"vedette_bench_{os.getpid()}"
    targets = [("SQLite", lambda n: str(Path(tmp) / f"store{n}.db")),
               ("PostgreSQL", lambda n: f"{args.postgres}?schema={schema}_{n}")]
    targets = [(name, location) for name, location in targets
               if args.store in ("both", name.lower())]
    print(f"vedette {__version__}, Python {sys.version.split()[0]}, psycopg "
          f"{psycopg.__version__}, {args.events} events, batches of {args.batch}")
    print("| store | path | events/s by CPU time, median (each run) | CPU µs/event | CPU s "
          "| wall s | events/s by wall time |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
    modes = ["direct", "pipeline", *(["redact"] if args.redact else [])]
    labels = {"direct": "direct add_events (anchor)",
              "pipeline": "enrich → filter → spool → store sink",
              "redact": "enrich → redact → filter → spool → store sink"}
    runs = 0
    for name, location in targets:
        for mode in modes:
            results = []
            for _ in range(args.repeat):  # a fresh, empty store each time
                results.append(measure(mode, location(runs), args.events, args.batch))
                runs += 1
            result = sorted(results, key=lambda r: r["cpu"])[len(results) // 2]  # median
            spread = ", ".join(f"{args.events / r['cpu']:,.0f}" for r in results)
            print(f"| {name} | {labels[mode]} | {args.events / result['cpu']:,.0f} ({spread}) | "
                  f"{1e6 * result['cpu'] / args.events:.1f} | {result['cpu']:.2f} | "
                  f"{result['wall']:.2f} | {args.events / result['wall']:,.0f} |", flush=True)
    if args.store == "sqlite":
        return
    with psycopg.connect(args.postgres, autocommit=True) as conn:
        for number in range(runs):
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}_{number}" CASCADE')


def _proc_sample(pid: int) -> tuple[float, int]:
    """(CPU seconds of the process itself, RSS bytes)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    cpu = (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    rss = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
    return cpu, rss


def idle(args: argparse.Namespace) -> None:
    root = Path(tempfile.mkdtemp(prefix="vedette-idle-"))
    tree = root / "tree"
    for n in range(200):
        (tree / f"d{n % 10}").mkdir(parents=True, exist_ok=True)
        (tree / f"d{n % 10}" / f"f{n}").write_text(f"file {n}\n")
    config = root / "vedette.yaml"
    config.write_text(json.dumps({
        "store": {"path": str(root / "store.db")}, "fim": {"db": str(root / "fim.db")},
        "agent": {"state_dir": str(root / "state"),
                  "checks": [{"name": "tree", "type": "fim", "paths": [str(tree)],
                              "interval": "5m"}],
                  "sinks": [{"type": "store", "url": str(root / "central.db")},
                            {"type": "prometheus", "listen": "127.0.0.1:0"}]}}))
    environment = {**os.environ, "VEDETTE_HOME": str(root / "home")}
    vedette = [sys.executable, "-m", "vedette", "-c", str(config)]
    subprocess.run([*vedette, "fim", "init", str(tree)], check=True, env=environment,
                   capture_output=True)
    agent = subprocess.Popen([*vedette, "agent"], env=environment)
    try:
        time.sleep(5)  # start-up is not idling
        cpu0, _ = _proc_sample(agent.pid)
        started, peak = time.monotonic(), 0
        while time.monotonic() - started < args.seconds:
            time.sleep(1)
            if agent.poll() is not None:
                raise SystemExit(f"the agent exited with status {agent.returncode}")
            peak = max(peak, _proc_sample(agent.pid)[1])
        cpu1, rss = _proc_sample(agent.pid)
        seconds = time.monotonic() - started
    finally:
        agent.terminate()
        agent.wait()
    print(f"| idle agent over {seconds:.0f} s | CPU {cpu1 - cpu0:.2f} s = "
          f"{100 * (cpu1 - cpu0) / seconds:.3f} % of a core | RSS now {rss / 2**20:.1f} MB, "
          f"peak {peak / 2**20:.1f} MB |")


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "_child":
        mode, url, count, batch, spool_dir = sys.argv[2:7]
        child(mode, url, int(count), int(batch), spool_dir)
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("throughput")
    run.add_argument("--events", type=int, default=50_000)
    run.add_argument("--batch", type=int, default=2000)
    run.add_argument("--postgres", default=PG_DEFAULT)
    run.add_argument("--repeat", type=int, default=3)
    run.add_argument("--store", choices=["both", "sqlite", "postgresql"], default="both")
    run.add_argument("--redact", action="store_true",
                     help="also measure the pipeline with the privacy engine's redaction")
    sub.add_parser("idle").add_argument("--seconds", type=float, default=600)
    args = parser.parse_args()
    throughput(args) if args.command == "throughput" else idle(args)


if __name__ == "__main__":
    tmp = tempfile.mkdtemp(prefix="vedette-bench-")
    main()
