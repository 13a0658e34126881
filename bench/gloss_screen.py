"""Candidates G to G4 of session 55 (all refused): WordNet glosses for English words the fitted model does not know.

A linear model ignores words it never saw, so a tariff term such as "altimeters" or "ram-jets" is scored on nothing.
These candidates append the first-sense gloss of such a word (Princeton WordNet 3.0 nouns, with WordNet's plural
rules and exception list; the gloss's content words and its hypernym's lemma names) to the line before scoring. The
fit is not changed; familiarity and the line rules read the original line. Modes:

- ``all`` (G): every Latin-letter word, hyphen-joined form or adjacent pair that the model's word vocabulary lacks;
- ``pairs-unknown`` (G2): as G, but a pair only when one of its two words is unknown;
- ``unfamiliar`` (G3, G4): G2 only on lines whose familiarity is below 0.75; also saves, for one-word lines with a
  gloss, the score of "word ; gloss", which ``--score`` uses for G4 (the bare-word rule spares a word whose gloss
  gives the same class at its threshold).

WordNet is not bundled: Debian's ``wordnet-base`` package holds it (``apt-get download wordnet-base`` and
``dpkg-deb -x`` it; the files are under ``usr/share/wordnet``)::

    export PYTHONPATH=$PWD:$PWD/bench
    python bench/gloss_screen.py --wordnet /usr/share/wordnet --mode unfamiliar -- --loso --jobs 2 \\
        --systems char_wb_svc --folds real nomenclature --seeds 0 1 --save /tmp/oof_G4
    python bench/gloss_screen.py --wordnet /usr/share/wordnet --score /tmp/oof_G4.seed0 /tmp/oof_G4.seed1
    python bench/gloss_screen.py --wordnet /usr/share/wordnet --mode unfamiliar --files corpora/unseen/*.csv
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from functools import cache
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

import compare  # noqa: E402

from pipeline.training.fit import fit_model, operating_point  # noqa: E402

MODES = ("all", "pairs-unknown", "unfamiliar")
UNFAMILIAR = 0.75
STOP = frozenset(
    """a an the of for and or to in on at by with from as that which who whom whose is are was were be been being used
    use uses using it its this these those such other than into onto over under about above below between any some one
    two three more most less very can may must not no nor but if then so also etc especially usually often typically
    something someone thing things kind type form part small large having has have made make makes""".split()
)
PLURALS = [("ses", "s"), ("xes", "x"), ("zes", "z"), ("ches", "ch"), ("shes", "sh"), ("men", "man"), ("ies", "y")]
PLURALS.append(("s", ""))
WORD = re.compile(r"[A-Za-z]+(?:-[A-Za-z]+)*")


@cache
def wordnet(folder: str) -> tuple[dict[str, str], dict[str, str]]:
    """Lemma → expansion words (first noun sense) and WordNet's noun exception list, read from ``folder``."""
    synsets = {}
    with open(Path(folder) / "data.noun", encoding="latin-1") as fh:
        for line in fh:
            if line.startswith("  "):
                continue
            head, _, gloss = line.partition(" | ")
            f = head.split()
            n = int(f[3], 16)
            words = [f[4 + 2 * i].lower() for i in range(n)]
            p = 4 + 2 * n
            hyper = [f[p + 2 + 4 * i] for i in range(int(f[p])) if f[p + 1 + 4 * i] in ("@", "@i")]
            synsets[f[0]] = (words, hyper, re.sub(r'"[^"]*"', " ", gloss).strip())
    glosses = {}
    with open(Path(folder) / "index.noun", encoding="latin-1") as fh:
        for line in fh:
            if line.startswith("  "):
                continue
            f = line.split()
            _, hyper, gloss = synsets[f[-int(f[2])]]
            content = [t for t in re.findall(r"[a-z]+", gloss.lower()) if len(t) > 2 and t not in STOP]
            names = [w.replace("_", " ") for w in synsets[hyper[0]][0][:2]] if hyper else []
            glosses[f[0]] = " ".join(dict.fromkeys(names + content))
    exceptions = {}
    with open(Path(folder) / "noun.exc", encoding="latin-1") as fh:
        for line in fh:
            f = line.split()
            if len(f) >= 2:
                exceptions[f[0]] = f[1]
    return glosses, exceptions


