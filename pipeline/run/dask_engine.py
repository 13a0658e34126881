"""Labelling on a Dask cluster, for dumps one machine cannot label in time.

Local CSV files are cut into blocks at line ends and parsed by the local engine's reader (so malformed rows get a
status instead of failing the run); Parquet and remote CSV are read by ``dask.dataframe``. Each partition is
labelled by :func:`pipeline.run.labelling.label_texts` with the model loaded once per worker process; the result, every
input column plus the same added columns as the local engine, is written as partitioned Parquet or CSV. The model
folder is sent to the workers through the cluster (no shared disk needed for the model); the input and output
paths must be reachable by every worker (a shared file system or an object store URL).
"""

from __future__ import annotations

import glob as globlib
import os
import shutil
import tempfile
import time
import warnings
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.codes.columns import resolve_code_column
from pipeline.codes.evidence import ASSISTED, status_kind
from pipeline.model.core import DEFAULT_MODEL_DIR, DualUseModel, load_model
from pipeline.model.folder import decision_identity
from pipeline.model.meta import META_FILE
from pipeline.run.labelling import added_columns, label_texts, output_columns
from pipeline.run.parallel import default_jobs
from pipeline.run.summary import PredictSummary
from pipeline.tables import BlockReader, InputError, TableReader, find_columns, join_text

_MODELS: dict[str, DualUseModel] = {}
# Hidden column carrying the read error of a CSV row from the block reader to the labelling step.
ERROR_COLUMN = "__dualuse_read_error__"


@dataclass
class DaskSummary(PredictSummary):
    """What a Dask labelling run did.

    A :class:`~pipeline.run.summary.PredictSummary` (``input`` is the glob, ``output`` the folder) plus the
    partitions (output files) written and the scheduler address used.
    """

    partitions: int = 0
    scheduler: str = ""


def model_blob(model_dir: str | Path, trust_pickle: bool = False) -> dict[str, Any]:
    """The files of a model folder as bytes, with the model's sha256 as its identity.

    ``trust_pickle`` lets the workers load a folder of the old pickled kind
    (see :func:`~pipeline.model.core.load_model`).
    """
    model_dir = Path(model_dir)
    files = {p.name: p.read_bytes() for p in model_dir.iterdir() if p.is_file()}
    import json

    meta = json.loads(files[META_FILE])
    # the thresholds and rules too: a folder saved before decision_sha256 has a model_sha256 over its files alone
    sha = f"{meta['model_sha256']}+{decision_identity(meta)}"
    return {"sha": sha, "files": files, "trust_pickle": trust_pickle}


def worker_model(blob: dict[str, Any]) -> DualUseModel:
    """The model of ``blob``, loaded once per process (the folder is written to a temporary directory)."""
    model = _MODELS.get(blob["sha"])
    if model is None:
        tmp = Path(tempfile.mkdtemp(prefix="dualuse-model-"))
        try:
            for name, data in blob["files"].items():
                (tmp / name).write_bytes(data)
            model = load_model(tmp, trust_pickle=blob.get("trust_pickle", False))
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        _MODELS[blob["sha"]] = model
    return model


def _texts(df, columns: list[str]) -> list[str]:
    """The text of each row, joined as the local engine joins it (a pandas NaN counts as a missing value)."""
    rows = zip(*(df[c].tolist() for c in columns))
    return [join_text(None if v != v else v for v in values) for values in rows]


def read_block(
    data: bytes, columns: list[str], encoding: str, delimiter: str, header: bool, fallback_encoding: str | None = None
):
    """Parse one block of CSV bytes into a pandas frame of strings, with the read error of each row."""
    import pandas as pd

    values: list[list[str]] = [[] for _ in columns]
    errors = []
    for row, _, err in BlockReader(data, columns, encoding, delimiter, header, fallback_encoding).rows():
        for column, value in zip(values, row.values()):
            column.append(value)
        errors.append(err or "")
    str_dtype = pd.Series(["x"]).dtype
    frame = pd.DataFrame({c: pd.Series(v, dtype=str_dtype) for c, v in zip(columns, values)})
    frame[ERROR_COLUMN] = pd.Series(errors, dtype=str_dtype)
    return frame


def label_partition(
    df,
    blob,
    columns: list[str],
    names: dict[str, str],
    extra: list[str],
    top_k: int,
    code_column: str | None = None,
    explain: bool = False,
    entities: bool | str = False,
):
    """Label one pandas partition: the input columns unchanged plus the added columns."""
    model = blob if isinstance(blob, DualUseModel) else worker_model(blob)
    out = df.copy()
    errors = out.pop(ERROR_COLUMN) if ERROR_COLUMN in out.columns else None
    codes = None if code_column is None else out[code_column].tolist()
    labelled = label_texts(model, _texts(out, columns), top_k, True, codes, explain, entities)
    for c in extra:
        out[names[c]] = labelled[c]
    if errors is not None:
        # As in the local engine, a row that could not be read cleanly is labelled from what was read and its
        # status says why.
        bad = (errors != "").to_numpy()
        if bad.any():
            status = out[names["status"]].to_numpy(dtype=object, copy=True)
            status[bad] = errors.to_numpy(dtype=object)[bad]
            out[names["status"]] = status
    return out


