import csv
import json

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.config import LABELS
from pipeline.review import STORE_COLUMNS, CorrectionStore, StoreError, review
from pipeline.review.queue import Item, order_items, read_labelled
from pipeline.review.store import Decision
from pipeline.training.corpus import read_corpus_file

from .review_helpers import LINES, NASTY_LINE, read_store, write_labelled


@pytest.fixture(scope="module")
def labelled(tiny_model_dir, tmp_path_factory):
    return write_labelled(tmp_path_factory.mktemp("labelled"), tiny_model_dir)


@pytest.fixture
def server(labelled, tiny_model_dir, tmp_path):
    srv = review(labelled, model=tiny_model_dir, store=tmp_path / "corrections.csv")
    yield srv
    srv.close()


@pytest.fixture
def client(server):
    return TestClient(server.app, base_url="http://127.0.0.1")


def test_read_labelled_keeps_columns_and_counts_empty(labelled):
    lf = read_labelled(labelled)
    assert lf.text_columns == ["text"]
    assert lf.no_text == 1
    assert len(lf.items) == len(LINES) - 1
    first = lf.items[0]
    # predict read hs_code as the declared code: its conflict column is on the card too
    assert {"hs_code": "4202", "brand": "Panasonic", "code_conflict": "text>code"}.items() <= first.extra.items()
    assert first.file["label"] in LABELS and first.file["status"] == "ok"
    assert lf.items[1].extra == {"hs_code": "8526"}  # empty values are left off the card


def test_queue_orders_by_margin_and_shows_runner_up(server):
    s = server.session
    margins = [s.items[i].margin for i in s.queue]
    assert margins == sorted(margins)
    card = s.state()["card"]
    assert card["runner_up"] in LABELS and card["runner_up"] != card["label"]
    assert 0 <= card["margin"] <= 1


def test_orders_flagged_and_input():
    items = [
        Item(0, 2, "a", label="other", score=0.9, margin=0.1),
        Item(1, 3, "b", label="drone", score=0.6),
        Item(2, 4, "c", label="navigation", score=0.8),
        Item(3, 5, "d", label="other", marker=1, score=0.5),
    ]
    assert order_items(items, "flagged") == [2, 1, 3, 0]
    assert order_items(items, "input") == [0, 1, 2, 3]
    assert order_items(items, "margin")[0] == 0
    with pytest.raises(ValueError, match="unknown order"):
        order_items(items, "random")


def test_page_escapes_text_and_sets_csp(labelled, tiny_model_dir, tmp_path):
    srv = review(labelled, model=tiny_model_dir, store=tmp_path / "c.csv", order="input")
    try:
        client = TestClient(srv.app, base_url="http://127.0.0.1")
        srv.session.skip(srv.session.queue[0])  # the second input line, the nasty one, is now on screen
        r = client.get("/")
        assert r.status_code == 200
        assert srv.session.state()["card"]["text"] == NASTY_LINE
        assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; GPS tracker &amp; &lt;b&gt;bold&lt;/b&gt;" in r.text
        assert "<script>alert" not in r.text and "<b>bold" not in r.text
        assert "script-src 'nonce-" in r.headers["content-security-policy"]
        assert "hs_code" in r.text  # a card column the file has
    finally:
        srv.close()


def test_decide_appends_corpus_row_and_drops_duplicates(server, client):
    s = server.session
    dup = next(i for i in s.queue if s.items[i].text == "Чехол для планшета Getac 10 шт")
    r = client.post("/api/decide", json={"id": dup, "label": "other", "marker": 0})
    assert r.status_code == 200, r.text
    state = r.json()
    assert state["progress"]["decided"] == 1 and state["progress"]["per_label"]["other"] == 1
    assert state["progress"]["queue"] == len(LINES) - 1 - 2  # the decided line and its exact duplicate
    rows = read_store(s.store.path)
    assert list(rows[0]) == list(STORE_COLUMNS)
    assert rows[0]["text"] == "Чехол для планшета Getac 10 шт" and rows[0]["label"] == "other"
    assert rows[0]["lang"] == "ru" and rows[0]["split"] == "train" and rows[0]["origin"].startswith("labelled.csv:")
    corpus = read_corpus_file(s.store.path)
    assert corpus.text == [rows[0]["text"]] and corpus.marker == [0] and corpus.source == ["review"]
    again = client.post("/api/decide", json={"id": dup, "label": "drone"})
    assert again.status_code == 409 and "already decided" in again.json()["error"]


