"""Held-out lines wrapped in declaration boilerplate: does the frame of a real dump change the label?

Real declaration lines (graph 31) and trade-data rows carry a description inside a frame that says nothing about the
goods: maker, trade mark, model, quantity, origin, «НЕ ЯВЛЯЕТСЯ ТОВАРОМ ВОЕННОГО НАЗНАЧЕНИЯ», "NOT FOR MILITARY USE".
A bulk-labelling run over a dump at 0.5 % dual-use lives or dies by what that frame does to ordinary lines. This
script fits the recipe leave-one-source-out (as ``bench/compare.py --loso``), scores each held-out line as written and
wrapped in a frame of its language (seeded, one frame per line), and prints per fold: macro-F1 as written and wrapped,
the dual-use recall both ways, and on the ordinary folds (gold ``other`` of nomenclature and real) the share labelled
dual-use both ways::

    python bench/wrapped_lines.py --folds nomenclature real w3_english w28_everyday_ru [--jobs 2] [--section.key v]

The frames are made up (the makers, marks and models are invented and neutral); what they measure is the effect of
the frame, not of any one real dump.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from pipeline.config import LABELS, parse_overrides  # noqa: E402
from pipeline.evaluation.metrics import classification_metrics  # noqa: E402
from pipeline.training.corpus import read_corpus  # noqa: E402
from pipeline.training.crossval import leave_one_source_out  # noqa: E402
from pipeline.training.recipe import load_config  # noqa: E402

sys.path.insert(0, str(REPO / "bench"))
from compare import DualuseSystem, charwb_peer_fit_predict, fit_model, operating_point  # noqa: E402

ORDINARY_FOLDS = ("nomenclature", "real")
_CYRILLIC = re.compile(r"[А-Яа-яЁё]")
MAKERS_RU = [
    "ООО «ТЕХСНАБ»",
    "SHENZHEN HUAXIN TECHNOLOGY CO., LTD",
    "NINGBO YONGLI INDUSTRIAL CO., LTD",
    "АО «ПРОМКОМПЛЕКТ»",
    "GUANGZHOU MINGDA ELECTRONICS CO., LTD",
    "ZHEJIANG BOTE MACHINERY CO., LTD",
    "ИП ИВАНОВ А.А.",
]
MAKERS_EN = [
    "SHENZHEN HUAXIN TECHNOLOGY CO., LTD",
    "NINGBO YONGLI INDUSTRIAL CO., LTD",
    "XIAMEN TOPSUN TRADING CO.",
    "GUANGZHOU MINGDA ELECTRONICS CO., LTD",
    "ZHEJIANG BOTE MACHINERY CO., LTD",
    "ANHUI KEDA GROUP",
]
MARKS = ["HUAXIN", "YONGLI", "MINGDA", "BOTE", "KEDA", "TOPSUN"]
FRAMES = {
    "ru": [
        "{t}. ИЗГОТОВИТЕЛЬ {maker}, ТОВАРНЫЙ ЗНАК {mark}, МОДЕЛЬ {model}, КОЛ-ВО {n} ШТ",
        "{t}, НЕ ЯВЛЯЕТСЯ ТОВАРОМ ВОЕННОГО НАЗНАЧЕНИЯ, НЕ ЛОМ ЭЛЕКТРООБОРУДОВАНИЯ. ИЗГОТОВИТЕЛЬ {maker}, "
        "ТОВАРНЫЙ ЗНАК ОТСУТСТВУЕТ, АРТИКУЛ {model}, {n} ШТ",
        "1. {t} - {n} ШТ., ПРОИЗВОДИТЕЛЬ: {maker}, СТРАНА ПРОИСХОЖДЕНИЯ: КИТАЙ, НОВЫЙ, В ЗАВОДСКОЙ УПАКОВКЕ",
        "{t}: ИЗГОТОВИТЕЛЬ {maker} ТОВАРНЫЙ ЗНАК {mark} МАРКА {mark} МОДЕЛЬ {model} КОЛИЧЕСТВО {n} ШТ. ДАТА "
        "ИЗГОТОВЛЕНИЯ 2023",
    ],
    "en": [
        "{t}, MANUFACTURER {maker}, BRAND {mark}, MODEL {model}, QTY {n} PCS",
        "{t} - {n} PCS, NEW, ORIGINAL PACKING, MADE IN CHINA, NOT FOR MILITARY USE",
        "{t}; SHIPPER {maker}; {n} CARTONS SAID TO CONTAIN {n} PCS",
        "ITEM: {t} / MODEL {model} / BRAND {mark} / ORIGIN: CHINA / QTY: {n} SETS",
    ],
}


def wrap(text: str, i: int, seed: int = 0) -> str:
    """``text`` inside a declaration frame of its language, chosen by a generator seeded with ``seed`` and ``i``."""
    rng = random.Random(seed * 1_000_003 + i)
    lang = "ru" if _CYRILLIC.search(text) else "en"
    model = f"{rng.choice('ABHKMTXY')}{rng.choice('BDFLRZ')}-{rng.randint(10, 9999)}{rng.choice(['', 'A', 'S', 'B'])}"
    return rng.choice(FRAMES[lang]).format(
        t=text.strip().rstrip("."),
        maker=rng.choice(MAKERS_RU if lang == "ru" else MAKERS_EN),
        mark=rng.choice(MARKS),
        model=model,
        n=rng.choice([1, 2, 5, 10, 20, 50, 100, 500]),
    )


class WrappedSystem(DualuseSystem):
    """dualuse's ``fit_predict`` that also labels every held-out line wrapped (``extra["wrapped"]``)."""

    def __call__(self, train_x, train_y, sources, test_x):
        model = fit_model(self.cfg, train_x, train_y, sources)
        model.meta = {**model.meta, **operating_point(self.cfg)}
        batch = model.predict_batch(test_x)
        wrapped = model.predict_batch([wrap(t, i) for i, t in enumerate(test_x)])
        return batch.labels, batch.scores, {"labels": list(batch.labels), "wrapped": list(wrapped.labels)}


