"""`vedette pii`: Personal data: find, redact and pseudonymize it in logs and stores."""

from __future__ import annotations

import json
import signal
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from vedette.cli.context import StoreOpt, fail, state, stderr, stdout

if TYPE_CHECKING:
    from vedette.privacy.engine import Engine
    from vedette.privacy.run import ScanResult
    from vedette.privacy.scan import LineFinding

app = typer.Typer(help="Personal data: find, redact and pseudonymize it in logs and stores.",
                  no_args_is_help=True)


class Format(StrEnum):
    TEXT = "text"
    JSONL = "jsonl"


PolicyOpt = Annotated[Path | None, typer.Option(
    "--policy", help="Privacy policy YAML.", show_default="the shipped policy")]
RegionOpt = Annotated[str | None, typer.Option(
    "--region", help="Apply this region's overrides from the policy.", show_default=False)]
KeyOpt = Annotated[Path | None, typer.Option(
    "--key", help="Deployment key file for keyed hashes and pseudonyms (created 0600 if "
                  "missing).", show_default="privacy.key in the data directory")]


def load_engine(policy: Path | None, region: str | None, key_file: Path | None) -> Engine:
    """The engine for the options, falling back on the `privacy:` settings, then defaults."""
    from vedette.config import ConfigError
    from vedette.home import data_home
    from vedette.privacy import Engine, EngineError, load_policy
    from vedette.privacy.keys import KEY_FILE_NAME, DeploymentKeyError, load_deployment_key

    try:
        settings = state.settings.privacy
        key_path = key_file or settings.key_file or data_home() / KEY_FILE_NAME
        return Engine(load_policy(policy or settings.policy, region or settings.region),
                      key=load_deployment_key(key_path), cache_dir=data_home() / "cache")
    except (ConfigError, EngineError, DeploymentKeyError) as exc:
        fail(str(exc))


@app.command()
def scan(
    paths: Annotated[list[str], typer.Argument(
        help="Files, directories (walked) and .gz files to scan; '-' reads standard input.",
        show_default=False)],
    output: Annotated[Format, typer.Option("--format", help="Output format.")] = Format.TEXT,
    policy: PolicyOpt = None,
    region: RegionOpt = None,
    key: KeyOpt = None,
    store: StoreOpt = None,
) -> None:
    """Find personal data and secrets in files, line by line.

    Each finding names the path, line, character offsets, type and confidence, with a masked
    preview and a keyed hash: never the value. Exit codes: 0 nothing found, 1 personal data
    found, 3 an input could not be read (the others are still scanned) or could not run.
    """
    from vedette.privacy.run import scan_paths
    from vedette.store import StoreError

    engine = load_engine(policy, region, key)
    show = _print_jsonl if output is Format.JSONL else _print_text
    try:
        with state.store(store) as events:
            result = scan_paths(paths, engine, state.host(), events, on_finding=show)
    except StoreError as exc:
        fail(str(exc))
    except BrokenPipeError:
        # The reader went away (`| head`): the scan stopped early, its result is unknown.
        sys.exit(3)
    for problem in result.problems:
        stderr.print(f"[bold red]vedette: error:[/] {escape(problem.path)}: "
                     f"{escape(problem.message)}", highlight=False)
    if output is Format.JSONL:
        print(json.dumps({"summary": _summary(result)}), flush=True)
    else:
        _print_text_summary(result)
    sys.exit(result.exit_code)


def _print_jsonl(item: LineFinding) -> None:
    sys.stdout.write(item.to_json() + "\n")  # one write, not print's two


def _print_text(item: LineFinding) -> None:
    finding = item.finding
    print(f"{item.path}:{item.line}:{finding.start}-{finding.end} {finding.type} "
          f"{finding.confidence:.2f} {item.preview} {item.hash}")


