"""dualuse: label customs goods descriptions with dual-use categories.

Python API::

    from pipeline import load_model
    model = load_model()                       # the bundled models/default
    for p in model.predict(["Квадрокоптер DJI Mavic 3T", "ноутбук Lenovo IdeaPad"]):
        print(p.label, p.score, p.military_marker, p.status)

The jobs of the CLI are library functions of the same names: :func:`train`, :func:`evaluate`, :func:`predict`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from pipeline.config import LABELS, POSITIVE_LABELS

if TYPE_CHECKING:
    from pipeline.model.core import DualUseModel, Prediction, load_model
    from pipeline.training.recipe import load_config

# Imported on first use, so that ``import pipeline`` (and ``dualuse --help``) stays fast.
_LAZY = {
    **dict.fromkeys(("DualUseModel", "Prediction", "load_model"), "pipeline.model.core"),
    "load_config": "pipeline.training.recipe",
}

__version__ = "0.1.0"
__all__ = [
    "LABELS",
    "POSITIVE_LABELS",
    "DualUseModel",
    "Prediction",
    "evaluate",
    "load_config",
    "load_model",
    "predict",
    "train",
]


def train(*args, **kwargs):
    """Train a model; see :func:`pipeline.training.train.train`."""
    from pipeline.training.train import train as _train

    return _train(*args, **kwargs)


def evaluate(*args, **kwargs):
    """Evaluate a model on labelled data; see :func:`pipeline.api.evaluate`."""
    from pipeline.api import evaluate as _evaluate

    return _evaluate(*args, **kwargs)


def predict(*args, **kwargs):
    """Label a file; see :func:`pipeline.run.predict.predict`."""
    from pipeline.run.predict import predict as _predict

    return _predict(*args, **kwargs)


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'pipeline' has no attribute {name!r}")
