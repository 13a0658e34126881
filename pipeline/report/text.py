"""Terminal text of the commands' results: metric tables, evaluation, thresholds, cross-validation, model info."""

from __future__ import annotations

from typing import Any


def _pct(v: float | None) -> str:
    return "   –  " if v is None else f"{v:6.3f}"


def _ci_text(ci: list[float] | None) -> str:
    return f"[{ci[0]:.3f}–{ci[1]:.3f}]" if ci else ""


def peer_text(m: dict[str, Any]) -> str:
    """How an evaluation's scores were made: the model's alone, or blended with its character peer."""
    peer = m.get("peer")
    if not peer:
        return "the model's"
    w = peer["weight"]
    return f"{1 - w:g} × the model's + {w:g} × its character peer's (softmax at {peer['temperature']:g})"


def thresholds_text(m: dict[str, Any]) -> str:
    """The class thresholds of an evaluation and its decision rules (``"none"`` without thresholds)."""
    text = ", ".join(f"{k} ≥ {v:.3f}" for k, v in m.get("thresholds", {}).items()) or "none"
    if m.get("peer"):
        text = f"on scores {peer_text(m)}: {text}"
    rule = m.get("long_line_rule")
    if rule and m.get("thresholds"):
        text += f"; lines of more than {rule['words']} words: ≥ {rule['threshold']:.3f} where lower"
    rule = m.get("code_line_rule")
    if rule and m.get("thresholds"):
        text += f"; lines of at most {rule['words']} words with a model code: ≥ {rule['threshold']:.3f} where lower"
    if m.get("pool_below") and m.get("thresholds"):
        text += f"; lines with p(other) < {m['pool_below']:.3f}: the sum of the dual-use classes against the threshold"
    rule = m.get("prose_rule")
    if rule and m.get("thresholds"):
        text += f"; prose lines (≥ {rule['function_words']} function words): p(other) × {rule['other_scale']:g}"
    if m.get("thresholds"):
        if m.get("prose_keywords"):
            at = m["prose_keywords"]
            terms = f" and lines of at most {m['keyword_terms']} words" if m.get("keyword_terms") else ""
            text += f"; prose lines{terms} left other: their keywords' class where it scores ≥ {at:g} (review)"
        if m.get("keyword_agree"):
            at = m["keyword_agree"]
            text += f"; lines left other: their keywords' class where the model ranks it first at ≥ {at:g} (review)"
        if m.get("bare_words"):
            what = "keyword, model code or named type"
            if m.get("class_terms"):
                what = f"keyword, model code, named type or term of its class ({m['class_terms']} terms)"
            text += f"; lines of at most {m['bare_words']} word(s) with no {what}: other (review)"
        if m.get("ground_rule"):
            text += "; aircraft_parts lines naming a ground machine's engine or ground equipment: other (review)"
        if m.get("counter_cue_rule"):
            text += "; prose counter_drone lines with no jamming, detection or drone word: other (review)"
        if m.get("aircraft_destination"):
            at = m["aircraft_destination"]
            text += f"; lines left other, declared for manned aircraft: aircraft_parts where it leads at ≥ {at:g}"
            text += " (review)"
    return text


