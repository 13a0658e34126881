"""Throughput and peak memory of `dualuse predict` against spaCy's tokeniser and fastText, in one run.

    python bench/throughput.py --model /tmp/bench_model --rows 200000 --big-rows 2000000

Makes a realistic customs dump of N rows from the corpus lines (random quantities, prices, serial numbers,
case changes, extra columns), then runs each mode in its own subprocess (so peak RSS is measured per mode,
summed over the process and its workers) and prints rows/s, peak RSS and the ratios the issue sets as goals.
"""

from __future__ import annotations

import argparse
import csv
import glob
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CHUNK = 10_000


def corpus(pattern: str) -> tuple[list[str], list[str]]:
    texts, labels = [], []
    for path in sorted(glob.glob(str(REPO / pattern))):
        with open(path, encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                if row.get("text") and row.get("label"):
                    texts.append(row["text"])
                    labels.append(row["label"])
    return texts, labels


_NUM = re.compile(r"\d+")


def vary(text: str, rng: random.Random) -> str:
    text = _NUM.sub(lambda m: str(rng.randint(1, 10 ** min(4, len(m.group(0))))), text)
    r = rng.random()
    if r < 0.25:
        text = text.upper()
    elif r < 0.35:
        text = text.lower()
    extras = []
    if rng.random() < 0.5:
        extras.append(f"{rng.randint(1, 500)} {rng.choice(['шт', 'PCS', 'компл.', 'units', 'кг'])}")
    if rng.random() < 0.4:
        extras.append(f"S/N {rng.choice(['SN', 'A', 'ZX', ''])}{rng.randint(10**5, 10**9)}")
    if rng.random() < 0.2:
        extras.append(f"арт. {rng.randint(1000, 99999)}-{rng.choice('ABCDK')}")
    if rng.random() < 0.2:
        extras.append(f"цена {rng.randint(10, 99999)},{rng.randint(0, 99):02d} USD")
    rng.shuffle(extras)
    return " ".join([text, *extras])


REAL_PREVALENCE = 0.005


def make_dump(path: Path, n: int, texts: list[str], seed: int = 0, labels=None, prevalence=None) -> None:
    """Write a dump of ``n`` varied corpus lines; with ``labels`` and ``prevalence``, that share is dual-use."""
    rng = random.Random(seed)
    if prevalence is not None:
        dual = [t for t, lab in zip(texts, labels) if lab != "other"]
        other = [t for t, lab in zip(texts, labels) if lab == "other"]
        texts = [rng.choice(dual) if rng.random() < prevalence else rng.choice(other) for _ in range(n)]
    countries = ["CN", "TR", "AE", "KZ", "HK", "DE", "IN"]
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow(["ND", "G31_1", "G33", "G34", "G38"])
        for i in range(n):
            w.writerow(
                [
                    f"10702070/{rng.randint(10**5, 10**6)}/{i:07d}",
                    vary(rng.choice(texts), rng),
                    f"{rng.randint(10**9, 10**10 - 1)}",
                    rng.choice(countries),
                    f"{rng.uniform(0.1, 900):.3f}",
                ]
            )


def dump_texts(path: Path) -> list[str]:
    with open(path, encoding="utf-8", newline="") as fh:
        return [r["G31_1"] for r in csv.DictReader(fh, delimiter=";")]


# --- the modes, each run in a child process -------------------------------------------------------------------


def mode_spacy(args) -> dict:
    from pipeline.text.tokenise import build_spacy_tokeniser

    texts = dump_texts(args.dump)
    tok = build_spacy_tokeniser("xx").tokenizer
    t = time.perf_counter()
    n = sum(1 for _ in tok.pipe(texts, batch_size=1000))
    return {"rows": n, "seconds": time.perf_counter() - t}


def mode_fasttext(args, char_ngrams: bool) -> dict:
    import fasttext

    texts, labels = corpus(args.corpus)
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False, encoding="utf-8") as fh:
        for t, lab in zip(texts, labels):
            fh.write(f"__label__{lab} {t.lower()}\n")
    kw = {"minn": 2, "maxn": 5} if char_ngrams else {}
    model = fasttext.train_supervised(fh.name, epoch=25, wordNgrams=2, verbose=0, thread=1, seed=0, **kw)
    os.unlink(fh.name)
    data = [t.lower().replace("\n", " ") for t in dump_texts(args.dump)]
    t = time.perf_counter()
    model.predict(data)
    return {"rows": len(data), "seconds": time.perf_counter() - t}