@pytest.mark.parametrize(
    "body, status, words",
    [
        ({"id": 0, "label": "dron"}, 422, "label"),
        ({"id": 0, "label": "drone", "marker": 2}, 422, "marker"),
        ({"id": "0", "label": "drone"}, 422, "id"),
        ({"id": 0, "label": "drone", "extra": 1}, 422, "extra"),
        ({"label": "drone"}, 422, "id"),
        ({"id": 999, "label": "drone"}, 404, "unknown id 999"),
        ({"id": 4, "label": "drone"}, 404, "unknown id 4"),  # the row without text has no card
    ],
)
def test_decide_rejects_bad_bodies_with_json_errors(client, body, status, words):
    r = client.post("/api/decide", json=body)
    assert r.status_code == status
    assert r.headers["content-type"].startswith("application/json")
    assert words in r.json()["error"] and "Traceback" not in r.text


def test_non_json_body_is_refused(client):
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    r = client.post("/api/decide", content=b"id=1&label=drone", headers=form)
    assert r.status_code == 422 and "error" in r.json()
    assert client.get("/nope").json() == {"error": "Not Found"}


def test_skip_and_undo(server, client):
    s = server.session
    first, second = s.queue[0], s.queue[1]
    assert client.post("/api/undo", json={}).status_code == 409
    client.post("/api/skip", json={"id": first})
    assert s.queue[0] == second and s.queue[-1] == first
    r = client.post("/api/decide", json={"id": second, "label": "navigation", "marker": 1})
    assert r.json()["progress"]["decided"] == 1
    size = s.store.path.stat().st_size
    r = client.post("/api/undo", json={})
    assert r.json()["undone"] == {"undone": "decide", "id": second}
    assert r.json()["card"]["id"] == second and s.store.path.stat().st_size < size
    assert read_store(s.store.path) == []
    r = client.post("/api/undo", json={})
    assert r.json()["card"]["id"] == first and r.json()["progress"]["skipped"] == 0


def test_restart_resumes_after_decided_lines(labelled, tiny_model_dir, tmp_path):
    store = tmp_path / "c.csv"
    srv = review(labelled, model=tiny_model_dir, store=store)
    order = list(srv.session.queue)
    for i in order[:2]:
        srv.session.decide(i, "other", 0)
    expected = srv.session.queue[0]
    srv.close()
    again = review(labelled, model=tiny_model_dir, store=store)
    try:
        assert again.session.queue[0] == expected
        assert again.session.progress()["decided"] == 2
        assert not set(order[:2]) & set(again.session.queue)
    finally:
        again.close()


def test_token_required_off_localhost(labelled, tiny_model_dir, tmp_path):
    srv = review(labelled, model=tiny_model_dir, store=tmp_path / "c.csv", host="0.0.0.0", token="s3cret")
    try:
        assert srv.url == "http://0.0.0.0:8080/?token=s3cret"
        c = TestClient(srv.app, base_url="http://192.0.2.1")
        for path in ("/", "/api/state"):
            r = c.get(path)
            assert r.status_code == 401 and "token" in r.json()["error"]
        assert c.get("/api/state", headers={"X-Review-Token": "wrong"}).status_code == 401
        assert c.post("/api/decide", json={"id": 0, "label": "drone"}).status_code == 401
        assert c.get("/?token=s3cret").status_code == 200
        assert c.get("/api/state", headers={"X-Review-Token": "s3cret"}).status_code == 200
    finally:
        srv.close()
    local = review(labelled, model=tiny_model_dir, store=tmp_path / "d.csv")
    try:
        assert local.token is None and local.url == "http://127.0.0.1:8080/"
        assert TestClient(local.app, base_url="http://evil.example").get("/api/state").status_code == 400
    finally:
        local.close()