def _summary(result: ScanResult) -> dict[str, object]:
    return {"findings": result.tally.total, "by_type": dict(result.tally.by_type),
            "by_path": dict(result.tally.by_path), "files": result.files,
            "bytes": result.bytes, "seconds": round(result.seconds, 3),
            "errors": [{"path": p.path, "error": p.message} for p in result.problems],
            "skipped_binary": result.skipped_binary}


def _print_text_summary(result: ScanResult) -> None:
    sys.stdout.flush()
    tally = result.tally
    if not tally.total:
        stdout.print(f"no personal data found in {result.files} inputs ({result.bytes} bytes)")
        return
    stdout.print(f"{tally.total} findings in {len(tally.by_path)} of {result.files} inputs "
                 f"({result.bytes} bytes)")
    for kind, count in tally.by_type.most_common():
        stdout.print(f"  {kind:<16} {count}", highlight=False)
    for path, count in tally.by_path.most_common():
        stdout.print(f"  {escape(path)}: {count}", highlight=False)


@app.command()
def redact(
    policy: PolicyOpt = None,
    region: RegionOpt = None,
    key: KeyOpt = None,
    pipeline: Annotated[str | None, typer.Option(
        "--pipeline", help="Name of the stream being redacted (e.g. checkout-logs), recorded "
                           "with what it carried.", show_default="stdin")] = None,
    to_region: Annotated[str | None, typer.Option(
        "--to-region", help="Region label of where the stream is sent: another region than "
                            "this host's is a cross-region flow in reports.",
        show_default=False)] = None,
    legal_basis: Annotated[str | None, typer.Option(
        "--legal-basis", help="Legal basis of sending the data to --to-region (e.g. SCC, "
                              "adequacy).", show_default="none recorded")] = None,
    store: Annotated[str | None, typer.Option(
        "--store", help="Record the run and what the stream carried (per entity type: count, "
                        "transform, masked samples) in this event store when the stream ends: "
                        "a SQLite file or a postgresql:// URL.",
        show_default="nothing is recorded")] = None,
) -> None:
    """Redact standard input to standard output, line by line, as the policy says.

    JSON lines keep their structure (keys give context: "password", "email", "dob");
    other lines are redacted as text. Each line is flushed at once, so the command can sit
    in a pipe or as an exec stage of a log shipper. SIGTERM ends the stream like the end of
    its input.
    """
    from vedette.privacy.findings import Flow
    from vedette.privacy.redact import StreamStopped, redact_recorded, redact_stream
    from vedette.store import StoreError

    if store is None and (pipeline or to_region or legal_basis):
        fail("--pipeline, --to-region and --legal-basis describe what --store records: "
             "give --store too")
    engine = load_engine(policy, region, key)
    signal.signal(signal.SIGTERM, _stop_stream)
    try:
        if store is None:
            failures = redact_stream(engine, sys.stdin.buffer, sys.stdout.buffer)
        else:
            flow = Flow(pipeline or "stdin", to_region, legal_basis)
            with state.store(store) as events:
                failures = redact_recorded(engine, sys.stdin.buffer, sys.stdout.buffer,
                                           events, state.host(), flow)
    except (BrokenPipeError, StreamStopped):
        sys.exit(0)  # the reader went away, or we were told to stop: the stream has ended
    except KeyboardInterrupt:
        sys.exit(130)
    except StoreError as exc:
        fail(str(exc))
    if failures:
        stderr.print(f"[bold red]vedette: error:[/] {failures} lines could not be redacted "
                     "and were replaced by a placeholder", highlight=False)
        sys.exit(3)


def _stop_stream(signum: int, frame: object) -> None:
    from vedette.privacy.redact import StreamStopped

    # Once: a second SIGTERM must not cut short the recording of what the stream carried.
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise StreamStopped


def _register_scan_db() -> None:
    # A late import: the database scanner's module imports this one's helpers; psycopg
    # itself is imported only when a scan runs.
    from vedette.privacy.stores.cli import scan_db

    app.command("scan-db")(scan_db)


_register_scan_db()
