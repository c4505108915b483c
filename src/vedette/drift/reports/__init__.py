"""Read a configuration-management run report, whichever tool wrote it.

One module per tool turns its own format into `RunReport`s; `load` picks the module
from `--tool` or, with `auto`, from what the file says about itself.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from vedette.drift.model import ReportError, RunReport
from vedette.drift.reports import ansible, chef, puppet, terraform

Parser = Callable[[Any, str, str], list[RunReport]]

PARSERS: dict[str, Parser] = {
    "puppet": puppet.parse,
    "ansible": ansible.parse,
    "chef": chef.parse,
    "terraform": terraform.parse,
}
AUTO = "auto"


def read_text(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ReportError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ReportError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    if not text.strip():
        raise ReportError(f"{path}: empty file")
    return text


def decode_json(text: str, origin: str) -> Any:
    """The JSON document in `text`; text printed before it (a warning on the same
    stream as a stdout callback) is skipped."""
    start = text.find("{")
    if start < 0:
        raise ReportError(f"{origin}: no JSON object found")
    try:
        document, end = json.JSONDecoder().raw_decode(text, start)
    except json.JSONDecodeError as exc:
        raise ReportError(f"{origin}:{exc.lineno}:{exc.colno}: invalid or truncated JSON: "
                          f"{exc.msg}") from exc
    if text[end:].strip():
        line = text.count("\n", 0, end) + 1
        raise ReportError(f"{origin}:{line}: unexpected data after the JSON document")
    return document


def detect(text: str, origin: str) -> tuple[str, Any]:
    """The tool that wrote `text`, and the document already decoded."""
    if puppet.looks_like(text):
        return "puppet", puppet.load_yaml(text, origin)
    document = decode_json(text, origin)
    if isinstance(document, dict):
        for tool in ("terraform", "ansible", "chef"):
            if PARSERS_DETECT[tool](document):
                return tool, document
    raise ReportError(f"{origin}: not a report Vedette knows (Puppet last_run_report.yaml, "
                      "Ansible json callback or Vedette callback summary, Chef run data, "
                      "terraform show -json); name the tool with --tool")


PARSERS_DETECT: dict[str, Callable[[dict[str, Any]], bool]] = {
    "terraform": terraform.looks_like,
    "ansible": ansible.looks_like,
    "chef": chef.looks_like,
}


def load(path: Path, tool: str = AUTO, default_host: str = "") -> list[RunReport]:
    """The runs a report file describes (an Ansible run covers several hosts).
    Raises ReportError naming the file when it cannot be read as such a report."""
    origin = str(path)
    text = read_text(path)
    if tool == AUTO:
        tool, document = detect(text, origin)
    elif tool == "puppet":
        document = puppet.load_yaml(text, origin)
    else:
        document = decode_json(text, origin)
    if tool not in PARSERS:
        raise ReportError(f"{origin}: unknown tool {tool!r}")
    try:
        reports = PARSERS[tool](document, origin, default_host)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ReportError(f"{origin}: not a valid {tool} report: "
                          f"{type(exc).__name__}: {exc}") from exc
    for report in reports:
        report.origin = origin
    return reports


__all__ = ["AUTO", "PARSERS", "detect", "load"]