def test_store_cut_short_by_a_crash_is_repaired(tmp_path):
    path = tmp_path / "c.csv"
    store = CorrectionStore(path)
    store.append(Decision("Дрон 1 шт", "drone", "ru", 0, "f.csv:2"))
    store.close()
    with path.open("ab") as fh:
        fh.write(b'"half a row, cut')
    again = CorrectionStore(path)
    assert [d.text for d in again.decisions] == ["Дрон 1 шт"]
    again.append(Decision("GPS module", "navigation", "en", 0, "f.csv:3"))
    again.close()
    assert [r["text"] for r in read_store(path)] == ["Дрон 1 шт", "GPS module"]


def test_store_refuses_other_files(tmp_path):
    other = tmp_path / "corpus.csv"
    other.write_text("text,label,lang\nx,drone,en\n", encoding="utf-8")
    with pytest.raises(StoreError, match="not a review store"):
        CorrectionStore(other)
    bad = tmp_path / "bad.csv"
    bad.write_text(",".join(STORE_COLUMNS) + "\nx,dron,en,0,review,g,train,f:1,,t\n", encoding="utf-8")
    with pytest.raises(StoreError, match="record 2"):
        CorrectionStore(bad)


# Any text but control characters: a store holds lines of files that predict read, and a file made mostly of
# control bytes is refused as binary by every reader (training's corpus reader included).
_texts = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=40).map(str.strip).filter(bool)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(texts=st.lists(_texts, min_size=1, max_size=6), undo=st.booleans())
def test_store_round_trips_any_text(tmp_path_factory, texts, undo):
    path = tmp_path_factory.mktemp("prop") / "c.csv"
    store = CorrectionStore(path)
    for i, t in enumerate(texts):
        store.append(Decision(t, LABELS[i % 6], "en", i % 2, f"f.csv:{i}"))
    if undo:
        store.pop()
    store.close()
    kept = texts[:-1] if undo else texts
    assert [d.text for d in CorrectionStore(path).decisions] == kept
    if kept:
        assert read_corpus_file(path).text == kept


def test_cli_review_prints_url_and_refuses_bad_input(labelled, tiny_model_dir, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from pipeline.cli import app
    from pipeline.review import server as server_mod

    monkeypatch.setattr(server_mod.ReviewServer, "serve", lambda self: self.close())
    runner = CliRunner()
    store = tmp_path / "c.csv"
    r = runner.invoke(
        app, ["review", str(labelled), "--model", str(tiny_model_dir), "--store", str(store), "--port", "8099"]
    )
    assert r.exit_code == 0, r.output
    assert "review at http://127.0.0.1:8099/" in r.output and "10 lines, 0 decided" in r.output
    r = runner.invoke(
        app, ["review", str(labelled), "--model", str(tiny_model_dir), "--store", str(store), "--host", "0.0.0.0"]
    )
    assert r.exit_code == 0 and "access token: " in r.output and "?token=" in r.output
    r = runner.invoke(app, ["review", str(tmp_path / "missing.csv"), "--model", str(tiny_model_dir)])
    assert r.exit_code == 2 and "not found" in r.output
    r = runner.invoke(
        app, ["review", str(labelled), "--model", str(tiny_model_dir), "--store", str(store), "--order", "random"]
    )
    assert r.exit_code == 2 and "unknown order" in r.output
    assert csv.reader(store.open(encoding="utf-8")).__next__() == list(STORE_COLUMNS)
    assert json.loads(json.dumps(STORE_COLUMNS))


def test_serve_refuses_a_port_in_use(labelled, tiny_model_dir, tmp_path):
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        srv = review(labelled, model=tiny_model_dir, store=tmp_path / "c.csv", port=port)
        with pytest.raises(OSError, match=f"cannot listen on 127.0.0.1:{port}"):
            srv.serve()


def test_card_shows_the_military_wording(tmp_path, tiny_model_dir):
    lines = [("Рации Kenwood для нужд  СВО, 5 шт", "8517", "Kenwood"), ("Ноутбук Asus 10 шт", "8471", "Asus")]
    lf = read_labelled(write_labelled(tmp_path, tiny_model_dir, lines))
    assert lf.items[0].file["military_marker"] == "1"
    assert lf.items[0].extra["military_wording"] == "СВО"
    assert "military_wording" not in lf.items[1].extra