def format_evaluation(m: dict[str, Any]) -> str:
    """Plain-text summary of :func:`pipeline.api.evaluate` output for the terminal."""
    lines = [f"{m['data']}  (n={m['n']}, model {m.get('model')})"]
    if m.get("thresholds"):
        lines.append("thresholds: " + thresholds_text(m))
    elif m.get("peer"):
        lines.append(f"scores: {peer_text(m)}")
    if m.get("code_column"):
        assist = m.get("code_assist") or {}
        lines.append(f"code column: {m['code_column']}; code assist at {assist.get('threshold', 0):g} labelled "
                     f"{assist.get('lines', 0)} line(s) (--no-code-column: the text alone)")  # fmt: skip
    lines.append(f"{'label':<16}{'precision':>10} {'95% CI':<15}{'recall':>8} {'95% CI':<15}{'f1':>7}{'support':>9}")
    for lab, r in m["per_class"].items():
        lines.append(
            f"{lab:<16}{r['precision']:>10.3f} {_ci_text(r.get('precision_ci')):<15}"
            f"{r['recall']:>8.3f} {_ci_text(r.get('recall_ci')):<15}{r['f1']:>7.3f}{r['support']:>9d}"
        )
    lines.append(
        f"{'macro':<16}{m['macro_precision']:>10.3f} {'':<15}{m['macro_recall']:>8.3f} {'':<15}"
        f"{m['macro_f1']:>7.3f}  {_ci_text(m.get('macro_f1_ci'))}"
    )
    lines.append(f"micro F1 / accuracy {m['micro_f1']:.3f} {_ci_text(m.get('micro_f1_ci'))}")
    d = m.get("any_dual_use")
    if d:
        lines.append(
            f"any dual-use vs other: precision {d['precision']:.3f} {_ci_text(d.get('precision_ci'))}, "
            f"recall {d['recall']:.3f} {_ci_text(d.get('recall_ci'))} "
            f"({d['predicted']} flagged, {d['support']} gold)"
        )
    cal = m.get("calibration") or {}
    if cal.get("brier") is not None:
        lines.append(f"calibration: Brier {cal['brier']:.4f}, ECE {cal['ece']:.4f}")
    lines.extend(format_prevalence(m.get("at_prevalence")))
    if m.get("thresholds"):
        r = m["review"]
        lines.append(
            f"review=1 lines: {r['n']} ({r['gold_dual_use']} dual-use, {r['candidate_correct']} with the "
            "right candidate)"
        )
    lines.extend(format_military_flag(m.get("military_flag")))
    lines.append("\n" + confusion_table(m["labels"], m["confusion"]))
    for name, sl in (m.get("slices") or {}).items():
        lines.append(f"\nby {name}")
        lines.append(f"{'value':<16}{'n':>6}{'acc':>8}{'macroF1':>9}{'DU prec':>9}{'DU rec':>8}")
        for k, v in sl.items():
            lines.append(
                f"{str(k)[:15]:<16}{v['n']:>6d}{_pct(v['accuracy']):>8}{_pct(v['macro_f1']):>9}"
                f"{_pct(v['dual_use_precision']):>9}{_pct(v['dual_use_recall']):>8}"
            )
    lines.append(f"\n{m['n_errors']} errors")
    for e in m.get("top_errors", [])[:5]:
        lines.append(f"  line {e['line']}: {e['gold']} → {e['predicted']} ({e['score']:.3f}) {e['text'][:70]}")
    if m.get("report"):
        lines.append(f"\nreport written to {m['report']['html']}")
    return "\n".join(lines)


def format_military_flag(f: dict[str, Any] | None) -> list[str]:
    """The military flag against the gold ``marker`` column, with the first false flags (none without the column)."""
    if not f:
        return []
    lines = [
        f"military flag vs gold marker ({f['n']} rows): {f['flagged']} flagged, {f['true_flags']} of "
        f"{f['gold_marked']} marked caught (precision {_pct(f['precision']).strip()}, recall "
        f"{_pct(f['recall']).strip()}); "
        f"{f['false_flags']} false flag(s), {f['missed']} missed"
    ]
    for e in f["false_flag_lines"][:5]:
        lines.append(f"  false flag, line {e['line']}: «{e['wording']}» in {e['text'][:70]}")
    return lines


def format_prevalence(p: dict[str, Any] | None) -> list[str]:
    """Terminal lines for the precision projected to the user's prevalence (empty without a projection)."""
    if not p or "any_dual_use" not in p:
        return []
    lines = [
        f"\nprojected to a dump with {p['prevalence']:.2%} dual-use lines (false-positive rates from "
        f"{p['n_other']} other lines; conservative: upper 95% bound of each rate)",
        f"{'label':<16}{'FP rate':>9}{'recall':>8}{'precision':>11}{'conservative':>14}",
    ]
    for lab, r in list(p["per_class"].items()) + [("any dual-use", p["any_dual_use"])]:
        lines.append(
            f"{lab:<16}{r['fpr']:>9.4f}{r['recall']:>8.3f}{r['precision']:>11.3f}{r['precision_conservative']:>14.3f}"
        )
    return lines


def format_thresholds(result: dict[str, Any]) -> str:
    """Plain-text summary of :func:`pipeline.training.threshold_search.thresholds` output."""
    lines = [
        f"target precision {result['target_precision']:.3f} on {result['dev']} (n={result['n']})",
        f"{'label':<16}{'threshold':>10}{'precision':>10}{'≥(95%)':>8}{'recall':>8}{'labelled':>9}"
        f"{'support':>8}  status",
    ]
    for lab, c in result["per_class"].items():
        thr = "–" if c["threshold"] is None else f"{c['threshold']:.4f}"
        lines.append(
            f"{lab:<16}{thr:>10}{_pct(c['precision']):>10}{_pct(c['precision_lower']):>8}"
            f"{_pct(c['recall']):>8}{c['labelled']:>9d}{c['support']:>8d}  {c['status']}"
        )
    for w in result.get("warnings", []):
        lines.append(f"warning: {w}")
    if result.get("written"):
        lines.append(f"thresholds written to {result['written']} (and the folder's config.cfg)")
    else:
        lines.append("dry run: nothing written")
    return "\n".join(lines)