def _meta(empty, names: dict[str, str], extra: list[str]):
    """The empty frame describing a labelled partition (dtypes as pandas infers them from the lists)."""
    import pandas as pd

    str_dtype = pd.Series(["x"]).dtype
    meta = empty.copy()
    for c in extra:
        kind = c.split("_")[0]
        if kind in ("score", "familiarity"):
            dtype = "float64"
        else:
            dtype = "int64" if c in ("military_marker", "review") else str_dtype
        meta[names[c]] = pd.Series([], dtype=dtype, index=meta.index)
    return meta


def _expand(input_glob: str) -> list[str]:
    if "://" in input_glob:
        return [input_glob]
    files = sorted(globlib.glob(input_glob))
    if not files:
        raise InputError(f"{input_glob}: no files match")
    return files


def predict_dask(
    input_glob: str,
    output_dir: str | Path,
    text_columns: list[str] | None = None,
    model: str | Path | None = None,
    scheduler: str | None = None,
    jobs: int | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    header: bool = True,
    output_format: str = "parquet",
    blocksize: str | int | None = "64MB",
    top_k: int = 0,
    trust_pickle: bool = False,
    code_column: str | bool | None = None,
    explain: bool = False,
    entities: bool | str = "flagged",
) -> DaskSummary:
    """Label CSV or Parquet files on a Dask cluster and write partitioned Parquet or CSV.

    Args:
        input_glob: input files (one glob; all CSV/TSV, optionally ``.gz``, or all Parquet).
        output_dir: output folder (written to a temporary sibling and renamed into place when local).
        text_columns: column(s) holding the description; guessed from the first file when ``None``.
        model: a model folder, or ``None`` for the bundled default.
        scheduler: address of a running scheduler (``tcp://HOST:8786``); ``None``: a local cluster is started.
        jobs: workers of the local cluster (all cores when ``None``).
        encoding: force the CSV encoding (detected from the first file when ``None``).
        delimiter: force the CSV delimiter (detected from the first file when ``None``).
        header: whether the CSV files have a header line.
        output_format: ``"parquet"`` or ``"csv"``.
        blocksize: bytes per CSV partition; ``None``: one per file (needed when quoted fields span lines).
        top_k: also write the next ``top_k - 1`` best labels.
        trust_pickle: allow a model folder of the old pickled kind (see :func:`~pipeline.model.core.load_model`).
        code_column: the declared-code column, ``None`` to detect it, ``False`` for none.
        explain: add ``explanation`` (see :mod:`pipeline.explain`).
        entities: ``"flagged"``, ``"all"`` or ``"none"`` (see :func:`pipeline.run.predict.predict`).

    Returns:
        A :class:`DaskSummary`.
    """
    start = time.perf_counter()
    if output_format not in ("parquet", "csv"):
        raise InputError(f"output format must be parquet or csv, not {output_format!r}")
    model_dir = Path(model) if model is not None else DEFAULT_MODEL_DIR
    local_model = load_model(model_dir, trust_pickle=trust_pickle)
    ddf = _read_frame(_expand(input_glob), encoding, delimiter, header, blocksize)
    columns = [str(c) for c in ddf.columns if c != ERROR_COLUMN]
    cols = find_columns(columns, text_columns, input_glob)
    code_col = resolve_code_column(columns, code_column, input_glob, cols)
    extra = added_columns(local_model, top_k, True, code_col is not None, explain, entities)
    labelling = (cols, extra, top_k, code_col, explain, entities)
    summary = _label_on_cluster(ddf, model_blob(model_dir, trust_pickle), labelling, str(output_dir), output_format,
                                _connect(scheduler, jobs))  # fmt: skip
    summary.input = input_glob
    summary.seconds = time.perf_counter() - start
    return summary


def _label_on_cluster(ddf, blob, labelling: tuple, output_dir: str, output_format: str, connection) -> DaskSummary:
    """Label the frame's partitions on the cluster, write them, and move the output folder into place."""
    import dask

    cols, extra, top_k, code_col, explain, entities = labelling
    columns = [str(c) for c in ddf.columns if c != ERROR_COLUMN]
    _, names = output_columns(columns, extra)
    meta = _meta(ddf._meta[columns], names, extra)
    client, cluster = connection
    target = _partial_target(output_dir)
    try:
        blob_d = dask.delayed(blob, pure=True)
        options = (code_col, explain, entities)
        out = ddf.map_partitions(label_partition, blob_d, cols, names, extra, top_k, *options, meta=meta)
        summary = DaskSummary("", output_dir, cols, scheduler=client.scheduler.address, code_column=code_col)
        _write_and_count(ddf, out, names, target, output_format, summary)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    if target != output_dir:
        if Path(output_dir).exists():
            shutil.rmtree(output_dir)
        os.replace(target, output_dir)
    summary.partitions = out.npartitions
    return summary


