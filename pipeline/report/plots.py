"""Evaluation figures as PNG files: precision–recall curves, reliability diagram, confusion matrix.

Figures are drawn with matplotlib's object API on the Agg canvas (no pyplot, no display, no global state), so
they work headless and from several threads.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.config import LABELS


def _figure(width: float, height: float):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=100)
    FigureCanvasAgg(fig)
    return fig


def _save(fig, path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, format="png")
    return path


def plot_pr_curves(
    gold: Sequence[str],
    proba: np.ndarray,
    classes: Sequence[str],
    path: str | Path,
    operating_points: dict[str, tuple[float, float]] | None = None,
) -> Path:
    """Draw one-vs-rest precision–recall curves, one panel per class.

    Args:
        gold: gold labels, one per row of ``proba``.
        proba: class probabilities (rows × ``classes``).
        classes: the label order of ``proba``'s columns.
        path: the PNG to write.
        operating_points: ``{class: (recall, precision)}`` of the labels actually assigned, marked on the curves.

    Returns:
        The PNG path.
    """
    from sklearn.metrics import average_precision_score, precision_recall_curve

    gold_arr = np.asarray(gold)
    classes = list(classes)
    order = sorted(range(len(classes)), key=lambda j: (LABELS.index(classes[j]) if classes[j] in LABELS else 99, j))
    ncols = 3
    nrows = (len(classes) + ncols - 1) // ncols
    fig = _figure(4.0 * ncols, 3.4 * nrows)
    for panel, j in enumerate(order):
        c = classes[j]
        ax = fig.add_subplot(nrows, ncols, panel + 1)
        y = gold_arr == c
        if y.any():
            prec, rec, _ = precision_recall_curve(y, proba[:, j])
            ap = average_precision_score(y, proba[:, j])
            ax.step(rec, prec, where="post", color="#1f5fa8", lw=1.6, label=f"AP {ap:.3f}")
            ax.axhline(y.mean(), color="#999999", lw=0.8, ls=":", label=f"base rate {y.mean():.3f}")
        else:
            ax.text(0.5, 0.5, "no gold line", ha="center", va="center", transform=ax.transAxes)
        if operating_points and c in operating_points:
            r, p = operating_points[c]
            ax.plot([r], [p], "o", color="#c0392b", ms=6, label=f"labelled P {p:.2f} R {r:.2f}")
        ax.set_title(c)
        ax.set_xlim(0, 1.02)
        ax.set_ylim(0, 1.02)
        ax.set_xlabel("recall")
        ax.set_ylabel("precision")
        ax.grid(alpha=0.3)
        ax.legend(loc="lower left", fontsize=8)
    return _save(fig, path)


def plot_reliability(calib: dict[str, Any], path: str | Path) -> Path:
    """Draw the reliability diagram of the top-class probability with the Brier score and ECE.

    Args:
        calib: the output of :func:`pipeline.evaluation.evaluate.calibration`.
        path: the PNG to write.

    Returns:
        The PNG path.
    """
    fig = _figure(5.5, 5.5)
    ax = fig.add_subplot(2, 1, 1)
    ax2 = fig.add_subplot(2, 1, 2)
    bins = [b for b in calib["bins"] if b["n"]]
    ax.plot([0, 1], [0, 1], color="#999999", ls="--", lw=1, label="perfect calibration")
    if bins:
        conf = [b["confidence"] for b in bins]
        acc = [b["accuracy"] for b in bins]
        ax.plot(conf, acc, "o-", color="#1f5fa8", label="model")
    brier = calib.get("brier")
    ece = calib.get("ece")
    title = "reliability of the top-class probability"
    if brier is not None:
        title += f"\nBrier {brier:.4f}  ECE {ece:.4f}  (n={calib['n']})"
    ax.set_title(title, fontsize=10)
    ax.set_xlabel("mean predicted probability")
    ax.set_ylabel("share correct")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize=8)
    centres = [(b["lo"] + b["hi"]) / 2 for b in calib["bins"]]
    width = calib["bins"][0]["hi"] - calib["bins"][0]["lo"] if calib["bins"] else 0.1
    ax2.bar(centres, [b["n"] for b in calib["bins"]], width=width * 0.9, color="#7f9fc8")
    ax2.set_xlim(0, 1)
    ax2.set_xlabel("predicted probability")
    ax2.set_ylabel("lines")
    return _save(fig, path)


def plot_confusion(confusion: Sequence[Sequence[int]], labels: Sequence[str], path: str | Path) -> Path:
    """Draw the confusion matrix (rows: gold, columns: predicted), shaded by row share, with counts.

    Returns:
        The PNG path.
    """
    conf = np.asarray(confusion, dtype=float)
    row = conf.sum(axis=1, keepdims=True)
    share = np.divide(conf, row, out=np.zeros_like(conf), where=row > 0)
    k = len(labels)
    fig = _figure(1.1 * k + 2.5, 1.0 * k + 1.8)
    ax = fig.add_subplot(1, 1, 1)
    im = ax.imshow(share, cmap="Blues", vmin=0, vmax=1)
    for i in range(k):
        for j in range(k):
            ax.text(
                j,
                i,
                str(int(conf[i, j])),
                ha="center",
                va="center",
                color="white" if share[i, j] > 0.6 else "black",
                fontsize=9,
            )
    ax.set_xticks(range(k))
    ax.set_yticks(range(k))
    ax.set_xticklabels(labels, rotation=35, ha="right")
    ax.set_yticklabels(labels)
    ax.set_xlabel("predicted")
    ax.set_ylabel("gold")
    ax.set_title("confusion matrix (shade: share of the gold row)", fontsize=10)
    fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04)
    return _save(fig, path)
