"""Shared helpers of the review tests: an unlabelled input of unseen lines, labelled with the tiny model."""

from __future__ import annotations

import csv
from pathlib import Path

from pipeline.run.predict import predict

# Lines the tiny model never saw; the first is one it gets wrong (a case for a rugged laptop is `other`).
WRONG_LINE = "Кейс для защищённого ноутбука Panasonic Toughbook CF-33 IP65"
NASTY_LINE = "<script>alert('x')</script> GPS tracker & <b>bold</b>"
LINES = [
    (WRONG_LINE, "4202", "Panasonic"),
    (NASTY_LINE, "8526", ""),
    ("Чехол для планшета Getac 10 шт", "4202", "Getac"),
    ("Гироскоп для навигации 2 шт", "9014", ""),
    ("", "", ""),
    ("Jammer 8 bands 20 W portable", "8543", ""),
    ("Чехол для планшета Getac 10 шт", "4202", "Getac"),
    ("Aircraft brake disc A320 4 pcs", "8803", "Safran"),
    ("Ноутбук Asus VivoBook 15 10 шт", "8471", "Asus"),
    ("FPV камера для дрона 20 шт", "8525", ""),
    ("Rugged tablet IP68 Galaxy Tab Active5", "8471", "Samsung"),
]


def write_labelled(tmp: Path, model_dir: Path, lines=LINES) -> Path:
    """Write the input CSV (text, hs_code, brand) and label it with ``dualuse predict``'s library function."""
    tmp.mkdir(parents=True, exist_ok=True)
    src = tmp / "input.csv"
    with src.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["text", "hs_code", "brand"])
        w.writerows(lines)
    out = tmp / "labelled.csv"
    predict(src, out, model=model_dir, jobs=1, overwrite=True)
    return out


def read_store(path: Path) -> list[dict[str, str]]:
    with Path(path).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))