def format_cv(cv: dict[str, Any]) -> str:
    """Plain-text summary of :func:`pipeline.training.crossval.cross_validate` output (mean ± std over folds)."""
    s = cv["summary"]
    lines = [
        f"{cv['k']}-fold cross-validation, grouped by split clusters (n={cv['n']})",
        f"{'label':<16}{'precision':>16}{'recall':>16}{'f1':>16}",
    ]

    def ms(x: dict[str, float]) -> str:
        return f"{x['mean']:.3f} ± {x['std']:.3f}"

    for lab, c in s["per_class"].items():
        lines.append(f"{lab:<16}{ms(c['precision']):>16}{ms(c['recall']):>16}{ms(c['f1']):>16}")
    lines.append(f"{'macro':<16}{ms(s['macro_precision']):>16}{ms(s['macro_recall']):>16}{ms(s['macro_f1']):>16}")
    lines.append(f"accuracy {ms(s['accuracy'])}")
    if "any_dual_use" in s:
        d = s["any_dual_use"]
        lines.append(f"any dual-use vs other: precision {ms(d['precision'])}, recall {ms(d['recall'])}")
    return "\n".join(lines)


def _integrity_line(meta: dict[str, Any]) -> list[str]:
    """The integrity line of ``dualuse info`` (none for a meta read without :func:`pipeline.model.folder.integrity`)."""
    check = meta.get("integrity")
    if not check:
        return []
    if check.get("ok"):
        return ["integrity      ok: the model files and decision settings match the model sha256"]
    problem = str(check.get("problem") or "").rstrip(".")
    return [f"integrity      FAILED: {problem}; predict, evaluate and review refuse this folder"]


def format_info(meta: dict[str, Any]) -> str:
    """Readable summary of a model's meta: labels, versions, corpus hash, thresholds and metrics."""
    lines = [
        f"model {meta.get('name') or ''}  ({meta.get('path', '')})".rstrip(),
        f"trained at     {meta.get('trained_at', '–')}",
        f"labels         {', '.join(meta.get('labels') or [])}",
        f"model sha256   {meta.get('model_sha256', '–')}"
        + ("" if meta.get("decision_sha256") else "  (names the model files only, not the thresholds and rules)"),
        f"decisions      {meta['decision_sha256']}  (thresholds and rules, in the model sha256)"
        if meta.get("decision_sha256")
        else "decisions      not named (saved before decision_sha256: "
        + ("save it again" if meta.get("format") else "convert it with `dualuse model convert`")
        + " to name them)",
        *_integrity_line(meta),
        "format         "
        + (
            f"{meta['format']} v{meta.get('format_version', '?')} (plain data: loading runs no code"
            + ("; scores blended with a character peer: [peer])" if meta.get("format_version") == 2 else ")")
            if meta.get("format")
            else "pickle (model.joblib: loading runs code; convert with `dualuse model convert`)"
        ),
    ]
    lines += _info_provenance(meta)
    metrics = meta.get("metrics") or {}
    for name, m in metrics.items():
        title = {"test": "test split", "ood": "out-of-distribution test"}.get(name, name)
        lines.append("\n" + (format_cv(m) if name == "cv" else metrics_table(m, title)))
    if not metrics:
        lines.append("\nno metrics stored")
    return "\n".join(lines)


