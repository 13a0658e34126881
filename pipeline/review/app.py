"""The review web app (FastAPI): one page, a small JSON API, a token check when bound beyond this machine."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any, Literal

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from pipeline.config import LABELS
from pipeline.review.queue import CARD_COLUMNS
from pipeline.review.retrain import Retrainer
from pipeline.review.session import ReviewError, ReviewSession

TEMPLATES = Path(__file__).resolve().parent / "templates"
TOKEN_HEADER = "x-review-token"
KEYS = {label: str(i) for i, label in enumerate(LABELS, start=1)}


class DecideBody(BaseModel):
    """A decision: the line's id, one of the six labels, the military flag (0/1)."""

    model_config = ConfigDict(extra="forbid", strict=True)
    id: int
    label: Literal[LABELS]  # type: ignore[valid-type]
    marker: int = Field(0, ge=0, le=1)


class ItemBody(BaseModel):
    """A request about one line (skip)."""

    model_config = ConfigDict(extra="forbid", strict=True)
    id: int


class EmptyBody(BaseModel):
    """A request without parameters (undo, retrain)."""

    model_config = ConfigDict(extra="forbid")


def _environment():
    import jinja2

    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True)


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    for err in exc.errors():
        loc = ".".join(str(x) for x in err.get("loc", ()) if x != "body") or "body"
        parts.append(f"{loc}: {err.get('msg', 'invalid')}")
    return "invalid request: " + "; ".join(parts)


def _install_errors(app: FastAPI) -> None:
    @app.exception_handler(ReviewError)
    async def _review_error(request: Request, exc: ReviewError):
        return JSONResponse({"error": str(exc)}, status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError):
        return JSONResponse({"error": _validation_message(exc)}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        return JSONResponse({"error": str(exc.detail)}, status_code=exc.status_code)

    @app.exception_handler(Exception)
    async def _internal(request: Request, exc: Exception):
        return JSONResponse({"error": f"internal error ({type(exc).__name__}); see the server's log"}, 500)


def _install_guard(app: FastAPI, token: str | None, allowed_hosts: list[str] | None) -> None:
    @app.middleware("http")
    async def _guard(request: Request, call_next):
        host = (request.headers.get("host") or "").rsplit(":", 1)[0]
        if allowed_hosts is not None and host not in allowed_hosts:
            return JSONResponse({"error": f"host {host!r} not allowed"}, status_code=400)
        if token is not None:
            given = request.headers.get(TOKEN_HEADER) or request.query_params.get("token") or ""
            if not secrets.compare_digest(given.encode("utf-8"), token.encode("utf-8")):
                return JSONResponse({"error": "missing or wrong token: open the URL printed at start"}, 401)
        response = await call_next(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        response.headers.setdefault("Cache-Control", "no-store")
        return response


def _page(env, session: ReviewSession, retrain: bool, token: str | None) -> HTMLResponse:
    """The page, its inline style and script allowed by a fresh nonce (no other script can run)."""
    nonce = secrets.token_urlsafe(16)
    html = env.get_template("review.html").render(
        state=session.state(), labels=LABELS, keys=KEYS, token=token or "", nonce=nonce,
        file=session.origin_file, card_columns=CARD_COLUMNS, retrain=retrain,
    )  # fmt: skip
    csp = f"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; connect-src 'self'"
    return HTMLResponse(html, headers={"Content-Security-Policy": csp})


def create_app(
    session: ReviewSession,
    retrainer: Retrainer | None = None,
    token: str | None = None,
    allowed_hosts: list[str] | None = None,
) -> FastAPI:
    """Build the app over a session.

    Args:
        session: the review session.
        retrainer: refits on request (``POST /api/retrain``) and every N decisions; ``None``: no refits.
        token: when given, every request must carry it (``X-Review-Token`` header or ``?token=``).
        allowed_hosts: when given, the ``Host`` header must name one of these (guards a local server against
            DNS rebinding).
    """
    app = FastAPI(title="dualuse review", docs_url=None, redoc_url=None, openapi_url=None)
    _install_errors(app)
    _install_guard(app, token, allowed_hosts)
    env = _environment()

    @app.get("/", response_class=HTMLResponse)
    def page() -> HTMLResponse:
        return _page(env, session, retrainer is not None, token)

    @app.get("/api/state")
    def state() -> dict[str, Any]:
        return session.state()

    @app.post("/api/decide")
    def decide(body: DecideBody) -> dict[str, Any]:
        session.decide(body.id, body.label, body.marker)
        if retrainer is not None:
            retrainer.maybe_start()
        return session.state()

    @app.post("/api/skip")
    def skip(body: ItemBody) -> dict[str, Any]:
        session.skip(body.id)
        return session.state()

    @app.post("/api/undo")
    def undo(body: EmptyBody) -> dict[str, Any]:
        undone = session.undo()
        return {**session.state(), "undone": undone}

    @app.post("/api/retrain")
    def retrain(body: EmptyBody) -> dict[str, Any]:
        if retrainer is None:
            raise ReviewError("retraining is off for this session")
        retrainer.start()
        return session.state()

    return app