def wrapped_peer(train_x, train_y, sources, test_x):
    """The plain char_wb peer of issue 9, as written and wrapped (fitted once)."""
    n = len(test_x)
    labels = charwb_peer_fit_predict(train_x, train_y, list(test_x) + [wrap(t, i) for i, t in enumerate(test_x)])
    return labels[:n], None, {"labels": labels[:n], "wrapped": labels[n:]}


def dual_use_recall(gold, pred) -> float:
    """Share of gold dual-use lines given any dual-use label."""
    pos = [(g, p) for g, p in zip(gold, pred) if g != "other"]
    return sum(p != "other" for _, p in pos) / max(len(pos), 1)


def fold_rows(res: dict, corpus, ood, names: list[str]) -> list[dict]:
    """Per fold and system: macro-F1 and dual-use recall as written and wrapped, false dual-use labels both ways."""
    from pipeline.training.crossval import source_of_file

    fold_of = [source_of_file(f) for f in corpus.file]
    rows = []
    for f in res["folds"]:
        idx = [i for i, s in enumerate(fold_of) if s == f["fold"]]
        gold = list(ood.label) if f["fold"] == "ood" else [corpus.label[i] for i in idx]
        row = {"fold": f["fold"], "n": len(gold)}
        for name in names:
            for way in ("labels", "wrapped"):
                pred = list(f["extra"][name][way])
                key = f"{name}/{way}"
                row[key] = classification_metrics(gold, pred, LABELS)["macro_f1"]
                row[key + "/recall"] = dual_use_recall(gold, pred)
                row[key + "/fp"] = sum(g == "other" and p != "other" for g, p in zip(gold, pred))
                row[key + "/other"] = sum(g == "other" for g in gold)
        rows.append(row)
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--config", default="configs/default.cfg")
    ap.add_argument("--folds", nargs="+", required=True)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--no-peer", action="store_true", help="leave out the char_wb peer")
    args, extra = ap.parse_known_args()
    cfg = load_config(args.config, parse_overrides(extra))
    corpus = read_corpus(cfg["paths"]["corpus"], cfg["corpus"]["text_column"], cfg["corpus"]["label_column"])
    ood = read_corpus([cfg["paths"]["ood"]]) if cfg["paths"].get("ood") else None
    systems = (
        {"dualuse": WrappedSystem(cfg)} if args.no_peer else {"dualuse": WrappedSystem(cfg), "char_wb": wrapped_peer}
    )
    res = leave_one_source_out(cfg, corpus, systems, ood=ood, only=args.folds, n_jobs=args.jobs)
    names = list(systems)
    rows = fold_rows(res, corpus, ood, names)
    cols = [f"{n}/{w}" for n in names for w in ("labels", "wrapped")]
    heads = [f"{n} {'as written' if w == 'labels' else 'wrapped'}" for n in names for w in ("labels", "wrapped")]
    print("macro-F1 (dual-use recall) of each held-out source, as written and wrapped in a declaration frame:")
    print("| held-out source | lines | " + " | ".join(heads) + " |")
    print("|---|---|" + "---|" * len(cols))
    for r in rows:
        cells = [f"{r[c]:.3f} ({r[c + '/recall']:.3f})" for c in cols]
        print(f"| {r['fold']} | {r['n']} | " + " | ".join(cells) + " |")
    print("| **mean** | | " + " | ".join(f"{np.mean([r[c] for r in rows]):.3f}" for c in cols) + " |")
    ordinary = [r for r in rows if r["fold"] in ORDINARY_FOLDS]
    if ordinary:
        n_other = sum(r[cols[0] + "/other"] for r in ordinary)
        print(f"ordinary lines (gold other of the held-out nomenclature and real folds): {n_other}; labelled dual-use:")
        for c, h in zip(cols, heads):
            fp = sum(r[c + "/fp"] for r in ordinary)
            print(f"  {h}: {fp} ({fp / max(n_other, 1):.3%})")


if __name__ == "__main__":
    main()
