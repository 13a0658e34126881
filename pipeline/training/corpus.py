"""Labelled corpora: reading and validation, grouped seeded splits, near-duplicate and leak checks.

A corpus file is any table ``predict`` reads (CSV in any encoding and delimiter, XLSX, JSONL, Parquet …) with at
least the columns ``text,label,lang``; optional columns are ``source`` (defaults to the
file name), ``group`` (lines of one group always share a split: an augmented variant names its original's group),
``marker`` (gold military end-use flag, 0/1), ``style`` and ``split`` (pins a line to ``train``/``dev``/``test``).

Splits are fixed by a seed and a hash of each cluster, where a cluster joins the groups whose texts are exact or
near duplicates (character-trigram cosine at or above a threshold), so no variant or near copy of a test line can
sit in train.
"""

from __future__ import annotations

import csv
import hashlib
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pipeline.errors import CorpusError  # noqa: F401 - raised by the readers, imported from here by callers
from pipeline.text.normalise import Normaliser
from pipeline.training.corpus_file import (  # noqa: F401 - reading lives there; imported from here too
    LANGS,
    REQUIRED_COLUMNS,
    SPLITS,
    Corpus,
    expand_paths,
    read_corpus,
    read_corpus_file,
)
from pipeline.training.recipe import load_config


class _UnionFind:
    def __init__(self, n: int):
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def _trigram_matrix(texts: Sequence[str]):
    from sklearn.feature_extraction.text import TfidfVectorizer

    norm = Normaliser()
    vec = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 3), min_df=1, sublinear_tf=True, dtype=np.float32)
    return vec, vec.fit_transform([norm(t) for t in texts])


def near_duplicate_pairs(
    texts: Sequence[str], threshold: float, other: Sequence[str] | None = None, block: int = 1000
) -> list[tuple[int, int, float]]:
    """Find pairs of texts whose character-trigram TF-IDF cosine is at least ``threshold``.

    Args:
        texts: the texts to compare.
        threshold: similarity at or above which two texts count as near duplicates (1.0: exact after
            normalisation).
        other: when given, compare ``texts`` against these instead of against themselves.
        block: rows per block of the sparse similarity product (bounds memory).

    Returns:
        ``(i, j, similarity)`` triples; ``i < j`` within ``texts``, or ``i`` in ``texts`` and ``j`` in ``other``.
    """
    if not texts or (other is not None and not other):
        return []
    vec, a = _trigram_matrix(list(texts) + list(other or []))
    n = len(texts)
    b = a[n:] if other is not None else a[:n]
    a = a[:n]
    bt = b.T.tocsc()
    pairs = []
    for start in range(0, n, block):
        sims = (a[start : start + block] @ bt).tocoo()
        keep = sims.data >= threshold - 1e-6
        for i, j, s in zip(sims.row[keep], sims.col[keep], sims.data[keep]):
            i = int(i) + start
            j = int(j)
            if other is None and j <= i:
                continue
            pairs.append((i, j, float(s)))
    return pairs


