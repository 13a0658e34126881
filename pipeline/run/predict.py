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

import json
import os
import shutil
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from pipeline.codes.columns import resolve_code_column
from pipeline.codes.evidence import count_codes
from pipeline.model.core import DualUseModel, load_model
from pipeline.model.folder import decision_identity
from pipeline.run.inputs import NoWriter, check_output_path, open_reader
from pipeline.run.labelling import STATUS_FAILED, added_columns, entity_mode, label_task, output_columns
from pipeline.run.parallel import ChunkPool
from pipeline.run.progress import Progress
from pipeline.run.summary import MAX_ERRORS_KEPT, PredictInterrupted, PredictSummary
from pipeline.tables import ChunkWriter, InputError, detect_format, find_columns, row_text, spool_stdin

ERROR_COLUMNS = ("line", "status", "text", "raw")
STATE_VERSION = 1
# The columns, summary and exceptions of a run live in these modules; importing them from here keeps working.
__all__ = ["PredictInterrupted", "PredictSummary", "check_output_path", "predict"]


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
    entities: bool | str = "flagged",
) -> PredictSummary:
    """Label every row of ``input_path`` and write ``output_path`` atomically; see the module docstring.

    Args:
        input_path: CSV/TSV/TXT/JSONL/XLSX/XLS/ODS/Parquet (text formats may be ``.gz``; a cut ``.gz`` is read to
            the cut and :attr:`PredictSummary.truncated` says so), or ``-`` for standard input.
        output_path: where to write (never the input); ``-``: CSV to standard output (no side file, no resume).
        text_columns: column(s) holding the description, joined with a space; guessed when ``None``.
        model: a loaded model, a model folder, or ``None`` for the bundled default.
        encoding: force the input encoding (detected when ``None``).
        delimiter: force the CSV delimiter (detected when ``None``).
        sheet: spreadsheet sheet name or 0-based number (the first sheet when ``None``).
        header: whether the first CSV line holds the column names.
        chunk_size: rows per chunk (the unit of parallel work and of resuming).
        top_k: also write the next ``top_k - 1`` best labels with their scores.
        jobs: worker processes; ``None`` or ``0`` for all cores, ``1`` to label in this process.
        resume: continue an interrupted run of the same input, output and options from its last finished chunk.
        progress: called with a :class:`~pipeline.run.progress.Progress` after every chunk.
        apply_thresholds: apply the model's per-class thresholds, when it has any.
        overwrite: replace an existing output file (a resumed run continues its own partial output regardless).
        excel: write CSV/TSV as Excel opens it in a Russian locale (UTF-8 with a BOM, ``;`` between fields).
        code_column: the declared customs code column: a name, ``None`` to detect it, ``False`` for none; when one
            is read the code columns of :mod:`pipeline.codes` are added.
        explain: add ``explanation``, the words that drove each label (see :mod:`pipeline.explain`; slower).
        entities: fill the entity columns (:mod:`pipeline.entities`) on ``"flagged"`` rows (labelled dual-use or
            sent to review), ``"all"`` rows, or ``"none"`` (no entity columns).

    Returns:
        A :class:`PredictSummary`.

    Raises:
        InputError: when the input cannot be read as asked, or ``resume`` finds a run with other options.
        PredictInterrupted: on Ctrl-C, after leaving a resumable state.
    """
    # Every argument but the paths, as given: a run over standard input passes them on unchanged.
    options = {k: v for k, v in locals().items() if k not in ("input_path", "output_path")}
    if str(input_path) == "-":
        return _predict_stdin(output_path, options)
    entity_mode(entities)  # refuse an unknown mode before reading anything
    return _Run(Path(input_path), output_path, options).execute()


def _predict_stdin(output_path: str | Path, options: dict) -> PredictSummary:
    """Copy standard input to a temporary file and label that (its format is recognised from its content)."""
    if options.pop("resume"):
        raise InputError("--resume needs an input file: standard input cannot be read again")
    spooled = spool_stdin()
    try:
        summary = predict(spooled, output_path, **options)
    finally:
        shutil.rmtree(spooled.parent, ignore_errors=True)
    summary.input = "-"
    return summary


