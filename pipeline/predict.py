"""Batch labelling of files: every input row comes out, in order, with a label or an explicit status."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .io import AtomicWriter, TableReader, find_columns, row_text
from .model import DualUseModel, load_model

OUTPUT_COLUMNS = ("label", "score", "military_marker", "status")
REVIEW_COLUMNS = ("review", "candidate")


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
        errors: ``(line, reason)`` of every row that could not be read cleanly.
        seconds: wall time.
        encoding, delimiter: what the reader used.
    """

    input: str
    output: str
    text_columns: list[str]
    rows: int = 0
    labels: Counter = field(default_factory=Counter)
    flagged: int = 0
    statuses: Counter = field(default_factory=Counter)
    errors: list[tuple[int, str]] = field(default_factory=list)
    seconds: float = 0.0
    encoding: str | None = None
    delimiter: str | None = None

    @property
    def failed_rows(self) -> int:
        """Rows that could not be read cleanly."""
        return len(self.errors)


def output_columns(input_columns: Sequence[str], extra: Sequence[str]) -> tuple[list[str], dict[str, str]]:
    """Output column order and the names of the added columns (prefixed ``dualuse_`` on a clash)."""
    names = {}
    for c in extra:
        name = c
        while name in input_columns:
            name = "dualuse_" + name
        names[c] = name
    return list(input_columns) + [names[c] for c in extra], names


def predict(
    input_path: str | Path,
    output_path: str | Path,
    text_columns: Sequence[str] | None = None,
    model: DualUseModel | str | Path | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    sheet: str | int | None = None,
    header: bool = True,
    chunk_size: int = 10_000,
    top_k: int = 0,
) -> PredictSummary:
    """Label every row of ``input_path`` and write ``output_path`` (format from its extension).

    Output: every input column unchanged, in input row order, plus ``label``, ``score``, ``military_marker``,
    ``status`` (and ``review``/``candidate`` when the model has thresholds; ``label_2``/``score_2`` … with
    ``top_k``). Rows that cannot be read or hold no text are written too, with ``status`` saying why.

    Args:
        input_path: CSV/TSV/TXT/JSONL/XLSX/Parquet file (text formats may be ``.gz``).
        output_path: where to write; written atomically.
        text_columns: column(s) holding the description, joined with a space; guessed when ``None``.
        model: a loaded model, a model folder, or ``None`` for the bundled default.
        encoding, delimiter, sheet, header: reader options (detected when ``None``).
        chunk_size: rows per chunk.
        top_k: also write the next ``top_k - 1`` best labels with their scores.

    Returns:
        A :class:`PredictSummary`.
    """
    start = time.perf_counter()
    if not isinstance(model, DualUseModel):
        model = load_model(model)
    reader = TableReader(input_path, encoding=encoding, delimiter=delimiter, sheet=sheet, header=header)
    cols = find_columns(reader.columns, text_columns, str(input_path))
    extra = list(OUTPUT_COLUMNS)
    if model.thresholds:
        extra += list(REVIEW_COLUMNS)
    for k in range(2, top_k + 1):
        extra += [f"label_{k}", f"score_{k}"]
    out_cols, names = output_columns(reader.columns, extra)
    summary = PredictSummary(
        str(input_path), str(output_path), cols, encoding=reader.encoding, delimiter=reader.delimiter
    )
    writer = AtomicWriter(output_path, out_cols)
    try:
        for chunk in reader.iter_chunks(chunk_size):
            texts = [row_text(r, cols) for r in chunk.rows]
            batch = model.predict_batch(texts)
            tops = batch.top_k(top_k) if top_k > 1 else None
            out_rows = []
            for i, row in enumerate(chunk.rows):
                status = batch.statuses[i]
                if chunk.errors[i]:
                    status = chunk.errors[i]
                    summary.errors.append((chunk.lines[i], status))
                new = dict(row)
                new[names["label"]] = batch.labels[i]
                new[names["score"]] = round(float(batch.scores[i]), 4)
                new[names["military_marker"]] = int(batch.markers[i])
                new[names["status"]] = status
                if "review" in names:
                    new[names["review"]] = int(batch.review[i])
                    new[names["candidate"]] = batch.candidates[i]
                if tops is not None:
                    for k, (lab, sc) in enumerate(tops[i][1:], start=2):
                        new[names[f"label_{k}"]] = lab
                        new[names[f"score_{k}"]] = round(sc, 4)
                out_rows.append(new)
                summary.labels[batch.labels[i]] += 1
                summary.statuses[status] += 1
                summary.flagged += int(batch.markers[i])
            writer.write(out_rows)
            summary.rows += len(out_rows)
        writer.commit()
    except BaseException:
        writer.abort()
        raise
    summary.seconds = time.perf_counter() - start
    return summary