def mode_inmem(args) -> dict:
    from pipeline.model.core import load_model

    model = load_model(args.model)
    texts = dump_texts(args.dump)
    t = time.perf_counter()
    n = 0
    for i in range(0, len(texts), CHUNK):
        n += len(model.predict_batch(texts[i : i + CHUNK]))
    return {"rows": n, "seconds": time.perf_counter() - t}


def mode_file(args, **options) -> dict:
    """``options``: ``explain``/``entities`` of :func:`pipeline.run.predict.predict` (its defaults when left out)."""
    from pipeline.model.core import load_model
    from pipeline.run.predict import predict

    model = load_model(args.model)
    out = Path(args.work) / f"out_{args.jobs}_{args.dump.stem}.csv"
    t = time.perf_counter()
    s = predict(args.dump, out, text_columns=["G31_1"], model=model, jobs=args.jobs, chunk_size=CHUNK, **options)
    secs = time.perf_counter() - t
    out.unlink()
    return {"rows": s.rows, "seconds": secs}


MODES = {
    "spacy": mode_spacy,
    "fasttext": lambda a: mode_fasttext(a, True),
    "fasttext_words": lambda a: mode_fasttext(a, False),
    "inmem": mode_inmem,
    "file": mode_file,
    "file_plain": lambda a: mode_file(a, entities="none", code_column=False),
    "file_entities_all": lambda a: mode_file(a, entities="all"),
    "file_explain": lambda a: mode_file(a, explain=True),
}


