"""Background refits: the configured corpus plus the store, fitted in a worker process; the queue is re-ordered."""

from __future__ import annotations

import multiprocessing
import threading
import time
from pathlib import Path
from typing import Any

from pipeline.review.session import Conflict, ReviewSession


def fit_with_store(config: str, store: str, output: str) -> dict[str, Any]:
    """Train the config's model on its corpus plus the store and save it to ``output`` (runs in the worker).

    Returns:
        ``{"output": folder, "seconds": fit time, "split_counts": …}``.
    """
    from pipeline.training.recipe import load_config
    from pipeline.training.train import train

    start = time.perf_counter()
    corpus = list(load_config(config)["paths"]["corpus"])
    result = train(config, output, {"paths.corpus": [*corpus, store]})
    return {"output": str(result.output), "seconds": round(time.perf_counter() - start, 1),
            "split_counts": result.split_counts}  # fmt: skip


class Retrainer:
    """Refits in one worker process and hands the new model to the session.

    Args:
        session: the review session to re-order.
        config: the training recipe (``.cfg``): its corpus, plus the store, is what is fitted.
        output: the model folder each refit writes (replaced atomically).
        every: start a refit after this many decisions since the last one started (0: only on request).
        thresholds_info: the reviewed model's ``thresholds_info`` (set by ``dualuse thresholds``), if any: a refit
            labels with the thresholds of its recipe (the reviewed folder's ``config.cfg`` holds the ones chosen on
            the dev set, for the reviewed model's scores), so the status then says to choose them again.
    """

    def __init__(
        self,
        session: ReviewSession,
        config: str | Path,
        output: str | Path,
        every: int = 0,
        thresholds_info: dict[str, Any] | None = None,
    ):
        self.session = session
        self.config = Path(config)
        self.output = Path(output)
        self.every = every
        self.thresholds_info = thresholds_info
        self._pool = None
        self._lock = threading.Lock()
        self._decided_at_start = len(session.store.decisions)

    @property
    def running(self) -> bool:
        """Whether a refit is under way."""
        return self.session.retrain_status.get("state") == "running"

    def _set(self, **status: Any) -> None:
        with self.session.lock:
            self.session.retrain_status.update(status)

    def start(self) -> dict[str, Any]:
        """Start a refit unless one is running; returns the retraining status.

        Raises:
            Conflict: when the store holds no decision yet.
        """
        with self._lock:
            if self.running:
                return dict(self.session.retrain_status)
            n = len(self.session.store.decisions)
            if n == 0:
                raise Conflict("nothing decided yet: decide some lines before retraining")
            if self._pool is None:
                self._pool = multiprocessing.get_context("spawn").Pool(1)
            self._decided_at_start = n
            self._set(state="running", decisions=n, message=f"refitting on the corpus and {n} decision(s)")
            self._pool.apply_async(
                fit_with_store,
                (str(self.config), str(self.session.store.path), str(self.output)),
                callback=self._done,
                error_callback=self._failed,
            )
            return dict(self.session.retrain_status)

    def maybe_start(self) -> None:
        """Start a refit when ``every`` decisions were taken since the last one started."""
        if self.every and not self.running:
            if len(self.session.store.decisions) - self._decided_at_start >= self.every:
                self.start()

    def _done(self, result: dict[str, Any]) -> None:
        from pipeline.model.core import load_model

        try:
            model = load_model(result["output"])
            self.session.rescore(model)
        except Exception as exc:  # the worker's model could not be used: report it, keep the old one
            self._failed(exc)
            return
        runs = self.session.retrain_status.get("runs", 0) + 1
        message = f"refit {runs} done in {result['seconds']} s; queue re-ordered"
        if self.thresholds_info and "thresholds_info" not in model.meta:
            dev = self.thresholds_info.get("dev", "DEV")
            message += (f"; its thresholds were not chosen on its own scores: run dualuse thresholds {dev} "
                        f"--model {result['output']} to choose them for it")  # fmt: skip
        self._set(state="done", runs=runs, model=result["output"], seconds=result["seconds"], message=message)

    def _failed(self, exc: BaseException) -> None:
        self._set(state="failed", message=f"refit failed: {exc}")

    def close(self) -> None:
        """Stop the worker (a refit under way is abandoned)."""
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()
            self._pool = None
