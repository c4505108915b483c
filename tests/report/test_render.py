"""Each rendering from the real command: HTML loads in headless Chromium without a console
message, the PDF comes from the same HTML and turns into page images, JSON and CSV carry
the populations, and no raw personal data from the seeded month appears in any of them."""

from __future__ import annotations

import csv
import json
import re
import subprocess
from pathlib import Path

import pytest

from tests.conftest import vedette
from tests.report.seed import AS_OF, RAW_FORMS, Seed
from vedette.report.collect import content_hash

FORMATS = ("html", "pdf", "json", "csv")


@pytest.fixture(scope="session")
def rendered(seed: Seed, out: Path) -> dict[str, Path]:
    paths = {}
    for fmt in FORMATS:
        path = out / ("csv" if fmt == "csv" else f"report.{fmt}")
        done = vedette("report", "--period", "2026-11", "--as-of", AS_OF.isoformat(),
                       "--store", seed.store, "--format", fmt, "--out", path)
        assert done.returncode == 0, done.stderr
        paths[fmt] = path
    return paths


def _chromium_console(page: Path) -> list[str]:
    """Load `page` in headless Chromium; the console messages it logged."""
    done = subprocess.run(
        ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr",
         "--v=0", "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr
    assert "</html>" in done.stdout  # the page was parsed and laid out
    return [line for line in done.stderr.splitlines() if ":CONSOLE" in line]


def test_html_loads_in_chromium_without_errors(rendered: dict[str, Path], tmp_path: Path
                                              ) -> None:
    assert _chromium_console(rendered["html"]) == []
    # The same probe does see a page that breaks the rules the report keeps (its content
    # security policy refuses anything from the network).
    page = rendered["html"].read_text()
    broken = tmp_path / "broken.html"
    broken.write_text(page.replace("</body>", '<img src="https://example.com/x.png"></body>'))
    assert any("example.com" in line for line in _chromium_console(broken))


def test_html_is_self_contained(rendered: dict[str, Path]) -> None:
    page = rendered["html"].read_text()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", page)
    assert "<script" not in page and "<link" not in page
    assert page.count("<svg") == 2  # the two charts, inline
    content = json.loads(rendered["json"].read_text())
    assert content["integrity"]["content_sha256"] in page


def test_pdf_pages_become_images(rendered: dict[str, Path], out: Path) -> None:
    assert rendered["pdf"].read_bytes().startswith(b"%PDF-")
    subprocess.run(["pdftoppm", "-r", "40", "-png", rendered["pdf"], out / "page"], check=True,
                   timeout=120)
    pages = sorted(out.glob("page-*.png"))
    assert len(pages) >= 8  # cover, one page per section, appendix
    assert all(page.read_bytes().startswith(b"\x89PNG") for page in pages)
    text = _pdf_text(rendered["pdf"])
    assert "Exceptions register" in text and "Sign-off" in text
    assert "EXC-011" in text and "pipelines reporting" in text


def _pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", path, "-"], capture_output=True, text=True,
                          check=True, timeout=120).stdout


def test_json_hash_can_be_recomputed(rendered: dict[str, Path]) -> None:
    content = json.loads(rendered["json"].read_text())
    assert content_hash(content) == content["integrity"]["content_sha256"]
    content["findings"]["fim"][0]["disposition"] = "accepted"
    assert content_hash(content) != content["integrity"]["content_sha256"]


def test_csv_populations_match_the_json(rendered: dict[str, Path]) -> None:
    content = json.loads(rendered["json"].read_text())
    with (rendered["csv"] / "fim_findings.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert [r["disposition"] for r in rows] == [r["disposition"]
                                                for r in content["findings"]["fim"]]
    with (rendered["csv"] / "fim_runs.csv").open() as handle:
        runs = list(csv.DictReader(handle))
    assert {r["name"] for r in runs} >= {"check", "accept"}
    assert len(runs) == len(content["populations"]["fim_runs"])
    with (rendered["csv"] / "exceptions.csv").open() as handle:
        assert len(list(csv.DictReader(handle))) == len(content["exceptions"])
    with (rendered["csv"] / "pipelines.csv").open() as handle:
        pipelines = list(csv.DictReader(handle))
    assert [(r["pipeline"], r["reporting"]) for r in pipelines] == [
        (r["pipeline"], str(r["reporting"])) for r in content["coverage"]["pipelines"]]
    assert ("db-1:fim", "False") in [(r["pipeline"], r["reporting"]) for r in pipelines]


def test_no_raw_personal_data_in_any_output(rendered: dict[str, Path], seed: Seed) -> None:
    outputs = {
        "html": rendered["html"].read_text(),
        "pdf": _pdf_text(rendered["pdf"]),
        "json": rendered["json"].read_text(),
        **{f"csv/{p.name}": p.read_text() for p in rendered["csv"].glob("*.csv")},
    }
    # The store itself does hold a raw value (an auth log line), so the test has teeth.
    assert any(raw in seed.store.read_bytes().decode("latin-1") for raw in RAW_FORMS)
    for name, text in outputs.items():
        flat = re.sub(r"\s+", " ", text)
        for raw in RAW_FORMS:
            assert raw not in flat, f"{raw!r} in {name}"
    assert "************1111" in outputs["json"]  # masked previews are what is shown


def test_the_word_compliant_never_appears(rendered: dict[str, Path]) -> None:
    for fmt in ("html", "json"):
        assert not re.search(r"compliant", rendered[fmt].read_text(), re.IGNORECASE)
    assert not re.search(r"compliant", _pdf_text(rendered["pdf"]), re.IGNORECASE)


def test_outputs_are_private(rendered: dict[str, Path]) -> None:
    for fmt in ("html", "pdf", "json"):
        assert rendered[fmt].stat().st_mode & 0o077 == 0