def _partial_target(output_dir: str) -> str:
    """Where to write: a fresh hidden sibling of a local output folder (renamed into place at the end)."""
    if "://" in output_dir:
        return output_dir
    target = str(Path(output_dir).with_name(f".{Path(output_dir).name}.partial"))
    shutil.rmtree(target, ignore_errors=True)
    return target


def _read_frame(files: list[str], encoding: str | None, delimiter: str | None, header: bool, blocksize):
    """The input files as one Dask frame (Parquet as is; local CSV through the package's own block reader)."""
    import dask
    import dask.dataframe as dd

    first = (
        TableReader(files[0], encoding=encoding, delimiter=delimiter, header=header) if "://" not in files[0] else None
    )
    fmt = first.format if first else ("parquet" if ".parquet" in files[0] else "csv")
    gz = any(f.endswith(".gz") for f in files)
    if fmt == "parquet":
        return dd.read_parquet(files)
    if fmt not in ("csv", "tsv"):
        raise InputError(f"the dask engine reads CSV/TSV and Parquet, not {fmt}")
    if first is None:
        return dd.read_csv(
            files, sep=delimiter or ",", encoding=encoding or "utf-8", header=0 if header else None, dtype=str,
            keep_default_na=False, na_filter=False, blocksize=None if gz else blocksize,
            compression="gzip" if gz else None,
        )  # fmt: skip
    from dask.bytes import read_bytes

    # Blocks cut at line ends and parsed by the same reader as the local engine, so malformed rows are labelled
    # with a status instead of failing the run. UTF-16/32 cannot be cut at a "\n" byte: one block per file.
    wide = first.encoding.startswith(("utf-16", "utf-32"))
    _, blocks = read_bytes(
        files, delimiter=b"\n", blocksize=None if gz or wide else blocksize, sample=False,
        compression="gzip" if gz else None,
    )  # fmt: skip
    args = (first.columns, first.encoding, first.delimiter)
    parts = [
        dask.delayed(read_block)(block, *args, header and j == 0, first.fallback_encoding)
        for per_file in blocks
        for j, block in enumerate(per_file)
    ]
    return dd.from_delayed(parts, meta=read_block(b"", *args, False), verify_meta=False)


def _connect(scheduler: str | None, jobs: int | None):
    """``(client, cluster)``: a client of the given scheduler, or of a local cluster of ``jobs`` processes."""
    from distributed import Client, LocalCluster

    if scheduler:
        return Client(scheduler), None
    workers = jobs or default_jobs()
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None)
    return Client(cluster), cluster


def _assisted(out, names: dict[str, str]):
    """The lazy count of code-assisted lines (:data:`pipeline.codes.evidence.ASSISTED`); 0 without review columns."""
    if "review" not in names:
        return 0
    label = out[names["label"]]
    return ((out[names["review"]] == 1) & (label != "other") & (label == out[names["code_label"]])).sum()


def _write_and_count(ddf, out, names: dict[str, str], target: str, output_format: str, summary: DaskSummary) -> None:
    """Write the labelled frame and fill the summary's counts, in one pass over the partitions."""
    import dask

    if output_format == "parquet":
        write = out.to_parquet(target, write_index=False, compute=False)
    else:
        write = out.to_csv(os.path.join(target, "part-*.csv"), index=False, compute=False)
    coded = summary.code_column is not None
    # Computed together so each partition is labelled once (the mixed-collection warning is harmless).
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Computing mixed collections")
        failed = ddf[ERROR_COLUMN].ne("").sum() if ERROR_COLUMN in ddf.columns else 0
        conflicts = out[names["code_conflict"]] if coded else None
        code_counts = (
            (conflicts.value_counts(), out[names["code_status"]].value_counts(), _assisted(out, names)) if coded else ()
        )
        _, counts, flagged, failed, *code_counts = dask.compute(
            write, out[names["label"]].value_counts(), out[names["military_marker"]].sum(), failed, *code_counts
        )
    if coded:
        summary.code_conflicts.update({str(k): int(v) for k, v in code_counts[0].items() if k})
        for k, v in code_counts[1].items():
            summary.code_statuses[status_kind(str(k))] += int(v)
        if int(code_counts[2]):
            summary.code_conflicts[ASSISTED] = int(code_counts[2])
    summary.labels = Counter({str(k): int(v) for k, v in counts.items()})
    summary.rows = sum(summary.labels.values())
    summary.flagged = int(flagged)
    summary.failed = int(failed)