def _unit_hash(seed: int, key: str) -> float:
    digest = hashlib.sha256(f"{seed}:{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


@dataclass
class Splits:
    """A split assignment of a corpus.

    Attributes:
        split: ``train``/``dev``/``test`` for each line, or ``excluded`` for lines that copy an OOD line.
        cluster: the cluster index of each line (lines in one cluster share a split).
        near_pairs: near-duplicate pairs found inside the corpus.
        ood_overlap: ``(corpus index, ood index, similarity)`` of corpus lines that near-duplicate OOD lines.
    """

    split: list[str]
    cluster: list[int]
    near_pairs: list[tuple[int, int, float]]
    ood_overlap: list[tuple[int, int, float]]

    def indices(self, *names: str) -> list[int]:
        """Indices of the lines in the named splits."""
        return [i for i, s in enumerate(self.split) if s in names]


def make_splits(
    corpus: Corpus,
    dev_fraction: float,
    test_fraction: float,
    seed: int,
    threshold: float,
    ood_texts: Sequence[str] | None = None,
) -> Splits:
    """Assign every line to train/dev/test, grouped by ``group`` and by near-duplicate clusters.

    Lines that near-duplicate an out-of-distribution test line are marked ``excluded``, with their whole cluster,
    so the OOD test stays unseen. A cluster with a pinned line (``split`` column) takes that split.
    """
    n = len(corpus)
    uf = _UnionFind(n)
    first_of_group: dict[str, int] = {}
    for i, g in enumerate(corpus.group):
        if g in first_of_group:
            uf.union(first_of_group[g], i)
        else:
            first_of_group[g] = i
    pairs = near_duplicate_pairs(corpus.text, threshold)
    for i, j, _ in pairs:
        uf.union(i, j)
    roots = [uf.find(i) for i in range(n)]
    members: dict[int, list[int]] = defaultdict(list)
    for i, r in enumerate(roots):
        members[r].append(i)
    split = [""] * n
    for r, idx in members.items():
        pins = {corpus.split_pin[i] for i in idx if corpus.split_pin[i]}
        if pins:
            # A conflicting pin is reported by check_corpus; the strictest split wins here.
            chosen = "test" if "test" in pins else ("dev" if "dev" in pins else "train")
        else:
            u = _unit_hash(seed, corpus.group[r])
            chosen = "test" if u < test_fraction else ("dev" if u < test_fraction + dev_fraction else "train")
        for i in idx:
            split[i] = chosen
    overlap: list[tuple[int, int, float]] = []
    if ood_texts:
        overlap = near_duplicate_pairs(corpus.text, threshold, other=ood_texts)
        for r in {roots[i] for i, _, _ in overlap}:
            for i in members[r]:
                split[i] = "excluded"
    return Splits(split=split, cluster=roots, near_pairs=pairs, ood_overlap=overlap)


@dataclass
class CorpusReport:
    """What :func:`check_corpus` found.

    Attributes:
        counts: ``(label, lang, source) -> {split: count}``.
        n_lines: lines read.
        duplicates: exact duplicate texts (after normalisation) with their locations.
        conflicts: identical normalised texts that carry different labels.
        leaks: near-duplicate pairs whose lines sit in different splits.
        ood_overlap: corpus lines that near-duplicate an OOD line, with the OOD line.
        errors: messages that make the check fail.
    """

    counts: dict[tuple[str, str, str], dict[str, int]]
    n_lines: int
    duplicates: list[list[str]]
    conflicts: list[list[str]]
    leaks: list[tuple[str, str, float]]
    ood_overlap: list[tuple[str, str, float]]
    errors: list[str]

    @property
    def ok(self) -> bool:
        """True when no error was found."""
        return not self.errors


def check_corpus(
    corpus: Corpus, splits: Splits, ood: Corpus | None = None, pinned_leaks_fail: bool = True
) -> CorpusReport:
    """Count lines per label × language × source × split, and find duplicates, label conflicts and leaks."""
    norm = Normaliser()
    counts: dict[tuple[str, str, str], Counter] = defaultdict(Counter)
    for lab, lang, src, sp in zip(corpus.label, corpus.lang, corpus.source, splits.split):
        counts[(lab, lang, src)][sp] += 1
    if ood is not None:
        for lab, lang, src in zip(ood.label, ood.lang, ood.source):
            counts[(lab, lang, src)]["ood"] += 1
    by_text: dict[str, list[int]] = defaultdict(list)
    for i, t in enumerate(corpus.text):
        by_text[norm(t)].append(i)

    def where(i: int) -> str:
        return f"{corpus.file[i]}:{corpus.line[i]}"

    duplicates = [[where(i) for i in idx] for idx in by_text.values() if len(idx) > 1]
    conflicts = [
        [f"{where(i)} ({corpus.label[i]})" for i in idx]
        for idx in by_text.values()
        if len({corpus.label[i] for i in idx}) > 1
    ]
    leaks = [(where(i), where(j), s) for i, j, s in splits.near_pairs if splits.split[i] != splits.split[j]]
    ood_overlap = []
    if ood is not None:
        ood_overlap = [(where(i), f"{ood.file[j]}:{ood.line[j]}", s) for i, j, s in splits.ood_overlap]
        leftover = [i for i, _, _ in splits.ood_overlap if splits.split[i] != "excluded"]
        if leftover:
            ood_overlap.append(("not excluded", str(len(leftover)), 0.0))
    errors = []
    if conflicts:
        errors.append(f"{len(conflicts)} text(s) carry conflicting labels")
    if leaks and pinned_leaks_fail:
        errors.append(f"{len(leaks)} near-duplicate pair(s) leak across splits")
    if any(o[0] == "not excluded" for o in ood_overlap):
        errors.append("corpus lines that copy OOD test lines are still in the splits")
    return CorpusReport(
        counts={k: dict(v) for k, v in sorted(counts.items())},
        n_lines=len(corpus),
        duplicates=duplicates,
        conflicts=conflicts,
        leaks=leaks,
        ood_overlap=ood_overlap,
        errors=errors,
    )


def prepare_data(cfg: dict) -> tuple[Corpus, Splits, Corpus | None]:
    """Read the corpus and the OOD set named in a validated config and compute the splits.

    Returns:
        ``(corpus, splits, ood)``; ``ood`` is ``None`` when the config names none or the file does not exist.
    """
    c = cfg["corpus"]
    corpus = read_corpus(cfg["paths"]["corpus"], c["text_column"], c["label_column"])
    ood = None
    if cfg["paths"].get("ood"):
        ood_path = Path(cfg["paths"]["ood"])
        if ood_path.is_file():
            ood = read_corpus_file(ood_path, c["text_column"], c["label_column"])
    splits = make_splits(
        corpus,
        dev_fraction=c["dev_fraction"],
        test_fraction=c["test_fraction"],
        seed=c["split_seed"],
        threshold=c["near_duplicate_threshold"],
        ood_texts=ood.text if ood is not None else None,
    )
    return corpus, splits, ood


def check(config: str | Path | None = None) -> CorpusReport:
    """Load the corpus named by a config, compute its splits and check it (see :func:`check_corpus`)."""
    corpus, splits, ood = prepare_data(load_config(config))
    return check_corpus(corpus, splits, ood)


EXPORT_COLUMNS = ("text", "label", "lang", "marker", "source", "group", "style", "split")


def export(config: str | Path | None, splits: Sequence[str], output: str | Path) -> int:
    """Write the lines of the named splits (``train``, ``dev``, ``test``, ``excluded``) to a corpus-format CSV.

    Useful to hand the dev split to ``dualuse thresholds`` or the test split to ``dualuse evaluate``.

    Returns:
        The number of lines written.
    """
    corpus, sp, _ = prepare_data(load_config(config))
    idx = sp.indices(*splits)
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = output.with_name(f".{output.name}.partial")
    with tmp.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(EXPORT_COLUMNS)
        for i in idx:
            marker = "" if corpus.marker[i] < 0 else corpus.marker[i]
            w.writerow(
                [corpus.text[i], corpus.label[i], corpus.lang[i], marker, corpus.source[i], corpus.group[i],
                 corpus.style[i], sp.split[i]]
            )  # fmt: skip
    tmp.replace(output)
    return len(idx)
