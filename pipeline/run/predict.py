"""Batch labelling of files: every input row comes out, in order, with a label or an explicit status.

:func:`predict` streams the input in chunks, labels them in one or more processes (:mod:`pipeline.run.parallel`),
and writes them in input order through a :class:`~pipeline.tables.ChunkWriter`. After every chunk a small state
file records how far the output got, so an interrupted run (Ctrl-C, a crash, a lost machine) continues with
``resume=True`` and ends with the same output as an uninterrupted run. Rows that cannot be read cleanly are
labelled from what could be read, given a ``status`` that says why, and listed with their line numbers and raw
content in a side file ``OUTPUT.errors.csv``. A row on which labelling itself fails gets the status
``failed: …`` (the other rows of its chunk are labelled as usual) and is listed there too.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import time
import zlib
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.codes import CODE_COLUMNS, add_code_columns
from pipeline.codes.columns import resolve_code_column
from pipeline.codes.evidence import count_codes
from pipeline.model.core import DualUseModel, load_model
from pipeline.run.parallel import ChunkPool
from pipeline.run.progress import Progress
from pipeline.tables import (
    ChunkWriter,
    InputError,
    TableReader,
    detect_format,
    find_columns,
    row_text,
    spool_stdin,
)

OUTPUT_COLUMNS = ("label", "score", "military_marker", "status")
EXPLANATION_COLUMN = "explanation"
# The columns of pipeline.entities (kept here so that importing predict does not import spaCy).
ENTITY_COLUMNS = ("manufacturer", "brand", "model", "quantity", "unit")
REVIEW_COLUMNS = ("review", "candidate", "familiarity")
ERROR_COLUMNS = ("line", "status", "text", "raw")
STATUS_FAILED = "failed"
# How many failed rows the summary lists (all of them are in the side file).
MAX_ERRORS_KEPT = 1000
STATE_VERSION = 1


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


# What reading a cut or corrupt gzip stream raises.
_TRUNCATION_ERRORS = (EOFError, gzip.BadGzipFile, zlib.error)
TRUNCATED_ROW_STATUS = "malformed: the input ends inside or right after this row (truncated file)"


class _TruncationTolerantReader(TableReader):
    """A :class:`TableReader` that stops at a cut gzip stream instead of failing, keeping the rows before the cut.

    The last row read before the cut may itself be cut short: it gets :data:`TRUNCATED_ROW_STATUS`.
    :attr:`truncated` says why reading stopped (``None`` when the input was read to its end).
    """

    truncated: str | None = None

    def _guard(self, rows):
        # A plain input cannot be cut this way, unless it is what could be read of a cut .gz (see _open_reader).
        if not (self.gzipped or self.truncated):
            yield from rows
            return
        held = None
        try:
            for item in rows:
                if held is not None:
                    yield held
                held = item
        except _TRUNCATION_ERRORS as exc:
            self.truncated = f"{self.path}: the compressed input ends early or is corrupt ({exc})"
        if held is not None:
            # (row, line, error, …): the reader may pass more than the error after the line
            yield held if not self.truncated else (*held[:2], held[2] or TRUNCATED_ROW_STATUS, *held[3:])

    def _iter_csv(self):
        return self._guard(super()._iter_csv())

    def _iter_txt(self):
        return self._guard(super()._iter_txt())

    def _iter_jsonl(self):
        return self._guard(super()._iter_jsonl())


def _readable_prefix(path: Path, target: Path) -> str:
    """Write the bytes a cut or corrupt gzip file still yields to ``target``; return why decompression stopped."""
    with open(path, "rb") as src, open(target, "wb") as out:
        d = zlib.decompressobj(wbits=31)
        try:
            while True:
                block = src.read(1 << 20)
                if not block:
                    break
                while block:
                    out.write(d.decompress(block))
                    if d.eof:  # a gzip file may hold several members, one after the other
                        block = d.unused_data
                        d = zlib.decompressobj(wbits=31)
                    else:
                        block = b""
            out.write(d.flush())
            return "compressed file ended before the end-of-stream marker was reached"
        except zlib.error as exc:
            return str(exc)


def _open_reader(path: Path, **kwargs) -> _TruncationTolerantReader:
    """Open the input; a ``.gz`` cut so early that its header cannot be read is read from its readable prefix.

    The prefix goes to a temporary folder that is removed when the reader is.
    """
    try:
        return _TruncationTolerantReader(path, **kwargs)
    except (*_TRUNCATION_ERRORS, InputError) as exc:
        # The reader may pass the decompression error on as the cause of an InputError.
        cause = exc if isinstance(exc, _TRUNCATION_ERRORS) else exc.__cause__
        if not path.name.lower().endswith(".gz") or not isinstance(cause, _TRUNCATION_ERRORS):
            raise
    import shutil
    import tempfile
    import weakref

    folder = tempfile.mkdtemp(prefix="dualuse-")
    try:
        prefix = Path(folder) / path.name[:-3]
        why = _readable_prefix(path, prefix)
        if prefix.stat().st_size == 0:
            raise InputError(f"{path}: not a readable gzip file ({why})")
        reader = _TruncationTolerantReader(prefix, **kwargs)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    weakref.finalize(reader, shutil.rmtree, folder, True)
    reader.truncated = f"{path}: the compressed input ends early or is corrupt ({why})"
    return reader


def check_output_path(input_path: str | Path, output_path: str | Path, overwrite: bool = False) -> None:
    """Refuse an output that would destroy the input, or overwrite a file, or cannot be written.

    Raises:
        InputError: when the output is the input (same path or same file), is a folder, exists and ``overwrite``
            is false, or its folder is not writable.
    """
    if str(output_path) == "-":
        return
    output_path, input_path = Path(output_path), Path(input_path)
    if output_path.is_dir():
        raise InputError(f"output {output_path} is a folder; give a file name (e.g. {output_path / 'labelled.csv'})")
    if output_path.resolve() == input_path.resolve() or (
        output_path.exists() and input_path.exists() and os.path.samefile(output_path, input_path)
    ):
        raise InputError(f"output {output_path} is the input file; writing it would destroy the input")
    if output_path.exists() and not overwrite:
        raise InputError(f"output {output_path} already exists; use --force to overwrite it")
    folder = output_path.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not os.access(folder, os.W_OK):
        raise InputError(f"cannot write {output_path}: folder {folder} is not writable")


class _NoWriter:
    """Stands in for the errors side file when the output goes to standard output."""

    state: dict = {}

    def write(self, rows) -> None:
        pass

    def close(self, keep: bool = False) -> None:
        pass


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
    entities: bool = False,
) -> list[str]:
    """The columns labelling adds, in order (code, explanation and entity columns only when asked for)."""
    extra = list(OUTPUT_COLUMNS)
    if model.reviews and apply_thresholds:
        extra += list(REVIEW_COLUMNS)
    for k in range(2, top_k + 1):
        extra += [f"label_{k}", f"score_{k}"]
    if explain:
        extra.append(EXPLANATION_COLUMN)
    if entities:
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
    entities: bool = False,
) -> dict[str, list]:
    """Label texts and return the added columns as lists (the compact form workers send back).

    Args:
        model: the model.
        texts: one text per row.
        top_k: also return ``label_k``/``score_k`` for k = 2 … ``top_k``.
        apply_thresholds: apply the model's per-class thresholds (adds ``review``/``candidate``).
        codes: the declared code of each row (``None``: no code columns); see :mod:`pipeline.codes`.
        explain: add ``explanation`` (see :mod:`pipeline.explain`; ``""`` for rows without text or that failed).
        entities: add the entity columns (see :mod:`pipeline.entities`).

    Returns:
        Column name → one value per text, keyed as in :func:`added_columns`.
    """
    if codes is not None:
        return add_code_columns(label_texts(model, texts, top_k, apply_thresholds, None, explain, entities), codes)
    try:
        batch = model.predict_batch(texts, apply_thresholds=apply_thresholds)
        if explain or entities:
            extra = _extra_columns(model, texts, batch, explain, entities)
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
    out: dict[str, list] = {
        "label": list(batch.labels),
        "score": [round(s, 4) for s in batch.scores.tolist()],
        "military_marker": batch.markers.tolist(),
        "status": list(batch.statuses),
    }
    if model.reviews and apply_thresholds:
        out["review"] = [int(r) for r in batch.review]
        out["candidate"] = list(batch.candidates)
        out["familiarity"] = [round(f, 4) for f in batch.familiarity.tolist()]
    if top_k > 1:
        tops = batch.top_k(top_k)
        for k in range(2, top_k + 1):
            out[f"label_{k}"] = [t[k - 1][0] if len(t) >= k else "" for t in tops]
            out[f"score_{k}"] = [round(t[k - 1][1], 4) if len(t) >= k else 0.0 for t in tops]
    if explain or entities:
        out.update(extra)
    return out


def _extra_columns(model: DualUseModel, texts: Sequence[str], batch, explain: bool, entities: bool) -> dict:
    """The ``explanation`` and entity columns of a labelled batch (heavy modules imported only when asked)."""
    out: dict[str, list] = {}
    if explain:
        from pipeline.explain import explain_texts

        out[EXPLANATION_COLUMN] = explain_texts(model, texts, batch.labels)
    if entities:
        from pipeline.entities import extract_many

        out.update(extract_many(texts))
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
        "status": [f"{STATUS_FAILED}: {type(exc).__name__}: {message}"],
    }
    if model.reviews and apply_thresholds:
        out.update(review=[0], candidate=[""], familiarity=[0.0])
    for k in range(2, top_k + 1):
        out[f"label_{k}"] = [""]
        out[f"score_{k}"] = [0.0]
    if explain:
        out[EXPLANATION_COLUMN] = [""]
    for c in ENTITY_COLUMNS if entities else ():
        out[c] = [""]
    return out


def _label_task(model: DualUseModel, payload: tuple) -> dict[str, list]:
    texts, top_k, apply_thresholds, *more = payload
    return label_texts(model, texts, top_k, apply_thresholds, *more)


def state_path_for(output_path: str | Path) -> Path:
    """The resume state file of an output file."""
    output_path = Path(output_path)
    return output_path.with_name(f".{output_path.name}.resume.json")


def errors_path_for(output_path: str | Path) -> Path:
    """The side file listing the rows of an output file that could not be read cleanly."""
    output_path = Path(output_path)
    return output_path.with_name(output_path.name + ".errors.csv")


def _write_json_atomic(path: Path, obj: dict) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(obj, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)


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
    jobs: int | None = 1,
    resume: bool = False,
    progress: Callable[[Progress], None] | None = None,
    apply_thresholds: bool = True,
    overwrite: bool = False,
    excel: bool = False,
    code_column: str | bool | None = None,
    explain: bool = False,
    entities: bool = True,
) -> PredictSummary:
    """Label every row of ``input_path`` and write ``output_path`` (format from its extension).

    Output: every input column unchanged, in input row order, plus ``label``, ``score``, ``military_marker``,
    ``status`` (and ``review``/``candidate``/``familiarity`` when the model has thresholds or a familiarity cut;
    ``label_2``/``score_2`` … with ``top_k``). Rows that cannot be read or hold no text are written too, with
    ``status`` saying why; rows that could not be read cleanly or labelled are also listed, with their raw content,
    in ``OUTPUT.errors.csv``. The
    output appears only when complete. Memory use depends on ``chunk_size`` and ``jobs``, not on the input size.
    A ``.gz`` input that ends early is read up to the cut: those rows are written and :attr:`PredictSummary.truncated`
    says so. The output is never the input, and an existing file only with ``overwrite`` (see
    :func:`check_output_path`: :class:`InputError` otherwise); ``-`` writes CSV to standard output (no errors side
    file, no resume).

    Args:
        input_path: CSV/TSV/TXT/JSONL/XLSX/XLS/ODS/Parquet file (text formats may be ``.gz``), or ``-`` for
            standard input (copied to a temporary file first; its format is recognised from its content).
        output_path: where to write; written atomically.
        text_columns: column(s) holding the description, joined with a space; guessed when ``None``.
        model: a loaded model, a model folder, or ``None`` for the bundled default.
        encoding: force the input encoding (detected when ``None``).
        delimiter: force the CSV delimiter (detected when ``None``).
        sheet: spreadsheet sheet name or 0-based number (the first sheet when ``None``).
        header: whether the first CSV line holds the column names.
        chunk_size: rows per chunk (the unit of parallel work and of resuming).
        top_k: also write the next ``top_k - 1`` best labels with their scores.
        jobs: worker processes; ``None`` or ``0`` for all cores, ``1`` to label in this process.
        resume: continue an interrupted run of the same input, output and options from its last finished
            chunk (a fresh run when there is nothing to resume).
        progress: called with a :class:`~pipeline.run.progress.Progress` after every chunk.
        apply_thresholds: apply the model's per-class thresholds, when it has any.
        overwrite: replace an existing output file (a resumed run continues its own partial output regardless).
        excel: write CSV/TSV output as Excel opens it in a Russian locale: UTF-8 with a byte-order mark and ``;``
            between fields (tab for ``.tsv``).
        code_column: the declared customs code column (ТН ВЭД/HS): a name, ``None`` to detect the usual names, or
            ``False`` to read none. When one is read, the output gains ``hs_code``, ``code_label``, ``chpl_tier``,
            ``code_conflict`` and ``code_status`` (see :mod:`pipeline.codes`).
        explain: add ``explanation``, the words that drove each label (see :mod:`pipeline.explain`; slower).
        entities: add ``manufacturer``, ``brand``, ``model``, ``quantity``, ``unit`` (see :mod:`pipeline.entities`).

    Returns:
        A :class:`PredictSummary`.

    Raises:
        InputError: when the input cannot be read as asked, or ``resume`` finds a state left by a run with
            other options.
        PredictInterrupted: on Ctrl-C, after leaving a resumable state.
    """
    if str(input_path) == "-":
        if resume:
            raise InputError("--resume needs an input file: standard input cannot be read again")
        spooled = spool_stdin()
        try:
            summary = predict(
                spooled,
                output_path,
                text_columns=text_columns,
                model=model,
                encoding=encoding,
                delimiter=delimiter,
                sheet=sheet,
                header=header,
                chunk_size=chunk_size,
                top_k=top_k,
                jobs=jobs,
                progress=progress,
                apply_thresholds=apply_thresholds,
                overwrite=overwrite,
                excel=excel,
                code_column=code_column,
                explain=explain,
                entities=entities,
            )
        finally:
            shutil.rmtree(spooled.parent, ignore_errors=True)
        summary.input = "-"
        return summary
    start = time.perf_counter()
    to_stdout = str(output_path) == "-"
    input_path, output_path = Path(input_path), Path(output_path)
    if delimiter is not None and len(delimiter) != 1:
        raise InputError(f"--delimiter {delimiter!r}: give one character (or 'tab')")
    if to_stdout and resume:
        raise InputError("--resume needs an output file; standard output cannot be resumed")
    state_path = state_path_for(output_path)
    resuming = resume and not to_stdout and state_path.is_file()
    check_output_path(input_path, output_path, overwrite=overwrite or resuming)
    if not isinstance(model, DualUseModel):
        model = load_model(model)
    reader = _open_reader(input_path, encoding=encoding, delimiter=delimiter, sheet=sheet, header=header)
    cols = find_columns(reader.columns, text_columns, str(input_path))
    code_col = resolve_code_column(reader.columns, code_column, str(input_path), cols)
    extra = added_columns(model, top_k, apply_thresholds, code_col is not None, explain, entities)
    out_cols, names = output_columns(reader.columns, extra)
    pool = ChunkPool(model, _label_task, jobs)
    summary = PredictSummary(
        str(input_path),
        str(output_path),
        cols,
        encoding=reader.encoding,
        delimiter=reader.delimiter,
        jobs=pool.jobs,
        code_column=code_col,
    )
    errors_path = errors_path_for(output_path)
    stat = input_path.stat()
    fingerprint = {
        "input": str(input_path.resolve()),
        "size": stat.st_size,
        "mtime_ns": stat.st_mtime_ns,
        "model": model.meta.get("model_sha256"),
        "text_columns": cols,
        "encoding": reader.encoding,
        "fallback_encoding": reader.fallback_encoding,
        "delimiter": reader.delimiter,
        "sheet": None if sheet is None else str(sheet),
        "header": header,
        "chunk_size": chunk_size,
        "columns": out_cols,
    }
    if code_col is not None:
        fingerprint["code_column"] = code_col
    state = None
    if resuming:
        state = json.loads(state_path.read_text(encoding="utf-8"))
        if state.get("version") != STATE_VERSION or state.get("fingerprint") != fingerprint:
            changed = sorted(k for k in fingerprint if (state.get("fingerprint") or {}).get(k) != fingerprint[k])
            raise InputError(
                f"cannot resume {output_path}: the input or options changed since the interrupted run "
                f"({', '.join(changed) or 'state version'}); run without --resume to start again"
            )
        summary._restore(state["counts"])
    elif not to_stdout:
        state_path.unlink(missing_ok=True)
    out_format = "csv" if to_stdout else detect_format(output_path)[0]
    excel_dialect = {"delimiter": ";" if out_format == "csv" else None, "encoding": "utf-8-sig"} if excel else {}
    writer = ChunkWriter(output_path, out_cols, resume=state and state["output"], **excel_dialect)
    # Standard output has no side file: the status column of the output says which rows could not be read.
    err_writer = _NoWriter() if to_stdout else ChunkWriter(
        errors_path, list(ERROR_COLUMNS), resume=state and state["errors"], **excel_dialect
    )  # fmt: skip
    chunks_done = state["chunks"] if state else 0
    rows_total = reader.rows_total
    bytes_total = reader.bytes_total

    def payloads():
        for chunk in reader.iter_chunks(chunk_size, skip_chunks=chunks_done):
            texts = [row_text(r, cols) for r in chunk.rows]
            codes = None if code_col is None else [r.get(code_col) for r in chunk.rows]
            yield chunk, (texts, top_k, apply_thresholds, codes, explain, entities)

    results = pool.map(payloads())
    try:
        for chunk, labelled in results:
            out_rows = []
            err_rows = []
            added = [(names[c], labelled[c]) for c in extra]
            for i, row in enumerate(chunk.rows):
                new = dict(row)
                for name, values in added:
                    new[name] = values[i]
                reason = chunk.errors[i]
                raw = chunk.raw[i]
                if not reason and new[names["status"]].startswith(STATUS_FAILED):
                    reason = new[names["status"]]
                    raw = json.dumps(row, ensure_ascii=True, default=str)
                if reason:
                    new[names["status"]] = reason
                    summary.failed += 1
                    if len(summary.errors) < MAX_ERRORS_KEPT:
                        summary.errors.append((chunk.lines[i], reason))
                    err_rows.append(
                        {"line": chunk.lines[i], "status": reason, "text": row_text(row, cols)[:500], "raw": raw}
                    )
                out_rows.append(new)
                summary.statuses[new[names["status"]]] += 1
            summary.labels.update(labelled["label"])
            summary.flagged += sum(labelled["military_marker"])
            if code_col is not None:
                count_codes(summary.code_conflicts, summary.code_statuses, labelled)
            writer.write(out_rows)
            err_writer.write(err_rows)
            summary.rows += len(out_rows)
            chunks_done += 1
            if not to_stdout:
                _write_json_atomic(
                    state_path,
                    {
                        "version": STATE_VERSION,
                        "fingerprint": fingerprint,
                        "chunks": chunks_done,
                        "output": writer.state,
                        "errors": err_writer.state,
                        "counts": summary._counts(),
                    },
                )
            if progress is not None:
                progress(
                    Progress(
                        summary.rows,
                        rows_total,
                        reader.bytes_read,
                        bytes_total,
                        time.perf_counter() - start,
                        summary.rows - summary.resumed_rows,
                    )
                )
        writer.commit()
        if summary.failed and not to_stdout:
            summary.errors_path = str(err_writer.commit())
        else:
            err_writer.close()
            if not to_stdout:
                errors_path.unlink(missing_ok=True)
        if not to_stdout:
            state_path.unlink(missing_ok=True)
        summary.truncated = reader.truncated
        if writer.sheets > 1:
            summary.notes.append(
                f"{summary.rows} rows are more than one Excel sheet holds ({ChunkWriter.XLSX_MAX_ROWS - 1:,} "
                f"below the header): they fill {writer.sheets} sheets, labels to labels_{writer.sheets}"
            )
    except KeyboardInterrupt:
        results.close()
        writer.close(keep=True)
        err_writer.close(keep=True)
        summary.seconds = time.perf_counter() - start
        raise PredictInterrupted(summary, state_path) from None
    except BaseException:
        results.close()
        writer.close()
        err_writer.close()
        if not to_stdout:
            state_path.unlink(missing_ok=True)
        raise
    summary.seconds = time.perf_counter() - start
    return summary
