"""Precision and recall of ``appeals.redaction`` on a labelled corpus (JSON lines).

Each line: ``text``, ``contact_name``, ``contact_phone``, ``mask`` (spans that
must be masked: ``start``, ``end``, ``kind``) and ``keep`` (strings that must
stay readable wherever they occur outside a masked span).

- A span to mask is *recalled* when every one of its characters is masked.
- A masked span is *correct* when it overlaps a span to mask; otherwise (it
  hides a place, a date, a hotline or plain words) it is a false positive.
  Precision per kind is counted by the kind the redactor gave the span.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from appeals.redaction import KINDS, find_spans

# The targets of issue 15: numbers and IDs ≥ 0.98, names ≥ 0.90, precision ≥ 0.95 overall.
RECALL_TARGETS = {"name": 0.90, **{kind: 0.98 for kind in KINDS if kind != "name"}}
PRECISION_TARGET = 0.95


@dataclass
class Tally:
    gold: int = 0
    recalled: int = 0
    predicted: int = 0
    correct: int = 0

    @property
    def recall(self) -> float:
        return self.recalled / self.gold if self.gold else 1.0

    @property
    def precision(self) -> float:
        return self.correct / self.predicted if self.predicted else 1.0


@dataclass
class Report:
    sentences: int = 0
    kinds: dict[str, Tally] = field(default_factory=lambda: {kind: Tally() for kind in KINDS})
    overall: Tally = field(default_factory=Tally)
    kept_broken: int = 0
    kept_total: int = 0
    misses: list[str] = field(default_factory=list)
    false_positives: list[str] = field(default_factory=list)
    broken: list[str] = field(default_factory=list)

    def failures(self) -> list[str]:
        """The targets this report misses, in words (empty when all are met)."""
        out = [
            f"{kind} recall {tally.recall:.3f} < {RECALL_TARGETS[kind]}"
            for kind, tally in self.kinds.items() if tally.recall < RECALL_TARGETS[kind]
        ]
        if self.kept_broken:
            out.append(f"{self.kept_broken} readable spans masked")
        if self.overall.precision < PRECISION_TARGET:
            out.append(f"overall precision {self.overall.precision:.3f} < {PRECISION_TARGET}")
        return out


def load(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def measure(records: list[dict]) -> Report:
    report = Report(sentences=len(records))
    for record in records:
        text = record["text"]
        spans = find_spans(text, contact_name=record.get("contact_name", ""), contact_phone=record.get("contact_phone", ""))
        masked = bytearray(len(text))
        for span in spans:
            masked[span.start:span.end] = b"\x01" * (span.end - span.start)
        gold = bytearray(len(text))
        for item in record["mask"]:
            gold[item["start"]:item["end"]] = b"\x01" * (item["end"] - item["start"])
            tally = report.kinds[item["kind"]]
            tally.gold += 1
            report.overall.gold += 1
            if all(masked[item["start"]:item["end"]]):
                tally.recalled += 1
                report.overall.recalled += 1
            else:
                report.misses.append(f"{item['kind']}: {item['text']!r} in {text}")
        for span in spans:
            tally = report.kinds[span.kind]
            tally.predicted += 1
            report.overall.predicted += 1
            if any(gold[span.start:span.end]):
                tally.correct += 1
                report.overall.correct += 1
            else:
                report.false_positives.append(f"{span.kind}/{span.rule}: {text[span.start:span.end]!r} in {text}")
        for keep in record.get("keep", []):
            start = text.find(keep)
            while start >= 0:
                end = start + len(keep)
                if not any(gold[start:end]):
                    report.kept_total += 1
                    if any(masked[start:end]):
                        report.kept_broken += 1
                        report.broken.append(f"{keep!r} in {text}")
                start = text.find(keep, start + 1)
    return report
