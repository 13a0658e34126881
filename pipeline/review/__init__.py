"""Review in the browser: a local queue of labelled lines whose decisions become corpus rows for the next model.

``review(labelled, model=..., store=...)`` returns a :class:`~pipeline.review.server.ReviewServer`; its ``serve()``
runs the web app (FastAPI on uvicorn, imported only then). The parts: :mod:`.queue` (reading, scoring, ordering),
:mod:`.store` (the corpus-format store), :mod:`.session` (decisions, skip, undo, progress), :mod:`.retrain`
(background refits), :mod:`.app` (the page and JSON API).
"""

from pipeline.review.server import ReviewServer, review
from pipeline.review.store import STORE_COLUMNS, CorrectionStore, StoreError

__all__ = ["STORE_COLUMNS", "CorrectionStore", "ReviewServer", "StoreError", "review"]