def base(word: str, folder: str) -> str | None:
    """The WordNet lemma of a lower-case word or collocation (``a_b``), by the exception list and plural rules."""
    glosses, exceptions = wordnet(folder)
    if word in glosses:
        return word
    if exceptions.get(word) in glosses:
        return exceptions[word]
    for suffix, repl in PLURALS:
        if word.endswith(suffix) and len(word) > len(suffix) + 1 and word[: -len(suffix)] + repl in glosses:
            return word[: -len(suffix)] + repl
    return None


def expansions(text: str, known: set, bigrams: set, folder: str, pairs_need_unknown: bool) -> list[str]:
    """The glosses appended to one line: of pairs WordNet holds as one lemma, else of single unknown words."""
    glosses = wordnet(folder)[0]
    words = [w.lower() for w in WORD.findall(text)]
    adds, i = [], 0
    while i < len(words):
        a = words[i]
        if i + 1 < len(words) and "-" not in a + words[i + 1] and f"{a} {words[i + 1]}" not in bigrams:
            b = words[i + 1]
            hit = None
            if not (pairs_need_unknown and a in known and b in known):
                hit = base(f"{a}_{b}", folder) or base(a + b, folder)
            if hit:
                adds.append(glosses[hit])
                i += 2
                continue
        parts = a.split("-")
        if len(parts) == 1:
            hit = None if a in known else base(a, folder)
        else:
            joined = "".join(parts)
            hit = None if joined in known else base(joined, folder) or base("_".join(parts), folder)
        if hit:
            adds.append(glosses[hit])
        i += 1
    return adds


def expanded_texts(model, texts, familiarity, mode: str, folder: str) -> list[str]:
    """Each text with its glosses appended (unchanged where the mode expands nothing)."""
    voc = model.pipeline.named_steps["features"].vocabulary_
    known = {f[2:] for f in voc if f.startswith("w:") and " " not in f}
    bigrams = {f[2:] for f in voc if f.startswith("w:") and f.count(" ") == 1}
    out = []
    for text, fam in zip(texts, familiarity):
        if mode == "unfamiliar" and fam >= UNFAMILIAR:
            out.append(text)
            continue
        adds = expansions(text, known, bigrams, folder, mode != "all")
        out.append(text if not adds else text + " ; " + " ; ".join(adds))
    return out


def gloss_scores(model, texts, folder: str) -> np.ndarray:
    """Scores of "word ; gloss" for one-word lines whose word WordNet holds (NaN rows elsewhere)."""
    from pipeline.model.decision import word_counts

    out = np.full((len(texts), len(model.classes)), np.nan)
    rows, glossed = [], []
    for i in np.flatnonzero(word_counts(texts) == 1).tolist():
        words = WORD.findall(texts[i])
        if len(words) == 1:
            w = words[0].lower()
            hit = base(w.replace("-", ""), folder) or base(w.replace("-", "_"), folder)
            if hit:
                rows.append(i)
                glossed.append(f"{texts[i]} ; {wordnet(folder)[0][hit]}")
    if rows:
        out[rows] = model.predict_batch(glossed).proba
    return out


class GlossSystem(compare.DualuseSystem):
    """The fold's fit with the scores of the expanded lines (mode and WordNet folder from the environment)."""

    def __call__(self, train_x, train_y, sources, test_x):
        mode, folder = os.environ["GLOSS_MODE"], os.environ["GLOSS_WORDNET"]
        model = fit_model(self.cfg, train_x, train_y, sources)
        model.meta = {**model.meta, **operating_point(self.cfg)}
        batch = model.predict_batch(test_x)
        exp = expanded_texts(model, test_x, batch.familiarity, mode, folder)
        idx = [i for i, (a, b) in enumerate(zip(exp, test_x)) if a != b]
        proba = batch.proba.copy()
        if idx:
            proba[idx] = model.predict_batch([exp[i] for i in idx]).proba
        extra = {"proba": proba, "classes": batch.classes, "familiarity": batch.familiarity, "expanded": len(idx)}
        if mode == "unfamiliar":
            extra["gloss_proba"] = gloss_scores(model, test_x, folder)
        return batch.labels, batch.scores, extra


