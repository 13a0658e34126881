"""The columns labelling adds to a row, computed for a batch of texts (in this process or in a worker).

A row on which labelling itself fails gets the status ``failed: …``; the other rows of its batch are labelled as
usual.
"""

from __future__ import annotations

from collections.abc import Sequence

from pipeline.codes import CODE_COLUMNS, add_code_columns, code_assist
from pipeline.codes.evidence import CODE_OVER_TEXT
from pipeline.config import ENTITY_COLUMNS, ENTITY_MODES
from pipeline.model.core import DualUseModel
from pipeline.model.decision import code_assist_rule

OUTPUT_COLUMNS = ("label", "score", "military_marker", "military_wording", "status")
EXPLANATION_COLUMN = "explanation"
REVIEW_COLUMNS = ("review", "candidate", "familiarity")


def entity_mode(entities: bool | str) -> str:
    """``"flagged"``, ``"all"`` or ``"none"`` from a mode name or a bool (``True``: all rows, ``False``: none)."""
    if isinstance(entities, bool):
        return "all" if entities else "none"
    if entities not in ENTITY_MODES:
        raise ValueError(f"entities must be one of {ENTITY_MODES}, not {entities!r}")
    return entities


STATUS_FAILED = "failed"


def output_columns(input_columns: Sequence[str], extra: Sequence[str]) -> tuple[list[str], dict[str, str]]:
    """Output column order and the names of the added columns (prefixed ``dualuse_`` on a clash)."""
    names = {}
    for c in extra:
        name = c
        while name in input_columns:
            name = "dualuse_" + name
        names[c] = name
    return list(input_columns) + [names[c] for c in extra], names


def added_columns(
    model: DualUseModel,
    top_k: int = 0,
    apply_thresholds: bool = True,
    codes: bool = False,
    explain: bool = False,
    entities: bool | str = False,
) -> list[str]:
    """The columns labelling adds, in order (code, explanation and entity columns only when asked for)."""
    extra = list(OUTPUT_COLUMNS)
    if model.reviews and apply_thresholds:
        extra += list(REVIEW_COLUMNS)
    for k in range(2, top_k + 1):
        extra += [f"label_{k}", f"score_{k}"]
    if explain:
        extra.append(EXPLANATION_COLUMN)
    if entity_mode(entities) != "none":
        extra += list(ENTITY_COLUMNS)
    if codes:
        extra += list(CODE_COLUMNS)
    return extra


def label_texts(
    model: DualUseModel,
    texts: Sequence[str],
    top_k: int = 0,
    apply_thresholds: bool = True,
    codes: Sequence[object] | None = None,
    explain: bool = False,
    entities: bool | str = False,
) -> dict[str, list]:
    """Label texts and return the added columns as lists (the compact form workers send back).

    Args:
        model: the model.
        texts: one text per row.
        top_k: also return ``label_k``/``score_k`` for k = 2 … ``top_k``.
        apply_thresholds: apply the model's per-class thresholds (adds ``review``/``candidate``).
        codes: the declared code of each row (``None``: no code columns; see :mod:`pipeline.codes`).
        explain: add ``explanation`` (see :mod:`pipeline.explain`; ``""`` for rows without text or that failed).
        entities: fill the entity columns (:mod:`pipeline.entities`) of ``"all"``, ``"flagged"`` or ``"none"`` rows.

    Returns:
        Column name → one value per text, keyed as in :func:`added_columns`.
    """
    if codes is not None:  # the code assist (with thresholds), then the code columns
        cols = label_texts(model, texts, top_k, apply_thresholds, None, explain, entities)
        cols = add_code_columns(assist_columns(model, texts, cols, codes) if apply_thresholds else cols, codes)
        if EXPLANATION_COLUMN in cols and "review" in cols:  # a line the declared code sent to review says so
            for i, clash in enumerate(cols["code_conflict"]):
                if clash == CODE_OVER_TEXT and cols["review"][i] and cols[EXPLANATION_COLUMN][i]:
                    implied = cols["code_label"][i]
                    cols[EXPLANATION_COLUMN][i] += f" | declared code: it implies {implied}, the text does not"
        return cols
    entities = entity_mode(entities)
    try:
        batch = model.predict_batch(texts, apply_thresholds=apply_thresholds)
        if explain or entities != "none":
            extra = _extra_columns(model, texts, batch, explain, entities, rules=apply_thresholds)
    except MemoryError:
        raise
    except Exception as exc:  # noqa: BLE001 - a row-level failure becomes that row's status
        if len(texts) == 1:
            return _failed_columns(model, exc, top_k, apply_thresholds, explain, entities)
        # Halve until the failing rows are found: the other rows are labelled as usual (a batch's labels do not
        # depend on the other texts in it), at the cost of about log2(len(texts)) calls per failing row.
        half = len(texts) // 2
        first = label_texts(model, texts[:half], top_k, apply_thresholds, explain=explain, entities=entities)
        second = label_texts(model, texts[half:], top_k, apply_thresholds, explain=explain, entities=entities)
        return {k: first[k] + second[k] for k in first}
    out = _batch_columns(batch, model.reviews and apply_thresholds, top_k)
    if explain or entities != "none":
        out.update(extra)
    return out


