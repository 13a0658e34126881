"""Set up a review (model, labelled file, store, session, app) and serve it with uvicorn."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.model.meta import CONFIG_FILE
from pipeline.review.session import ReviewSession

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


@dataclass
class ReviewServer:
    """A review ready to serve.

    Attributes:
        app: the ASGI app.
        session: the review session (queue, store, progress).
        host, port: where it listens.
        token: the access token (``None`` on a local address, where none is needed).
        url: the address to open (with the token when there is one).
        retrainer: the background refitter, or ``None`` when retraining is off.
    """

    app: Any
    session: ReviewSession
    host: str
    port: int
    token: str | None
    url: str
    retrainer: Any = None

    def serve(self) -> None:
        """Serve until interrupted (Ctrl-C); then stop a refit under way and close the store.

        Returns normally on Ctrl-C: stopping is the ordinary end of a review (every decision is on disk already).
        """
        import uvicorn

        try:
            _check_port(self.host, self.port)
            uvicorn.Server(uvicorn.Config(self.app, host=self.host, port=self.port, log_level="warning")).run()
        except KeyboardInterrupt:  # uvicorn re-raises the captured Ctrl-C after its graceful shutdown
            pass
        finally:
            self.close()

    def close(self) -> None:
        """Stop the refit worker and close the store (decisions are on disk already)."""
        if self.retrainer is not None:
            self.retrainer.close()
        self.session.store.close()


def _check_port(host: str, port: int) -> None:
    """Raise a clear OSError when the address cannot be bound (uvicorn would only log it and exit)."""
    import socket

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError as exc:
            raise OSError(f"cannot listen on {host}:{port}: {exc.strerror or exc}; choose another --port") from None


def _url(host: str, port: int, token: str | None) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/" + (f"?token={token}" if token else "")


def _model_config(model, config: str | Path | None) -> Path:
    if config is not None:
        return Path(config)
    from pipeline.config import DEFAULT_CONFIG_PATH

    own = Path(model.path) / CONFIG_FILE if model.path else None
    return own if own is not None and own.is_file() else DEFAULT_CONFIG_PATH


def review(
    labelled: str | Path,
    model: str | Path | Any = None,
    store: str | Path = "corrections.csv",
    host: str = "127.0.0.1",
    port: int = 8080,
    order: str = "margin",
    retrain_every: int = 0,
    config: str | Path | None = None,
    retrain_output: str | Path | None = None,
    text_columns: list[str] | None = None,
    token: str | None = None,
) -> ReviewServer:
    """Prepare the review of a labelled file: score its lines, open the store, resume, build the app.

    Args:
        labelled: a file written by ``dualuse predict``.
        model: a model folder (default ``models/default``) or a loaded model; it scores the queue.
        store: the corrections CSV (corpus format), created when missing, resumed when present.
        host: the address to bind; any host other than 127.0.0.1, localhost or ::1 needs a token.
        port: the port to listen on.
        order: queue order: ``margin`` (default), ``flagged`` or ``input``.
        retrain_every: refit after this many decisions (0: only with the page's button).
        config: the training recipe for refits (default: the model folder's own ``config.cfg``).
        retrain_output: the folder refits write (default: ``STORE-model`` beside the store).
        text_columns: the description column(s) of the labelled file (usual names tried when empty).
        token: the access token for a non-local host (a random one is made when ``None``).

    Returns:
        A :class:`ReviewServer`; call :meth:`ReviewServer.serve` to serve it.
    """
    from pipeline.model.core import DualUseModel, load_model
    from pipeline.review.app import create_app
    from pipeline.review.queue import read_labelled
    from pipeline.review.retrain import Retrainer
    from pipeline.review.store import CorrectionStore

    if retrain_every < 0:
        raise ValueError(f"--retrain-every {retrain_every}: must be 0 or more")
    fitted = model if isinstance(model, DualUseModel) else load_model(model)
    lines = read_labelled(labelled, text_columns)
    session = ReviewSession(lines, CorrectionStore(store), fitted, order=order)
    store_path = Path(store)
    output = Path(retrain_output) if retrain_output else store_path.with_name(f"{store_path.stem}-model")
    retrainer = Retrainer(session, _model_config(fitted, config), output, every=retrain_every,
                          thresholds_info=fitted.meta.get("thresholds_info"))  # fmt: skip
    local = host in LOCAL_HOSTS
    token = None if local else (token or secrets.token_urlsafe(18))
    allowed = ["127.0.0.1", "localhost"] if host in ("127.0.0.1", "localhost") else None
    app = create_app(session, retrainer, token=token, allowed_hosts=allowed)
    return ReviewServer(app, session, host, port, token, _url(host, port, token), retrainer)
