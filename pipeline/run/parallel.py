"""Labelling chunks of texts in worker processes, results in input order.

Each worker process loads the model once (or inherits it when processes are forked) and labels the texts of
one chunk at a time. Only the texts go to a worker and only the compact labels come back, so the parent keeps
the input rows and the cost of moving data between processes stays small. At most ``2 × jobs`` chunks are in
flight, so memory does not grow with the input.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from pipeline.model.core import DualUseModel, load_model

T = TypeVar("T")

_WORKER: dict[str, Any] = {}


def default_jobs() -> int:
    """The number of CPU cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


# How often a worker checks that its parent is still alive where the kernel cannot tell it (not Linux).
PARENT_POLL_SECONDS = 1.0
_PR_SET_PDEATHSIG = 1


def _exit_with_parent(parent_pid: int) -> None:
    """End this worker process when its parent dies, even by SIGKILL (which leaves it no chance to stop us).

    On Linux the kernel sends SIGTERM on the parent's death (``prctl(PR_SET_PDEATHSIG)``); a daemon thread that
    watches :func:`os.getppid` covers other systems and the moment before ``prctl`` took effect.
    """
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
        except (OSError, AttributeError):  # pragma: no cover - no libc prctl
            pass
    if os.getppid() != parent_pid:
        os._exit(1)

    def watch() -> None:
        while True:
            time.sleep(PARENT_POLL_SECONDS)
            if os.getppid() != parent_pid:
                os._exit(1)

    threading.Thread(target=watch, name="dualuse-parent-watch", daemon=True).start()


def _init_worker(model: DualUseModel | str | None, task: Callable, parent_pid: int | None = None) -> None:
    # Ctrl-C goes to the whole process group; the parent alone decides how to stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if parent_pid is not None:
        _exit_with_parent(parent_pid)
    _WORKER["model"] = model if isinstance(model, DualUseModel) else load_model(model)
    _WORKER["task"] = task


def _run(payload: Any) -> Any:
    return _WORKER["task"](_WORKER["model"], payload)


class ChunkPool:
    """Run ``task(model, payload)`` over payloads in ``jobs`` processes and yield results in input order.

    With ``jobs=1`` everything runs in the calling process.

    Args:
        model: a loaded model (inherited by forked workers, pickled otherwise) or a model folder each worker
            loads.
        task: a module-level function ``task(model, payload) -> result``.
        jobs: worker processes (``0`` or ``None``: all cores).
    """

    def __init__(
        self, model: DualUseModel | str | Path | None, task: Callable[[DualUseModel, Any], Any], jobs: int | None = None
    ):
        self.model = model
        self.task = task
        self.jobs = jobs or default_jobs()
        self._executor: ProcessPoolExecutor | None = None

    def _local_model(self) -> DualUseModel:
        if not isinstance(self.model, DualUseModel):
            self.model = load_model(self.model)
        return self.model

    def map(self, items: Iterable[tuple[T, Any]]) -> Iterator[tuple[T, Any]]:
        """Yield ``(key, task(model, payload))`` for each ``(key, payload)``, in the order given.

        The key stays in this process (it is never sent to a worker).
        """
        items = iter(items)
        if self.jobs <= 1:
            model = self._local_model()
            for key, payload in items:
                yield key, self.task(model, payload)
            return
        # A single-chunk input is labelled in place: starting workers would cost more than it saves.
        first = next(items, None)
        if first is None:
            return
        second = next(items, None)
        if second is None:
            yield first[0], self.task(self._local_model(), first[1])
            return
        model = (
            self.model if isinstance(self.model, DualUseModel) else (None if self.model is None else str(self.model))
        )
        self._executor = ProcessPoolExecutor(
            self.jobs, initializer=_init_worker, initargs=(model, self.task, os.getpid())
        )
        pending: deque[tuple[T, Future]] = deque()
        limit = 2 * self.jobs

        def submit(item: tuple[T, Any]) -> None:
            pending.append((item[0], self._executor.submit(_run, item[1])))

        try:
            submit(first)
            submit(second)
            for item in items:
                submit(item)
                while len(pending) >= limit:
                    key, fut = pending.popleft()
                    yield key, fut.result()
            while pending:
                key, fut = pending.popleft()
                yield key, fut.result()
        finally:
            self.close()

    def close(self) -> None:
        """Stop the workers (pending chunks are dropped)."""
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None