def _info_provenance(meta: dict[str, Any]) -> list[str]:
    """Where a model came from: library versions, corpus files, marker rules and thresholds."""
    lines = []
    versions = meta.get("versions") or {}
    if versions:
        lines.append("versions       " + ", ".join(f"{k} {v}" for k, v in versions.items()))
    corpus = meta.get("corpus") or {}
    if corpus:
        lines.append(f"corpus sha256  {corpus.get('sha256', '–')}")
        lines.append(
            f"corpus lines   {corpus.get('lines', '–')}; fitted on {'+'.join(corpus.get('fit_on') or [])}; "
            + ", ".join(f"{k}={v}" for k, v in (corpus.get("split_counts") or {}).items())
        )
        for f, h in (corpus.get("files") or {}).items():
            lines.append(f"  {f}  {h[:16]}…")
        for f, h in (corpus.get("ood") or {}).items():
            lines.append(f"  OOD {f}  {h[:16]}…")
    markers = meta.get("markers") or {}
    if markers:
        lines.append(
            f"marker rules   {markers.get('path')}  {str(markers.get('sha256'))[:16]}…  "
            f"({markers.get('rules')} rules, {markers.get('exclusions')} exclusions)"
        )
    for name, version in (meta.get("text_rules") or {}).items():
        lines.append(f"word lists     {name.replace('_', ' ')} {version}")
    thr = meta.get("thresholds") or {}
    if thr:
        lines.append("thresholds     " + ", ".join(f"{k} ≥ {v:.4f}" for k, v in thr.items()))
        ti = meta.get("thresholds_info") or {}
        if ti:
            lines.append(
                f"  chosen for precision {ti.get('target_precision')} on {ti.get('dev')} at {ti.get('chosen_at')}"
            )
    else:
        lines.append("thresholds     none (every line gets its best class)")
    if meta.get("code_assist"):
        lines.append(f"code assist    {meta['code_assist']:g}: with a code column, an `other` line takes its code's "
                     "label where its text gives that label this much (review=1)")  # fmt: skip
    return lines


def metrics_table(m: dict[str, Any], title: str) -> str:
    """The per-class precision/recall/F1/support table of one metrics dict, with macro averages and accuracy."""
    lines = [f"{title} (n={m.get('n')})", f"{'label':<16}{'precision':>10}{'recall':>10}{'f1':>10}{'support':>10}"]
    for lab, r in (m.get("per_class") or {}).items():
        lines.append(f"{lab:<16}{r['precision']:>10.3f}{r['recall']:>10.3f}{r['f1']:>10.3f}{r['support']:>10d}")
    lines.append(
        f"{'macro':<16}{m.get('macro_precision', 0):>10.3f}{m.get('macro_recall', 0):>10.3f}"
        f"{m.get('macro_f1', 0):>10.3f}"
    )
    lines.append(f"accuracy {m.get('accuracy', 0):.3f}")
    d = m.get("any_dual_use")
    if d:
        lines.append(f"any dual-use vs other: precision {d['precision']:.3f}, recall {d['recall']:.3f}")
    return "\n".join(lines)


def confusion_table(labels: list[str], confusion: list[list[int]]) -> str:
    """The confusion matrix as text (rows: gold, columns: predicted)."""
    lines = ["confusion (rows: gold, columns: predicted)", " " * 16 + "".join(f"{lab[:8]:>9}" for lab in labels)]
    for lab, row in zip(labels, confusion):
        lines.append(f"{lab:<16}" + "".join(f"{v:>9d}" for v in row))
    return "\n".join(lines)


def format_code_counts(conflicts: dict, statuses: dict) -> str:
    """The code lines of the predict summary: conflicts per direction and code statuses."""
    assisted = conflicts.get("code-assisted", 0)
    assist = f"code assist: {assisted} line(s) labelled as their code implies, text in support (review=1)\n"
    return (
        f"code conflicts: text>code={conflicts.get('text>code', 0)}, code>text={conflicts.get('code>text', 0)}\n"
        + (assist if assisted else "")
        + f"code statuses: {', '.join(f'{k}={v}' for k, v in sorted(statuses.items()))}"
    )


def format_corpus_check(report: Any, show: int = 10) -> str:
    """The corpus check as text: lines per label, language, source and split; duplicates, conflicts, leaks."""
    cols = ("train", "dev", "test", "excluded", "ood")
    lines = [f"{'label':<16}{'lang':<7}{'source':<28}" + "".join(f"{c:>9}" for c in cols)]
    for (lab, lang, src), cnt in report.counts.items():
        lines.append(f"{lab:<16}{lang:<7}{src[:27]:<28}" + "".join(f"{cnt.get(c, 0):>9d}" for c in cols))
    lines.append(
        f"\n{report.n_lines} corpus lines; {len(report.duplicates)} duplicate text group(s); "
        f"{len(report.conflicts)} label conflict(s); {len(report.leaks)} leak(s) across splits; "
        f"{len(report.ood_overlap)} corpus line(s) near OOD lines (excluded from training)"
    )
    lines += ["conflict: " + " | ".join(group) for group in report.conflicts[:show]]
    lines += [f"leak: {a} ~ {b} ({s:.2f})" for a, b, s in report.leaks[:show]]
    return "\n".join(lines)
