"""Precision and recall of the public-text redaction on the labelled corpus, per kind."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from appeals.redaction_metrics import PRECISION_TARGET, RECALL_TARGETS, load, measure

DEFAULT_CORPUS = Path(settings.BASE_DIR) / "tests" / "appeals" / "redaction_corpus.jsonl"


class Command(BaseCommand):
    help = "Prints the redaction's precision and recall per kind on a labelled corpus (JSON lines)."

    def add_arguments(self, parser):
        parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
        parser.add_argument("--show-errors", action="store_true", help="list every miss and false positive")

    def handle(self, *args, corpus: Path, show_errors: bool, **options):
        if not corpus.exists():
            raise CommandError(f"No corpus at {corpus}")
        report = measure(load(corpus))
        out = self.stdout.write
        out(f"corpus: {corpus.name}, {report.sentences} sentences")
        out(f"{'kind':<10}{'spans':>7}{'recall':>9}{'masked':>8}{'precision':>11}{'target':>9}")
        for kind, tally in report.kinds.items():
            out(f"{kind:<10}{tally.gold:>7}{tally.recall:>9.3f}{tally.predicted:>8}{tally.precision:>11.3f}"
                f"{'R≥' + format(RECALL_TARGETS[kind], '.2f'):>9}")
        total = report.overall
        out(f"{'overall':<10}{total.gold:>7}{total.recall:>9.3f}{total.predicted:>8}{total.precision:>11.3f}"
            f"{'P≥' + format(PRECISION_TARGET, '.2f'):>9}")
        out(f"kept readable: {report.kept_total - report.kept_broken}/{report.kept_total}")
        if show_errors:
            for line in report.misses:
                out(f"MISS {line}")
            for line in report.false_positives:
                out(f"FP   {line}")
            for line in report.broken:
                out(f"KEPT {line}")
        failures = report.failures()
        out("targets met" if not failures else "targets missed: " + "; ".join(failures))