class _Run:
    """One labelling run over a file: reader, model, writers, resume state and summary, chunk by chunk."""

    def __init__(self, input_path: Path, output_path: str | Path, options: dict):
        self.start = time.perf_counter()
        self.options = o = options
        self.to_stdout = str(output_path) == "-"
        output_path = Path(output_path)
        if o["delimiter"] is not None and len(o["delimiter"]) != 1:
            raise InputError(f"--delimiter {o['delimiter']!r}: give one character (or 'tab')")
        if self.to_stdout and o["resume"]:
            raise InputError("--resume needs an output file; standard output cannot be resumed")
        self.state_path = state_path_for(output_path)
        resuming = o["resume"] and not self.to_stdout and self.state_path.is_file()
        check_output_path(input_path, output_path, overwrite=o["overwrite"] or resuming)
        model = o["model"] if isinstance(o["model"], DualUseModel) else load_model(o["model"])
        self.reader = open_reader(
            input_path, encoding=o["encoding"], delimiter=o["delimiter"], sheet=o["sheet"], header=o["header"]
        )
        self.cols = find_columns(self.reader.columns, o["text_columns"], str(input_path))
        self.code_col = resolve_code_column(self.reader.columns, o["code_column"], str(input_path), self.cols)
        self.extra = added_columns(
            model, o["top_k"], o["apply_thresholds"], self.code_col is not None, o["explain"], o["entities"]
        )
        out_cols, self.names = output_columns(self.reader.columns, self.extra)
        self.pool = ChunkPool(model, label_task, o["jobs"])
        self.summary = PredictSummary(
            str(input_path), str(output_path), self.cols, encoding=self.reader.encoding,
            delimiter=self.reader.delimiter, jobs=self.pool.jobs, code_column=self.code_col,
        )  # fmt: skip
        self.fingerprint = self._fingerprint(input_path, model, out_cols)
        state = self._resume_state(output_path) if resuming else None
        self._open_writers(output_path, out_cols, state)
        self.chunks_done = state["chunks"] if state else 0

    def _fingerprint(self, input_path: Path, model: DualUseModel, out_cols: list[str]) -> dict:
        """What must not change between an interrupted run and the run that resumes it."""
        stat, o, reader = input_path.stat(), self.options, self.reader
        fingerprint = {
            "input": str(input_path.resolve()),
            "size": stat.st_size,
            "mtime_ns": stat.st_mtime_ns,
            "model": model.meta.get("model_sha256"),
            "decisions": decision_identity(model.meta),
            "text_columns": self.cols,
            "encoding": reader.encoding,
            "fallback_encoding": reader.fallback_encoding,
            "delimiter": reader.delimiter,
            "sheet": None if o["sheet"] is None else str(o["sheet"]),
            "header": o["header"],
            "chunk_size": o["chunk_size"],
            "columns": out_cols,
        }
        if self.code_col is not None:
            fingerprint["code_column"] = self.code_col
        return fingerprint

    def _resume_state(self, output_path: Path) -> dict:
        """The state an interrupted run left, checked against this run's fingerprint."""
        state = json.loads(self.state_path.read_text(encoding="utf-8"))
        if state.get("version") != STATE_VERSION or state.get("fingerprint") != self.fingerprint:
            old = state.get("fingerprint") or {}
            changed = sorted(k for k in self.fingerprint if old.get(k) != self.fingerprint[k])
            raise InputError(
                f"cannot resume {output_path}: the input or options changed since the interrupted run "
                f"({', '.join(changed) or 'state version'}); run without --resume to start again"
            )
        self.summary._restore(state["counts"])
        return state

    def _open_writers(self, output_path: Path, out_cols: list[str], state: dict | None) -> None:
        if state is None and not self.to_stdout:
            self.state_path.unlink(missing_ok=True)
        out_format = "csv" if self.to_stdout else detect_format(output_path)[0]
        dialect = {"delimiter": ";" if out_format == "csv" else None, "encoding": "utf-8-sig"}
        excel = dialect if self.options["excel"] else {}
        self.writer = ChunkWriter(output_path, out_cols, resume=state and state["output"], **excel)
        self.errors_path = errors_path_for(output_path)
        # Standard output has no side file: the status column of the output says which rows could not be read.
        self.err_writer = NoWriter() if self.to_stdout else ChunkWriter(
            self.errors_path, list(ERROR_COLUMNS), resume=state and state["errors"], **excel
        )  # fmt: skip

    def execute(self) -> PredictSummary:
        """Label and write every chunk; on Ctrl-C keep what is done for ``--resume``, on an error remove it."""
        results = self.pool.map(self.payloads())
        try:
            for chunk, labelled in results:
                self.write(chunk, labelled)
            self.finish()
        except KeyboardInterrupt:
            results.close()
            self.close(keep=True)
            raise PredictInterrupted(self.summary, self.state_path) from None
        except BaseException:
            results.close()
            self.close(keep=False)
            raise
        self.summary.seconds = time.perf_counter() - self.start
        return self.summary

    def payloads(self):
        """``(chunk, payload)`` for each chunk still to label (see :func:`~pipeline.run.labelling.label_task`)."""
        o = self.options
        for chunk in self.reader.iter_chunks(o["chunk_size"], skip_chunks=self.chunks_done):
            texts = [row_text(r, self.cols) for r in chunk.rows]
            codes = None if self.code_col is None else [r.get(self.code_col) for r in chunk.rows]
            yield chunk, (texts, o["top_k"], o["apply_thresholds"], codes, o["explain"], o["entities"])

    def write(self, chunk, labelled: dict[str, list]) -> None:
        """Write one labelled chunk and its unreadable rows, count them, save the state, report progress."""
        summary, status = self.summary, self.names["status"]
        added = [(self.names[c], labelled[c]) for c in self.extra]
        out_rows, err_rows = [], []
        for i, row in enumerate(chunk.rows):
            new = dict(row)
            for name, values in added:
                new[name] = values[i]
            reason, raw = chunk.errors[i], chunk.raw[i]
            if not reason and new[status].startswith(STATUS_FAILED):
                reason, raw = new[status], json.dumps(row, ensure_ascii=True, default=str)
            if reason:
                new[status] = reason
                summary.failed += 1
                if len(summary.errors) < MAX_ERRORS_KEPT:
                    summary.errors.append((chunk.lines[i], reason))
                text = row_text(row, self.cols)[:500]
                err_rows.append({"line": chunk.lines[i], "status": reason, "text": text, "raw": raw})
            out_rows.append(new)
            summary.statuses[new[status]] += 1
        summary.labels.update(labelled["label"])
        summary.flagged += sum(labelled["military_marker"])
        if self.code_col is not None:
            count_codes(summary.code_conflicts, summary.code_statuses, labelled)
        self.writer.write(out_rows)
        self.err_writer.write(err_rows)
        summary.rows += len(out_rows)
        self.chunks_done += 1
        self._save_state()
        self._report_progress()

    def _save_state(self) -> None:
        if self.to_stdout:
            return
        state = {
            "version": STATE_VERSION,
            "fingerprint": self.fingerprint,
            "chunks": self.chunks_done,
            "output": self.writer.state,
            "errors": self.err_writer.state,
            "counts": self.summary._counts(),
        }
        _write_json_atomic(self.state_path, state)

    def _report_progress(self) -> None:
        progress, s, reader = self.options["progress"], self.summary, self.reader
        if progress is not None:
            elapsed = time.perf_counter() - self.start
            progress(Progress(s.rows, reader.rows_total, reader.bytes_read, reader.bytes_total, elapsed,
                              s.rows - s.resumed_rows))  # fmt: skip

    def finish(self) -> None:
        """Put the output (and the errors side file, when rows failed) in place; drop the resume state."""
        self.writer.commit()
        if self.summary.failed and not self.to_stdout:
            self.summary.errors_path = str(self.err_writer.commit())
        else:
            self.err_writer.close()
            if not self.to_stdout:
                self.errors_path.unlink(missing_ok=True)
        if not self.to_stdout:
            self.state_path.unlink(missing_ok=True)
        self.summary.truncated = self.reader.truncated
        if self.writer.sheets > 1:
            self.summary.notes.append(
                f"{self.summary.rows} rows are more than one Excel sheet holds ({ChunkWriter.XLSX_MAX_ROWS - 1:,} "
                f"below the header): they fill {self.writer.sheets} sheets, labels to labels_{self.writer.sheets}"
            )

    def close(self, keep: bool) -> None:
        """Stop: keep the partial output and state for ``--resume`` (``keep``), or remove them."""
        self.writer.close(keep=keep)
        self.err_writer.close(keep=keep)
        if keep:
            self.summary.seconds = time.perf_counter() - self.start
        elif not self.to_stdout:
            self.state_path.unlink(missing_ok=True)
