"""The check that the two featurisation back-ends agree: the string reference and the compiled index."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sklearn.pipeline import Pipeline

from pipeline.features.runs import RunFeaturiser

FEATURISER_CHECK_LINES = 1000  # training lines featurised both ways when a model is trained (see featuriser_check)


def featuriser_check(pipeline: Pipeline, texts: Sequence[str], n: int = FEATURISER_CHECK_LINES) -> dict[str, Any]:
    """Featurise a sample of lines by the string reference and by the compiled index, and compare.

    The reference looks every feature string up in the vocabulary
    (:meth:`~pipeline.features.vectoriser.TokenNgramVectorizer.transform_reference`); the index is what
    ``transform`` and the per-run prediction path (:class:`~pipeline.features.runs.RunFeaturiser`) use. The sample
    is every ``k``-th line.

    Returns:
        ``{"sample": lines compared, "max_abs_difference": largest entry of either difference, "passed": bool}``,
        recorded in a trained model's ``meta.json``.
    """
    tok, vec = pipeline.named_steps["tokenise"], pipeline.named_steps["features"]
    step = max(1, -(-len(texts) // n))
    sample = ["" if t is None else str(t) for t in list(texts)[::step]]
    docs = tok.transform(sample)
    reference = vec.transform_reference(docs)
    runs = RunFeaturiser(tok, vec).featurise(sample).matrix
    diff = max((abs(m - reference).max() for m in (vec.transform(docs), runs)), default=0.0)
    return {"sample": len(sample), "max_abs_difference": float(diff), "passed": bool(diff == 0)}
