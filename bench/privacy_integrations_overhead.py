"""CPU cost per log record of Vedette's logging filter, structlog processor and
OpenTelemetry log record processor, against the same pipeline without redaction.

    python bench/privacy_integrations_overhead.py [--records N] [--seed S]

The machine is shared, so the figures are CPU time of this process (time.process_time),
not wall time; each case runs the same generated records with and without redaction, in
the same process, and the difference divided by the record count is the overhead.
"""

from __future__ import annotations

import argparse
import io
import logging
import platform
import random
import time
import warnings
from collections.abc import Callable
from importlib.metadata import version

import structlog
from opentelemetry.sdk._logs import LoggerProvider, LoggingHandler
from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter, SimpleLogRecordProcessor

from vedette.privacy import Engine, load_policy
from vedette.privacy.integrations.logging_filter import RedactingFilter
from vedette.privacy.integrations.otel import RedactingLogRecordProcessor
from vedette.privacy.integrations.structlog_processor import RedactingProcessor

FIRST = ["anna", "li", "jose", "marie", "omar", "keiko"]
LAST = ["schmidt", "wei", "garcia", "dupont", "haddad", "sato"]
CARDS = ["4111 1111 1111 1111", "5500-0000-0000-0004", "378282246310005"]

Case = tuple[str, tuple[object, ...], dict[str, object]]


def records(count: int, seed: int) -> dict[str, list[Case]]:
    """Typical application log calls: clean ones (ids, durations, counts) and ones with
    personal data in %-args and `extra`."""
    rng = random.Random(seed)
    clean: list[Case] = [
        ("request %s %s completed in %dms with status %d",
         (f"{rng.getrandbits(128):032x}", rng.choice(["GET", "POST"]), rng.randint(1, 900),
          rng.choice([200, 201, 404])), {"route": "/api/orders", "bytes": rng.randint(10, 9999)})
        for _ in range(count)]
    personal: list[Case] = []
    for _ in range(count):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        email = f"{first}.{last}{rng.randint(1, 99)}@example.org"
        personal.append(("payment by %s with card %s declined",
                         (email, rng.choice(CARDS)),
                         {"order_id": rng.randint(10**6, 10**7), "customer_email": email}))
    return {"clean": clean, "with personal data": personal}


def cpu(run: Callable[[], None]) -> float:
    started = time.process_time()
    run()
    return time.process_time() - started


def logging_case(cases: list[Case], redacting: RedactingFilter | None) -> Callable[[], None]:
    handler = logging.StreamHandler(io.StringIO())
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    if redacting is not None:
        handler.addFilter(redacting)
    log = logging.getLogger(f"bench.{id(handler)}")
    log.propagate = False
    log.addHandler(handler)
    log.setLevel(logging.INFO)

    def run() -> None:
        for message, args, extra in cases:
            log.info(message, *args, extra=extra)
    return run


def structlog_case(cases: list[Case], processor: RedactingProcessor | None
                   ) -> Callable[[], None]:
    chain: list[object] = [structlog.processors.add_log_level,
                           structlog.stdlib.PositionalArgumentsFormatter()]
    chain += [processor] if processor is not None else []
    chain.append(structlog.processors.JSONRenderer())
    log = structlog.wrap_logger(structlog.PrintLogger(io.StringIO()), processors=chain)

    def run() -> None:
        for message, args, extra in cases:
            log.info(message, *args, **extra)
    return run


def otel_case(cases: list[Case], processor: RedactingLogRecordProcessor | None
              ) -> Callable[[], None]:
    provider = LoggerProvider()
    if processor is not None:
        provider.add_log_record_processor(processor)
    exporter = InMemoryLogRecordExporter()
    provider.add_log_record_processor(SimpleLogRecordProcessor(exporter))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        handler = LoggingHandler(logger_provider=provider)
    log = logging.getLogger(f"bench.otel.{id(handler)}")
    log.propagate = False
    log.addHandler(handler)
    log.setLevel(logging.INFO)

    def run() -> None:
        for message, args, extra in cases:
            log.info(message, *args, extra=extra)
        exporter.clear()
    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=7)
    options = parser.parse_args()
    engine = Engine(load_policy(), key=b"benchmark-key-0123456789abcdef01")
    hooks: list[tuple[str, Callable[..., Callable[[], None]], object]] = [
        ("logging filter", logging_case, RedactingFilter(engine)),
        ("structlog processor", structlog_case, RedactingProcessor(engine)),
        ("OTel log record processor", otel_case, RedactingLogRecordProcessor(engine)),
    ]
    print(f"Python {platform.python_version()}, structlog {version('structlog')}, "
          f"opentelemetry-sdk {version('opentelemetry-sdk')}; {options.records} records per "
          f"case, seed {options.seed}; CPU time of this process")
    print("| hook | log calls | without (µs/record) | with (µs/record) | overhead (µs/record) |")
    print("| --- | --- | --- | --- | --- |")
    for kind, cases in records(options.records, options.seed).items():
        for name, build, hook in hooks:
            build(cases[:200], hook)()  # warm caches and lazy imports
            plain = cpu(build(cases, None)) / len(cases) * 1e6
            redacted = cpu(build(cases, hook)) / len(cases) * 1e6
            print(f"| {name} | {kind} | {plain:.1f} | {redacted:.1f} | "
                  f"{redacted - plain:.1f} |")


if __name__ == "__main__":
    main()