def run_child(args, mode: str, dump: Path, jobs: int = 1) -> dict:
    """Run one mode in a subprocess; poll the RSS of it and its children."""
    import psutil

    cmd = [
        sys.executable,
        __file__,
        "--child",
        mode,
        "--dump",
        str(dump),
        "--jobs",
        str(jobs),
        "--model",
        str(args.model),
        "--work",
        str(args.work),
        "--corpus",
        args.corpus,
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, cwd=REPO)
    ps = psutil.Process(proc.pid)
    peak = 0
    while proc.poll() is None:
        try:
            rss = ps.memory_info().rss + sum(c.memory_info().rss for c in ps.children(recursive=True))
            peak = max(peak, rss)
        except psutil.Error:
            pass
        time.sleep(0.1)
    out = proc.stdout.read()
    if proc.returncode:
        raise SystemExit(f"{mode} failed ({proc.returncode}): {out}")
    res = json.loads(out.strip().splitlines()[-1])
    res["peak_rss_mb"] = peak / 2**20
    res["rate"] = res["rows"] / res["seconds"]
    return res


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", default=str(REPO / "models" / "default"), help="model folder")
    p.add_argument("--corpus", default="corpora/handwritten/*.csv", help="corpus glob (columns text,label)")
    p.add_argument("--rows", type=int, default=200_000, help="rows of the throughput dump")
    p.add_argument("--big-rows", type=int, default=2_000_000, help="rows of the memory dump (0: skip)")
    p.add_argument("--work", default=None, help="folder for the dumps (a temporary one by default)")
    p.add_argument("--child", choices=sorted(MODES), help=argparse.SUPPRESS)
    p.add_argument("--dump", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--jobs", type=int, default=1, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        print(json.dumps(MODES[args.child](args)))
        return

    args.work = Path(args.work or tempfile.mkdtemp(prefix="dualuse-bench-"))
    args.work.mkdir(parents=True, exist_ok=True)
    texts, labels = corpus(args.corpus)
    share = sum(lab != "other" for lab in labels) / len(labels)
    small = args.work / f"dump_{args.rows}.csv"
    if not small.exists():
        make_dump(small, args.rows, texts)
    print(
        f"corpus: {len(texts)} lines; dump: {args.rows} rows, {small.stat().st_size / 2**20:.1f} MB; "
        f"cpus: {os.cpu_count()}",
        flush=True,
    )
    results = {}
    for name, mode, jobs in [
        ("spaCy tokeniser alone", "spacy", 1),
        ("fastText predict (word 1-2 grams + char 2-5 grams)", "fasttext", 1),
        ("fastText predict (word 1-2 grams only)", "fasttext_words", 1),
        ("dualuse in memory (predict_batch)", "inmem", 1),
        ("dualuse predict file->file --jobs 1", "file", 1),
        ("dualuse predict file->file --jobs 2", "file", 2),
        ("dualuse predict file->file --jobs 1 --no-entities --no-code-column", "file_plain", 1),
        ("dualuse predict file->file --jobs 1 --entities all", "file_entities_all", 1),
        ("dualuse predict file->file --jobs 1 --explain", "file_explain", 1),
    ]:
        r = run_child(args, mode, small, jobs)
        results[(mode, jobs)] = r
        print(f"{name:<68} {r['rate']:>10,.0f} rows/s   peak RSS {r['peak_rss_mb']:>7.0f} MB", flush=True)
    # A dump at a real prevalence (0.5 % dual-use lines, the rest ordinary goods): what users label.
    real = args.work / f"dump_{args.rows}_real.csv"
    if not real.exists():
        make_dump(real, args.rows, texts, labels=labels, prevalence=REAL_PREVALENCE)
    for name, mode in [("default", "file"), ("--no-entities --no-code-column", "file_plain")]:
        r = run_child(args, mode, real, 1)
        results[(mode, "real")] = r
        label = f"dualuse predict file->file --jobs 1 {name} ({REAL_PREVALENCE:.1%} dual-use dump)"
        print(f"{label:<68} {r['rate']:>10,.0f} rows/s   peak RSS {r['peak_rss_mb']:>7.0f} MB", flush=True)

    def rate(mode, jobs=1):
        return results[(mode, jobs)]["rate"]

    print("\nratios (goal):")
    print(f"  in-memory / fastText (char n-grams)   {rate('inmem') / rate('fasttext'):6.2f}  (>= 1.0)")
    print(f"  in-memory / fastText (words only)     {rate('inmem') / rate('fasttext_words'):6.2f}")
    print(f"  file --jobs 1 / in-memory             {rate('file') / rate('inmem'):6.2f}  (>= 0.7)")
    print(f"  file --jobs 2 / file --jobs 1         {rate('file', 2) / rate('file'):6.2f}  (>= 1.7)")
    print(f"  file default / plain (corpus-like dump, ~{share:.0%} dual-use)  {rate('file') / rate('file_plain'):6.2f}")
    real_ratio = results[("file", "real")]["rate"] / results[("file_plain", "real")]["rate"]
    print(f"  file default / plain ({REAL_PREVALENCE:.1%} dual-use dump)          {real_ratio:6.2f}")
    print(f"  file --entities all / plain                       {rate('file_entities_all') / rate('file_plain'):6.2f}")
    print(f"  file --explain / default                          {rate('file_explain') / rate('file'):6.2f}")

    if args.big_rows:
        rss = {}
        for n in (200_000, args.big_rows):
            dump = args.work / f"dump_{n}.csv"
            if not dump.exists():
                make_dump(dump, n, texts, seed=1)
            r = run_child(args, "file", dump, 2)
            rss[n] = r["peak_rss_mb"]
            print(
                f"file->file --jobs 2 on {n:>9,} rows: {r['rate']:>8,.0f} rows/s   peak RSS {r['peak_rss_mb']:7.0f} MB",
                flush=True,
            )
        print(f"  peak RSS {args.big_rows:,} / 200,000 rows      {rss[args.big_rows] / rss[200_000]:6.2f}  (<= 1.10)")


if __name__ == "__main__":
    main()
