"""Scoring span predictions against the labelled corpus (used by the privacy benchmarks).

A prediction is a true positive when it overlaps a not-yet-matched labelled span of the
same type; every other prediction is a false positive and every unmatched label a false
negative. Types outside the corpus (Presidio's URL, NRP, ...) are false positives.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

CONTEXT_TYPES = frozenset({"PERSON", "STREET_ADDRESS", "DATE_OF_BIRTH"})


@dataclass
class Score:
    tp: Counter[str] = field(default_factory=Counter)
    fp: Counter[str] = field(default_factory=Counter)
    fn: Counter[str] = field(default_factory=Counter)
    clean_lines: int = 0
    clean_lines_flagged: int = 0
    errors: list[tuple[str, str, str]] = field(default_factory=list)  # (kind, type, text)

    def add(self, text: str, labels: list[list], predicted: list[tuple[int, int, str]]) -> None:
        if not labels:
            self.clean_lines += 1
            self.clean_lines_flagged += bool(predicted)
        unmatched = [tuple(label) for label in labels]
        for start, end, kind in predicted:
            hit = next((label for label in unmatched
                        if label[2] == kind and start < label[1] and label[0] < end), None)
            if hit is None:
                self.fp[kind] += 1
                self.errors.append(("FP", kind, f"{text[start:end]!r} in {text}"))
            else:
                unmatched.remove(hit)
                self.tp[kind] += 1
        for start, end, kind in unmatched:
            self.fn[kind] += 1
            self.errors.append(("FN", kind, f"{text[start:end]!r} in {text}"))

    def prf(self, types: set[str] | frozenset[str] | None = None) -> tuple[float, float, float]:
        keys = set(self.tp) | set(self.fp) | set(self.fn)
        if types is not None:
            keys &= set(types)
        tp = sum(self.tp[k] for k in keys)
        fp = sum(self.fp[k] for k in keys)
        fn = sum(self.fn[k] for k in keys)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return precision, recall, f1

    def pattern_types(self) -> set[str]:
        """Checksum-validated and pattern types: every type but the context ones, including
        types a tool reports that the corpus does not have (they are false positives)."""
        return (set(self.tp) | set(self.fp) | set(self.fn)) - CONTEXT_TYPES

    @property
    def clean_flag_rate(self) -> float:
        return self.clean_lines_flagged / self.clean_lines if self.clean_lines else 0.0

    def table(self) -> str:
        rows = ["| type | precision | recall | F1 | TP | FP | FN |",
                "|---|---|---|---|---|---|---|"]
        for kind in sorted(set(self.tp) | set(self.fp) | set(self.fn)):
            p, r, f = self.prf({kind})
            rows.append(f"| {kind} | {p:.3f} | {r:.3f} | {f:.3f} | {self.tp[kind]} | "
                        f"{self.fp[kind]} | {self.fn[kind]} |")
        return "\n".join(rows)