def score(paths: list[str]) -> None:
    """Print each saved run's fold scores and false labels, and with gloss scores saved, G4's."""
    import joblib
    import seed_ensemble_oof as S
    import thresholds_oof as T

    from pipeline.config import LABELS
    from pipeline.evaluation.metrics import classification_metrics

    for path in paths:
        saved = joblib.load(path)
        prep = S.prepared([path], REPO / "configs" / "default.cfg")
        th = prep["rule"]["thresholds"]
        rows = {"saved scores": ([], 0), "G4": ([], 0)}
        for fold, raw in zip(prep["runs"][0], saved["folds"]):
            name, gold, classes = fold[0], fold[1], fold[3]
            texts, terms, norm = prep["texts"][name], prep["terms"][name], prep["normalise"]
            labels = S.relabel(fold, texts, terms, prep["rule"], norm)
            g4 = list(labels)
            gp = raw["extra"]["dualuse"].get("gloss_proba")
            if gp is not None:
                no_bare = S.relabel(fold, texts, terms, {**prep["rule"], "bare": 0}, norm)
                for i, (a, b) in enumerate(zip(labels, no_bare)):
                    if a == "other" and b != "other" and not np.isnan(gp[i]).any():
                        j = int(np.argmax(gp[i]))
                        if classes[j] == b and gp[i][j] >= th.get(b, 0.5):
                            g4[i] = b
            for key, lab in (("saved scores", labels), ("G4", g4)):
                f1s, false = rows[key]
                f1s.append(classification_metrics(gold, lab, LABELS)["macro_f1"])
                if name in T.ORDINARY_FOLDS:
                    false += sum(g == "other" and p != "other" for g, p in zip(gold, lab))
                rows[key] = (f1s, false)
        for key, (f1s, false) in rows.items():
            if key == "G4" and saved["folds"][0]["extra"]["dualuse"].get("gloss_proba") is None:
                continue
            folds = " ".join(f"{n}={f:.4f}" for n, f in zip(prep["folds"], f1s))
            print(f"{Path(path).name} {key}: {folds} mean={np.mean(f1s):.4f} false={false}")


def files(paths: list[str], mode: str, folder: str, model_path: str) -> None:
    """Macro-F1 and false labels of the bundled model on check files, without and with the expansion (the line
    rules and familiarity on the original lines)."""
    from pipeline.config import LABELS
    from pipeline.evaluation.metrics import classification_metrics
    from pipeline.model.core import load_model
    from pipeline.training.corpus import read_corpus

    model = load_model(model_path)
    steps = model.pipeline.steps
    at = [n for n, _ in steps].index("classifier")
    for path in paths:
        corpus = read_corpus([path])
        texts, gold = list(corpus.text), list(corpus.label)
        batch = model.predict_batch(texts)
        exp = expanded_texts(model, texts, batch.familiarity, mode, folder)
        proba = model.predict_batch(exp).proba
        clf, peer = steps[at][1], model.peer
        keep = np.flatnonzero(batch.proba.any(axis=1))
        steps[at] = ("classifier", _Fixed(proba[keep], clf.classes_))
        model.peer = None
        try:
            labels = model.predict_batch(texts).labels
        finally:
            steps[at], model.peer = ("classifier", clf), peer
        out = []
        for lab in (batch.labels, labels):
            f1 = classification_metrics(gold, lab, LABELS)["macro_f1"]
            out.append((f1, sum(g == "other" and p != "other" for g, p in zip(gold, lab))))
        n = sum(a != b for a, b in zip(exp, texts))
        print(f"{Path(path).name}: {out[0][0]:.4f} -> {out[1][0]:.4f}, false {out[0][1]} -> {out[1][1]}, expanded {n}")


class _Fixed:
    """A classifier stand-in that returns given scores (to run the line rules over expanded-text scores)."""

    def __init__(self, proba, classes):
        self.proba, self.classes_ = proba, classes

    def predict_proba(self, rows):
        return self.proba


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--wordnet", required=True, help="folder of WordNet 3.0's data.noun, index.noun, noun.exc")
    ap.add_argument("--mode", choices=MODES, default="unfamiliar")
    ap.add_argument("--score", nargs="+", help="print the figures of saved runs instead")
    ap.add_argument("--files", nargs="+", help="check files for the bundled model, without and with the expansion")
    ap.add_argument("--model", default=str(REPO / "models" / "default"))
    ap.add_argument("compare_args", nargs=argparse.REMAINDER, help="after --: the arguments of bench/compare.py")
    args = ap.parse_args()
    if args.score:
        score(args.score)
    elif args.files:
        files(args.files, args.mode, args.wordnet, args.model)
    else:
        import gloss_screen

        os.environ["GLOSS_MODE"], os.environ["GLOSS_WORDNET"] = args.mode, args.wordnet
        compare.DualuseSystem = gloss_screen.GlossSystem
        sys.argv = [sys.argv[0], *[a for a in args.compare_args if a != "--"]]
        compare.main()


if __name__ == "__main__":
    main()
