import glob

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline.run.predict import predict
from pipeline.tables import TableReader

from .test_predict import make_dump

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as c:
        yield c


def local_labels(model, src, out):
    predict(src, out, model=model)
    return [r for r, _, _ in TableReader(out).iter_rows()]


def test_dask_csv_equals_local(tiny_model_dir, cluster, tmp_path):
    from pipeline.run.dask_engine import predict_dask

    src = make_dump(tmp_path / "in.csv", n=300)
    want = local_labels(tiny_model_dir, src, tmp_path / "local.csv")
    out = tmp_path / "dask_out"
    s = predict_dask(str(src), out, model=tiny_model_dir, scheduler=cluster.scheduler_address, blocksize=4000)
    assert s.partitions > 1 and s.rows == 300
    df = pd.read_parquet(out)
    assert list(df.columns) == list(want[0])
    assert df["label"].tolist() == [r["label"] for r in want]
    assert df["military_marker"].tolist() == [int(r["military_marker"]) for r in want]
    assert df["Описание товара"].tolist() == [r["Описание товара"] for r in want]
    assert sum(s.labels.values()) == 300


def test_dask_parquet_to_csv_equals_local(tiny_model_dir, cluster, tmp_path):
    from pipeline.run.dask_engine import predict_dask

    src_csv = make_dump(tmp_path / "in.csv", n=120)
    rows = [r for r, _, _ in TableReader(src_csv).iter_rows()]
    for i in range(2):
        pq.write_table(pa.Table.from_pylist(rows[i * 60 : (i + 1) * 60]), tmp_path / f"in-{i}.parquet")
    want = local_labels(tiny_model_dir, src_csv, tmp_path / "local.csv")
    out = tmp_path / "dask_csv"
    predict_dask(
        str(tmp_path / "in-*.parquet"),
        out,
        model=tiny_model_dir,
        scheduler=cluster.scheduler_address,
        output_format="csv",
    )
    parts = sorted(glob.glob(str(out / "part-*.csv")), key=lambda p: int(p.rsplit("-", 1)[1].split(".")[0]))
    df = pd.concat([pd.read_csv(p, dtype=str, keep_default_na=False) for p in parts])
    assert df["label"].tolist() == [r["label"] for r in want]


def test_dask_reports_malformed_rows_like_local(tiny_model_dir, cluster, tmp_path):
    from pipeline.run.dask_engine import predict_dask

    src = tmp_path / "bad.csv"
    good = "".join(f"ноутбук защищенный Getac B{i},{i}\n" for i in range(40))
    src.write_bytes(
        "text,qty\nквадрокоптер DJI,1\n".encode()
        + b"\xd0\xbd\xd0\xbe\xff\xfe,2\n"
        + f'"broken quote,3\nноутбук,4\na,b,c\nshort\n{good}'.encode()
    )
    predict(src, tmp_path / "local.csv", model=tiny_model_dir, encoding="utf-8")
    want = [r for r, _, _ in TableReader(tmp_path / "local.csv").iter_rows()]
    out = tmp_path / "dask_bad"
    s = predict_dask(
        str(src), out, model=tiny_model_dir, scheduler=cluster.scheduler_address, blocksize=300, encoding="utf-8"
    )
    df = pd.read_parquet(out)
    assert s.partitions > 1 and s.rows == len(want) == 46
    assert df["status"].tolist() == [r["status"] for r in want]
    assert df["label"].tolist() == [r["label"] for r in want]
    assert df["text"].tolist() == [r["text"] for r in want]
    assert df["status"].iloc[1].startswith("undecodable")
    assert s.failed == sum(r["status"] not in ("ok", "empty", "truncated") for r in want) == 4


@pytest.mark.parametrize("kind", ["mixed", "utf-16"])
def test_dask_reads_encodings_like_local(tiny_model_dir, cluster, tmp_path, kind):
    """Issue 10 item 1: lines in another encoding are decided per line, in every block, as the local engine does."""
    from pipeline.run.dask_engine import predict_dask

    src = tmp_path / "enc.csv"
    lines = [f"{i},{'Квадрокоптер DJI' if i % 2 else 'Ноутбук Lenovo'} {i}\n" for i in range(60)]
    if kind == "mixed":
        data = b"id,text\n" + b"".join(ln.encode("cp1251" if i % 7 == 3 else "utf-8") for i, ln in enumerate(lines))
    else:
        data = ("id,text\n" + "".join(lines)).encode("utf-16")
    src.write_bytes(data)
    predict(src, tmp_path / "local.csv", model=tiny_model_dir)
    want = [r for r, _, _ in TableReader(tmp_path / "local.csv").iter_rows()]
    out = tmp_path / "dask_enc"
    s = predict_dask(str(src), out, model=tiny_model_dir, scheduler=cluster.scheduler_address, blocksize=400)
    df = pd.read_parquet(out)
    assert s.rows == len(want) == 60
    assert df["text"].tolist() == [r["text"] for r in want] == [ln.split(",", 1)[1].strip() for ln in lines]
    assert df["status"].tolist() == [r["status"] for r in want]
    if kind == "mixed":
        assert s.partitions > 1 and s.failed == 9 and df["status"].iloc[3] == "recoded from cp1251"


def test_dask_texts_join_as_row_text():
    """The Dask engine joins text columns with the local engine's row_text (NaN is a missing value there)."""
    from pipeline.run.dask_engine import _texts
    from pipeline.tables import row_text

    df = pd.DataFrame(
        {"a": [" дрон ", None, float("nan"), "", 7, "x"], "b": ["DJI", "  ", "ноутбук", None, 2.5, float("nan")]}
    )
    expected = ["дрон DJI", "", "ноутбук", "", "7 2.5", "x"]
    assert _texts(df, ["a", "b"]) == expected
    rows = [{k: (None if v != v else v) for k, v in r.items()} for r in df.to_dict("records")]
    assert [row_text(r, ["a", "b"]) for r in rows] == expected
