"""The redaction measured on its labelled corpus: a regression below the targets fails."""

from __future__ import annotations

from pathlib import Path

from django.core.management import call_command

from appeals.redaction_metrics import RECALL_TARGETS, load, measure

CORPUS = Path(__file__).with_name("redaction_corpus.jsonl")


def test_corpus_covers_every_kind_with_300_sentences_or_more():
    records = load(CORPUS)
    assert len(records) >= 300
    kinds = {item["kind"] for record in records for item in record["mask"]}
    assert kinds == set(RECALL_TARGETS)
    for record in records:
        for item in record["mask"]:
            assert record["text"][item["start"]:item["end"]] == item["text"]


def test_redaction_meets_its_recall_and_precision_targets_on_the_corpus():
    report = measure(load(CORPUS))
    assert report.failures() == [], "\n".join(report.misses + report.false_positives + report.broken)


def test_report_command_prints_every_kind(capsys):
    call_command("redaction_report")
    out = capsys.readouterr().out
    for kind in RECALL_TARGETS:
        assert f"\n{kind} " in out
    assert "targets met" in out
