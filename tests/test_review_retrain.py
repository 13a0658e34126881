"""Closing the loop: the store trains the next model, from the CLI and in the background of a review."""

import json
import shutil
import time

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.model.core import load_model
from pipeline.review import review

from .conftest import write_tiny_config
from .review_helpers import WRONG_LINE, write_labelled


@pytest.fixture(scope="module")
def labelled(tiny_model_dir, tmp_path_factory):
    return write_labelled(tmp_path_factory.mktemp("labelled"), tiny_model_dir)


def _decide_wrong_line(srv) -> int:
    s = srv.session
    item = next(it for it in s.items.values() if it.text == WRONG_LINE)
    assert item.label != "other", "the fixture line must be one the tiny model gets wrong"
    s.decide(item.id, "other", 0)
    return item.id


def test_train_takes_the_store_and_learns_the_decision(labelled, tiny_model, tiny_model_dir, tmp_path):
    assert tiny_model.predict([WRONG_LINE])[0].label != "other"
    store = tmp_path / "corrections.csv"
    srv = review(labelled, model=tiny_model_dir, store=store)
    try:
        _decide_wrong_line(srv)
    finally:
        srv.close()
    cfg = write_tiny_config(tmp_path / "cfg")
    out = tmp_path / "next"
    result = CliRunner().invoke(app, [
        "train", str(cfg), "--output", str(out),
        "--paths.corpus", json.dumps([str(tmp_path / "cfg" / "tiny_corpus.csv"), str(store)]),
        "--paths.markers", str(tmp_path / "cfg" / "markers.txt"), "--paths.ood", "null",
        "--features.min_df", "1", "--classifier.C", "100", "--corpus.train_on", "train",
    ], catch_exceptions=False)  # fmt: skip
    assert result.exit_code == 0, result.output
    new = load_model(out)
    assert new.predict([WRONG_LINE])[0].label == "other"
    assert str(store) in new.meta["corpus"]["files"]  # the store is named in the model card


def test_background_refit_reorders_the_queue(labelled, tiny_model_dir, tmp_path):
    srv = review(labelled, model=tiny_model_dir, store=tmp_path / "c.csv", retrain_every=1,
                 retrain_output=tmp_path / "refit")  # fmt: skip
    try:
        client = TestClient(srv.app, base_url="http://127.0.0.1")
        assert client.post("/api/retrain", json={}).status_code == 409  # nothing decided yet
        item = next(it for it in srv.session.items.values() if it.text == WRONG_LINE)
        r = client.post("/api/decide", json={"id": item.id, "label": "other", "marker": 0})
        assert r.json()["retrain"]["state"] == "running"  # --retrain-every 1 started it
        deadline = time.monotonic() + 120
        while srv.session.retrain_status["state"] == "running" and time.monotonic() < deadline:
            time.sleep(0.2)
        status = client.get("/api/state").json()
        assert status["retrain"]["state"] == "done", status["retrain"]
        assert status["model_version"] == 2 and "queue re-ordered" in status["retrain"]["message"]
        assert load_model(tmp_path / "refit").predict([WRONG_LINE])[0].label == "other"
        margins = [srv.session.items[i].margin for i in srv.session.queue]
        assert margins[1:] == sorted(margins[1:])  # the card on screen stays first; the rest follow the new model
    finally:
        srv.close()


def test_refit_status_says_dev_thresholds_are_not_carried_over(labelled, tiny_model_dir, tmp_path):
    """A refit of a model whose thresholds were chosen with ``dualuse thresholds`` labels with thresholds chosen on
    another model's scores: the status names the dev set to choose them on again."""
    reviewed = tmp_path / "reviewed"
    shutil.copytree(tiny_model_dir, reviewed)
    model = load_model(reviewed)
    model.meta["thresholds_info"] = {"dev": "my_dev.csv", "target_precision": 0.95}
    model.write_meta()
    srv = review(labelled, model=reviewed, store=tmp_path / "c.csv", retrain_output=tmp_path / "refit")
    try:
        srv.retrainer._done({"output": str(tiny_model_dir), "seconds": 1.0})  # a refit's folder: the recipe's
        message = srv.session.retrain_status["message"]
        assert "queue re-ordered" in message
        assert f"dualuse thresholds my_dev.csv --model {tiny_model_dir}" in message
    finally:
        srv.close()
    plain = review(labelled, model=tiny_model_dir, store=tmp_path / "d.csv", retrain_output=tmp_path / "refit2")
    try:
        plain.retrainer._done({"output": str(tiny_model_dir), "seconds": 1.0})
        assert "thresholds" not in plain.session.retrain_status["message"]
    finally:
        plain.close()
