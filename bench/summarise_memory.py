"""Peak memory of `dualuse summarise` on a 200,000-row and a 2,000,000-row labelled file.

Generates both files in /tmp (streamed, a chunk at a time; the format of `dualuse predict` output: UTF-8 CSV with
BOM), runs `pipeline.summarise.summarise` on each in a fresh subprocess and prints the child's peak RSS
(resource.getrusage ru_maxrss, read in the child at the end of the run), the seconds and the ratio.

    python bench/summarise_memory.py [--small 200000] [--large 2000000] [--keep]
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LABELS = ["drone", "counter_drone", "rugged_computer", "navigation", "aircraft_parts", "other"]
WEIGHTS = [4, 1, 1, 2, 1, 91]
COLUMNS = [
    "Описание товара",
    "Дата ДТ",
    "Стоимость, USD",
    "Получатель",
    "Отправитель",
    "Страна происхождения",
    "label",
    "score",
    "military_marker",
    "status",
    "review",
    "candidate",
    "familiarity",
    "brand",
]
CHUNK = 10_000


def generate(path: Path, rows: int, seed: int = 1) -> None:
    """Write a labelled CSV of ``rows`` rows, ``CHUNK`` rows at a time."""
    rng = random.Random(seed)
    importers = [f"ООО «ИМПОРТЕР {i}»" for i in range(300)]
    exporters = [f"EXPORTER {i} LTD" for i in range(200)]
    countries = ["CN", "HK", "AE", "TR", "KZ", "IN", "DE", "US", "JP", "TW"]
    brands = [f"BRAND{i}" for i in range(60)] + [""]
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(COLUMNS)
        for start in range(0, rows, CHUNK):
            batch = []
            for i in range(start, min(rows, start + CHUNK)):
                label = rng.choices(LABELS, WEIGHTS)[0]
                roll = rng.random()
                date = (
                    ""
                    if roll < 0.01
                    else "32.13.2023"
                    if roll < 0.02
                    else f"{rng.randint(1, 28):02d}.{rng.randint(1, 12):02d}.{rng.randint(2020, 2024)}"
                )
                cents = f"{rng.randint(1, 500000)},{rng.randint(0, 99)}"
                value = "" if roll > 0.99 else "н/д" if roll > 0.98 else cents
                batch.append(
                    [
                        f"ТОВАР {i} {label} КВАДРОКОПТЕР МОДЕЛЬ X{i % 997}",
                        date,
                        value,
                        rng.choice(importers),
                        rng.choice(exporters),
                        rng.choice(countries),
                        label,
                        f"{rng.random():.4f}",
                        int(rng.random() < 0.01),
                        "ok",
                        int(rng.random() < 0.02),
                        "",
                        "0.9",
                        rng.choice(brands),
                    ]
                )
            writer.writerows(batch)


def child(path: str, out: str) -> None:
    """Run summarise and print JSON: peak RSS in MiB, seconds, rows."""
    import resource

    sys.path.insert(0, str(ROOT))
    from pipeline.summarise import summarise

    t0 = time.perf_counter()
    s = summarise(path, out)
    seconds = time.perf_counter() - t0
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"peak_mib": peak_kib / 1024, "seconds": seconds, "rows": s.headline["rows"]}))


def measure(path: Path, out: Path) -> dict:
    """Summarise ``path`` in a fresh interpreter and return its figures."""
    proc = subprocess.run(
        [sys.executable, __file__, "--child", str(path), str(out)], capture_output=True, text=True, check=True, cwd=ROOT
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--small", type=int, default=200_000)
    ap.add_argument("--large", type=int, default=2_000_000)
    ap.add_argument("--keep", action="store_true", help="keep the generated files")
    ap.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(*args.child)
        return
    tmp = Path(tempfile.mkdtemp(prefix="summarise-bench-", dir="/tmp"))
    results = {}
    for name, rows in (("small", args.small), ("large", args.large)):
        path = tmp / f"labelled_{rows}.csv"
        t0 = time.perf_counter()
        generate(path, rows)
        gen = time.perf_counter() - t0
        r = measure(path, tmp / f"summary_{rows}")
        results[name] = r
        print(
            f"{rows:>10,} rows ({path.stat().st_size / 2**20:,.0f} MiB CSV, generated in {gen:.0f}s): "
            f"peak RSS {r['peak_mib']:.1f} MiB, summarise {r['seconds']:.1f}s "
            f"({rows / r['seconds']:,.0f} rows/s)",
            flush=True,
        )
        assert r["rows"] == rows, (r["rows"], rows)
        if not args.keep:
            path.unlink()
    ratio = results["large"]["peak_mib"] / results["small"]["peak_mib"]
    print(f"peak RSS ratio large/small: {ratio:.3f} ({(ratio - 1) * 100:+.1f} %)")


if __name__ == "__main__":
    main()
