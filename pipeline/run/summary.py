"""What a labelling run did (:class:`PredictSummary`), and the interruption that leaves it resumable."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

# How many failed rows the summary lists (all of them are in the side file).
MAX_ERRORS_KEPT = 1000


@dataclass
class PredictSummary:
    """What a labelling run did.

    Attributes:
        input, output: the files.
        text_columns: the input columns the text was taken from.
        rows: rows read and written (always equal).
        labels: rows per label.
        flagged: rows with a military end-use marker.
        statuses: rows per status (``ok``, ``empty``, ``malformed: …`` …).
        errors: ``(line, reason)`` of the first :data:`MAX_ERRORS_KEPT` rows that could not be read cleanly.
        failed: how many rows could not be read cleanly.
        errors_path: the side file listing every such row, or ``None`` when there were none.
        seconds: wall time of this run.
        encoding, delimiter: what the reader used.
        resumed_rows: rows taken over from an interrupted run.
        jobs: worker processes used.
        truncated: when the input ended early (a cut ``.gz``), what happened; the rows before the cut are written.
        notes: other things the user should know about the output (an XLSX split into several sheets …).
        code_column: the declared-code column read (``None``: no code columns in the output).
        code_conflicts: rows per ``code_conflict`` direction (``text>code``, ``code>text``).
        code_statuses: rows per ``code_status`` kind (``ok``, ``normalised``, ``padded``, ``empty``, ``invalid``).
    """

    input: str
    output: str
    text_columns: list[str]
    rows: int = 0
    labels: Counter = field(default_factory=Counter)
    flagged: int = 0
    statuses: Counter = field(default_factory=Counter)
    errors: list[tuple[int, str]] = field(default_factory=list)
    failed: int = 0
    errors_path: str | None = None
    seconds: float = 0.0
    encoding: str | None = None
    delimiter: str | None = None
    resumed_rows: int = 0
    jobs: int = 1
    truncated: str | None = None
    notes: list[str] = field(default_factory=list)
    code_column: str | None = None
    code_conflicts: Counter = field(default_factory=Counter)
    code_statuses: Counter = field(default_factory=Counter)

    @property
    def failed_rows(self) -> int:
        """Rows that could not be read cleanly."""
        return self.failed

    def _counts(self) -> dict:
        return {
            "rows": self.rows,
            "labels": dict(self.labels),
            "flagged": self.flagged,
            "statuses": dict(self.statuses),
            "errors": [list(e) for e in self.errors],
            "failed": self.failed,
            "code_conflicts": dict(self.code_conflicts),
            "code_statuses": dict(self.code_statuses),
        }

    def _restore(self, counts: dict) -> None:
        self.rows = self.resumed_rows = counts["rows"]
        self.labels = Counter(counts["labels"])
        self.flagged = counts["flagged"]
        self.statuses = Counter(counts["statuses"])
        self.errors = [(int(a), str(b)) for a, b in counts["errors"]]
        self.failed = counts["failed"]
        self.code_conflicts = Counter(counts.get("code_conflicts", {}))
        self.code_statuses = Counter(counts.get("code_statuses", {}))


class PredictInterrupted(KeyboardInterrupt):
    """Ctrl-C stopped a run; its output can be completed with ``resume=True``.

    Attributes:
        summary: what was done before the interruption.
        state_path: the state file a resumed run reads.
    """

    def __init__(self, summary: PredictSummary, state_path: Path):
        super().__init__(f"interrupted after {summary.rows} rows")
        self.summary = summary
        self.state_path = state_path
