"""Build labelled corpus rows from the real HS 2022 (English) and ТН ВЭД ЕАЭС (Russian) nomenclature texts.

Labels come from the explicit prefix table ``corpora/hs_label_map.csv`` (longest prefix wins; a row with a
``text`` pattern applies only to texts it matches; codes without a prefix are ``other``; ``exclude`` drops the
code). Rows of ``8807`` that name unmanned aircraft are dropped,
because drone parts are ``drone`` while the rest of 8807 is ``aircraft_parts``. All positive rows are kept; the
``other`` rows are a seeded sample, so that official wording does not swamp the hand-written declarations; the
sample is drawn by a seeded hash of each row, so relabelling a few rows changes only those rows. Texts that would
carry two labels are dropped.

Run from the repository root::

    python corpora/build_nomenclature.py            # writes corpora/nomenclature/{hs_en,tnved_ru}.csv
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import re
from pathlib import Path

HERE = Path(__file__).resolve().parent
UNMANNED = re.compile(r"беспилотн|unmanned", re.IGNORECASE)


def load_map(path: Path) -> list[tuple[str, str, re.Pattern | None]]:
    """Read the prefix → label table: ``(prefix without dots, label, text pattern or None)``, longest prefix first."""
    with path.open(encoding="utf-8") as fh:
        rows = [
            (r["prefix"].replace(".", ""), r["label"], re.compile(r["text"], re.IGNORECASE) if r.get("text") else None)
            for r in csv.DictReader(fh)
        ]
    return sorted(rows, key=lambda r: (-len(r[0]), r[2] is None))


def label_for(code: str, text: str, table: list[tuple[str, str, re.Pattern | None]]) -> str:
    """Label of one code and text: the longest matching prefix's label, ``other`` when none matches.

    A row with a text pattern applies only when the text matches it, and wins over a plain row of the same prefix
    length (``8526.10`` "for civil aircraft" is navigation radar; the rest of 8526.10 is left out).
    """
    for prefix, label, pattern in table:
        if code.startswith(prefix) and (pattern is None or pattern.search(text)):
            if prefix == "8807" and UNMANNED.search(text):
                return "exclude"
            return label
    return "other"


def build(source: str, rows: list[tuple[str, str]], lang: str, table, n_other: int, seed: int):
    """Label ``(code, text)`` rows, drop conflicts and excluded codes, sample ``other``."""
    by_text: dict[str, tuple[str, set[str]]] = {}
    for code, text in rows:
        text = re.sub(r"(?<=\D)\d{1,2}\)", "", re.sub(r"\s+", " ", text)).strip()
        if len(code) < 4 or not text:
            continue
        label = label_for(code, text, table)
        if label == "exclude":
            continue
        first_code, labels = by_text.setdefault(text, (code, set()))
        labels.add(label)
    kept = [(code, text, labels.pop()) for text, (code, labels) in by_text.items() if len(labels) == 1]
    positives = [r for r in kept if r[2] != "other"]
    others = [r for r in kept if r[2] == "other"]
    others.sort(key=lambda r: hashlib.sha256(f"{seed}:{r[0]}:{r[1]}".encode()).hexdigest())
    chosen = sorted(positives + others[:n_other])
    return [
        {
            "text": text,
            "label": label,
            "lang": lang,
            "marker": 0,
            "source": source,
            "group": f"{source}:{code}",
            "style": "nomenclature",
            "code": code,
        }
        for code, text, label in chosen
    ]


def main() -> None:
    """Write the nomenclature corpus files."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--other-ru", type=int, default=3000, help="other rows sampled from ТН ВЭД")
    ap.add_argument("--other-en", type=int, default=2000, help="other rows sampled from HS 2022")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--out", type=Path, default=HERE / "nomenclature")
    args = ap.parse_args()
    table = load_map(HERE / "hs_label_map.csv")
    with (HERE / "reference" / "harmonized-system.csv").open(encoding="utf-8-sig") as fh:
        hs = [(r["hscode"], r["description"]) for r in csv.DictReader(fh) if r["level"] in ("4", "6")]
    with (HERE / "reference" / "tnved.csv").open(encoding="utf-8") as fh:
        tn = [(r["code"], r["description_ru"]) for r in csv.DictReader(fh)]
    args.out.mkdir(parents=True, exist_ok=True)
    for name, rows in (
        ("hs_en", build("hs2022", hs, "en", table, args.other_en, args.seed)),
        ("tnved_ru", build("tnved", tn, "ru", table, args.other_ru, args.seed)),
    ):
        path = args.out / f"{name}.csv"
        with path.open("w", encoding="utf-8", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=list(rows[0]))
            w.writeheader()
            w.writerows(rows)
        counts: dict[str, int] = {}
        for r in rows:
            counts[r["label"]] = counts.get(r["label"], 0) + 1
        print(f"{path}: {len(rows)} rows {dict(sorted(counts.items()))}")


if __name__ == "__main__":
    main()