def _batch_columns(batch, reviews: bool, top_k: int) -> dict[str, list]:
    """The label, marker, status, review and top-k columns of a labelled batch."""
    out: dict[str, list] = {
        "label": list(batch.labels),
        "score": [round(s, 4) for s in batch.scores.tolist()],
        "military_marker": batch.markers.tolist(),
        "military_wording": list(batch.marker_wording or [""] * len(batch)),
        "status": list(batch.statuses),
    }
    if reviews:
        out["review"] = [int(r) for r in batch.review]
        out["candidate"] = list(batch.candidates)
        out["familiarity"] = [round(f, 4) for f in batch.familiarity.tolist()]
    if top_k > 1:
        tops = batch.top_k(top_k)
        for k in range(2, top_k + 1):
            out[f"label_{k}"] = [t[k - 1][0] if len(t) >= k else "" for t in tops]
            out[f"score_{k}"] = [round(t[k - 1][1], 4) if len(t) >= k else 0.0 for t in tops]
    return out


def assist_columns(
    model: DualUseModel, texts: Sequence[str], columns: dict[str, list], codes: Sequence[object]
) -> dict[str, list]:
    """Apply the model's code assist (:mod:`pipeline.codes.assist`) to labelled columns (:func:`label_texts`) in place.

    Recomputes the ``explanation`` and fills the entity columns of the relabelled lines when those columns are
    present. Returns ``columns``.
    """
    hits = code_assist(
        columns["label"],
        columns["status"],
        codes,
        lambda rows: (model.predict_proba([texts[i] for i in rows]), model.classes),
        code_assist_rule(model.meta),
    )
    if not hits:
        return columns
    rows = sorted(hits)
    for i in rows:
        columns["label"][i], score = hits[i]
        columns["score"][i] = round(score, 4)
        if "review" in columns:
            columns["review"][i], columns["candidate"][i] = 1, hits[i][0]
    if EXPLANATION_COLUMN in columns:
        from pipeline.explain import explain_texts

        for i, text in zip(rows, explain_texts(model, [texts[i] for i in rows], [hits[i][0] for i in rows])):
            columns[EXPLANATION_COLUMN][i] = f"{text} | code assist: the declared code implies {hits[i][0]}"
    if ENTITY_COLUMNS[0] in columns:
        from pipeline.entities import extract_many

        found = extract_many([texts[i] for i in rows])
        for name, values in found.items():
            for i, value in zip(rows, values):
                columns[name][i] = value
    return columns


def _extra_columns(
    model: DualUseModel, texts: Sequence[str], batch, explain: bool, entities: str, rules: bool = True
) -> dict:
    """The ``explanation`` and entity columns of a labelled batch (heavy modules imported only when asked).

    ``rules``: the batch was labelled under the model's decision rules, so the explanation names the one that decided.
    """
    out: dict[str, list] = {}
    if explain:
        from pipeline.explain import explain_texts

        if rules:
            out[EXPLANATION_COLUMN] = explain_texts(model, texts, batch=batch)
        else:
            out[EXPLANATION_COLUMN] = explain_texts(model, texts, batch.labels, batch.proba)
    if entities == "all":
        from pipeline.entities import extract_many

        out.update(extract_many(texts))
    elif entities == "flagged":
        from pipeline.entities import extract_many

        rows = [i for i, (label, review) in enumerate(zip(batch.labels, batch.review)) if label != "other" or review]
        found = extract_many([texts[i] for i in rows])
        for c in ENTITY_COLUMNS:
            column = [""] * len(texts)
            for i, v in zip(rows, found[c]):
                column[i] = v
            out[c] = column
    return out


def _failed_columns(
    model: DualUseModel, exc: Exception, top_k: int, apply_thresholds: bool, explain=False, entities=False
) -> dict[str, list]:
    """The added columns of one row on which labelling raised ``exc``: label ``other``, score 0, a status."""
    message = str(exc).encode("utf-8", errors="backslashreplace").decode("utf-8")[:200]
    out: dict[str, list] = {
        "label": ["other"],
        "score": [0.0],
        "military_marker": [0],
        "military_wording": [""],
        "status": [f"{STATUS_FAILED}: {type(exc).__name__}: {message}"],
    }
    if model.reviews and apply_thresholds:
        out.update(review=[0], candidate=[""], familiarity=[0.0])
    for k in range(2, top_k + 1):
        out[f"label_{k}"] = [""]
        out[f"score_{k}"] = [0.0]
    if explain:
        out[EXPLANATION_COLUMN] = [""]
    for c in ENTITY_COLUMNS if entity_mode(entities) != "none" else ():
        out[c] = [""]
    return out


def label_task(model: DualUseModel, payload: tuple) -> dict[str, list]:
    """:func:`label_texts` of one chunk's payload ``(texts, top_k, apply_thresholds, codes, explain, entities)``."""
    texts, top_k, apply_thresholds, *more = payload
    return label_texts(model, texts, top_k, apply_thresholds, *more)
