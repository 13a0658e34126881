"""The jobs of the command line that span several parts of the package (the commands call these).

``evaluate`` measures (:mod:`pipeline.evaluation`) and then presents (:mod:`pipeline.report`): the measuring code
never imports the presentation.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pipeline.codes import resolve_code_column
from pipeline.evaluation.evaluate import read_labelled, run_evaluation
from pipeline.explain import explain_texts
from pipeline.model.core import DualUseModel, load_model
from pipeline.report.evaluation import HTML_ERRORS_SHOWN, write_report


def evaluate(
    data: str | Path,
    model: DualUseModel | str | Path | None = None,
    text_column: Sequence[str] | str | None = None,
    label_column: str = "label",
    by: Sequence[str] = (),
    report: str | Path | None = None,
    n_boot: int = 1000,
    seed: int = 0,
    apply_thresholds: bool = True,
    encoding: str | None = None,
    delimiter: str | None = None,
    sheet: str | int | None = None,
    prevalence: float | None = None,
    code_column: str | bool | None = None,
) -> dict[str, Any]:
    """Evaluate a model on a labelled file and optionally write an HTML report with plots and the error list.

    Args:
        data: a labelled file in any format ``predict`` reads, with a gold label column.
        model: a loaded model, a model folder, or ``None`` for the bundled default.
        text_column: text column(s) (joined with a space); guessed as in ``predict`` when ``None``.
        label_column: the gold label column.
        by: extra columns to slice the metrics by.
        report: folder to write ``report.html``, the PNG figures, ``errors.csv`` and ``metrics.json`` into.
        n_boot: bootstrap resamples for the confidence intervals.
        seed: bootstrap seed.
        apply_thresholds: evaluate with the model's stored class thresholds, as ``predict`` labels.
        encoding: force the input encoding (detected when ``None``).
        delimiter: force the CSV delimiter (detected when ``None``).
        sheet: XLSX sheet name or 0-based number.
        prevalence: the share of dual-use lines in the dump the user will label (e.g. 0.005): precision is also
            projected to it (``at_prevalence``, see :func:`prevalence_projection`).
        code_column: the declared customs code column, detected from its usual names as ``predict`` does when
            ``None``, none when ``False``. With one, the labels are those ``predict`` gives with codes (the code
            assist applies) and the metrics are also sliced by ``code agreement``.

    Returns:
        The metrics of :func:`classification_metrics` with ``*_ci`` intervals, plus ``average_precision``,
        ``calibration``, ``slices``, ``review``, ``thresholds``, ``n_errors``, ``top_errors``, ``data``,
        ``model`` and, when a report was written, ``report`` (the files).

    Raises:
        InputError: for unreadable data, a missing column or an unknown label (naming the row).
    """
    if not isinstance(model, DualUseModel):
        model = load_model(model)
    rows = read_labelled(data, text_column, label_column, encoding=encoding, delimiter=delimiter, sheet=sheet)
    column = resolve_code_column(list(rows.columns), code_column, rows.path, exclude=rows.text_columns)
    codes = None if column is None else rows.columns[column]
    options = {"n_boot": n_boot, "seed": seed, "apply_thresholds": apply_thresholds, "prevalence": prevalence}
    ev = run_evaluation(rows, model, by=by, codes=codes, **options)
    ev.metrics["code_column"] = column
    if report is not None:
        shown = ev.errors[:HTML_ERRORS_SHOWN]
        for e, why in zip(shown, _error_explanations(model, shown, apply_thresholds)):
            e["explanation"] = why
        ev.metrics["report"] = write_report(ev, report)
    return ev.metrics


def _error_explanations(model: DualUseModel, shown: list[dict], apply_thresholds: bool) -> list[str]:
    """The explanation of each listed error, with the decision rule that decided it when the text alone did."""
    texts, predicted = [e["text"] for e in shown], [e["predicted"] for e in shown]
    if not (shown and apply_thresholds and model.thresholds):
        return explain_texts(model, texts, predicted)
    batch = model.predict_batch(texts)
    ruled = explain_texts(model, texts, batch=batch)
    moved = [i for i, (a, b) in enumerate(zip(batch.labels, predicted)) if a != b]  # decided by the declared code
    for i, why in zip(moved, explain_texts(model, [texts[i] for i in moved], [predicted[i] for i in moved])):
        ruled[i] = why
    return ruled
