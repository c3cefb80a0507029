"""`--report DIR`: metrics.json, report.md, confusion and reliability PNGs, predictions.jsonl."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from newsnlp.errors import InputError
from newsnlp.evaluate.evaluator import Evaluation, reliability


def write_report(evaluation: Evaluation, folder: str | Path, *, title: str = "") -> Path:
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"--report {folder}: cannot create the folder ({exc.strerror})") from exc
    (folder / "metrics.json").write_text(json.dumps(evaluation.metrics, indent=2) + "\n", encoding="utf-8")
    with (folder / "predictions.jsonl").open("w", encoding="utf-8") as handle:
        for row in evaluation.predictions:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    images = []
    if evaluation.labels:
        images = [
            _confusion_png(evaluation, folder / "confusion.png"),
            _reliability_png(
                reliability(evaluation), folder / "reliability.png", f"{evaluation.task}: reliability (ECE {evaluation.metrics['ece']:.3f})"
            ),
        ]
    (folder / "report.md").write_text(markdown(evaluation, title, [p.name for p in images]), encoding="utf-8")
    (folder / "report.html").write_text(evaluation_html(evaluation, title, [p.with_suffix(".svg") for p in images]), encoding="utf-8")
    return folder


def story_markdown(m: dict) -> list[str]:
    """Stories: the figures, then the worst merges and splits."""
    lines = [
        "| measure | precision | recall | F1 |",
        "|---|---|---|---|",
        *(
            f"| {name} | {m[key]['precision']:.3f} | {m[key]['recall']:.3f} | {m[key]['f1']:.3f} |"
            for name, key in (("pairwise", "pairwise"), ("B-cubed", "bcubed"))
        ),
        "",
        f"Adjusted Rand index {m['ari']:.3f}; {m['events']} events grouped into {m['stories']} stories; look-alike pairs merged: "
        f"{_share(m['lookalike_merged'])}; singletons attached to another item: {_share(m['singletons_attached'])}.",
        "",
        f"Knobs: {', '.join(f'{k} {v}' for k, v in m['knobs'].items())}.",
        "",
    ]
    for kind, rows in m["worst"].items():
        lines += [f"## Worst {kind}", ""]
        for row in rows:
            lines += [f"- {json.dumps(row.get('events') or row.get('stories'))}"] + [f"  - {text}" for text in row["texts"]]
        lines += [""] if rows else ["(none)", ""]
    return lines


def _share(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}%"


def evaluation_html(evaluation: Evaluation, title: str, plots: list[Path]) -> str:
    """The evaluation as one self-contained page in the run report's style: the metrics tables,
    the plots inline (SVG: nothing fetched), and the worst predictions, escaped."""
    from markupsafe import Markup

    from newsnlp.formats.jinja import template

    svgs = [Markup(_inline_svg(p.read_text(encoding="utf-8"))) for p in plots if p.is_file()]
    return template("evaluation.html.j2").render(
        title=f"{title or evaluation.task} — {evaluation.task}",
        task=evaluation.task,
        m=evaluation.metrics,
        plots=svgs,
        worst=evaluation.predictions[:25],
    )


def _inline_svg(svg: str) -> str:
    """matplotlib's SVG file without its XML prologue and doctype (which only a file needs)."""
    return svg[svg.index("<svg") :]


def markdown(evaluation: Evaluation, title: str, images: list[str]) -> str:
    m = evaluation.metrics
    lines = [f"# {title or evaluation.task} — {evaluation.task}", "", f"Data: `{m.get('data')}`, n = {m['n']}.", ""]
    if m.get("warning"):
        lines += [f"> **Warning:** {m['warning']}", ""]
    if evaluation.task == "stories":
        return "\n".join(lines + story_markdown(m)) + "\n"
    if evaluation.task == "summarize":
        b = m["baseline"]
        lines += ["| system | ROUGE-1 | ROUGE-2 | ROUGE-L | ROUGE-Lsum |", "|---|---|---|---|---|"]
        lines += [
            f"| {name} | {s['rouge1']:.2f} | {s['rouge2']:.2f} | {s['rougeL']:.2f} | {s['rougeLsum']:.2f} |"
            for name, s in (("ours", m), (b["name"], b))
        ]
        lo, hi = m["delta_rouge1_ci95"]
        lines += [
            "",
            f"ROUGE-1 ours − {b['name']}: 95% CI [{lo:+.2f}, {hi:+.2f}] (paired bootstrap over documents).",
            "",
            "ROUGE F1 ×100, rouge-score with stemming; with several references, the best one counts.",
            "",
            "`predictions.jsonl`: every document, where ours loses most to the baseline first.",
        ]
        return "\n".join(lines) + "\n"
    b = m["baseline"]
    lines += [
        "| system | accuracy | macro-F1 | ECE |",
        "|---|---|---|---|",
        f"| ours | {m['accuracy']:.3f} | {m['macro_f1']:.3f} | {m['ece']:.3f} |",
        f"| majority ({b['label']}) | {b['accuracy']:.3f} | {b['macro_f1']:.3f} | |",
        "",
        "| label | precision | recall | F1 | support |",
        "|---|---|---|---|---|",
    ]
    lines += [f"| {label} | {c['precision']:.3f} | {c['recall']:.3f} | {c['f1']:.3f} | {c['support']} |" for label, c in m["per_class"].items()]
    lines += ["", "Macro-F1 is the mean F1 over the labels present in the gold data.", ""]
    if "multi_label" in m:
        lenient, multi = m["lenient"], m["multi_label"]
        lines += [
            f"Lenient (a prediction in the row's `also` labels counts as right): accuracy {lenient['accuracy']:.3f}, macro-F1 {lenient['macro_f1']:.3f}.",
            "",
            f"Multi-label (the record's `labels` against the label plus `also`): sample-F1 {multi['sample_f1']:.3f}, "
            f"macro-F1 {multi['macro_f1']:.3f}, exact match {multi['exact_match']:.3f}.",
            "",
            "| label | precision | recall | F1 | support |",
            "|---|---|---|---|---|",
        ]
        lines += [
            f"| {label} | {c['precision']:.3f} | {c['recall']:.3f} | {c['f1']:.3f} | {c['support']} |" for label, c in multi["per_label"].items()
        ]
        lines += [""]
    lines += [f"![{name}]({name})" for name in images]
    lines += ["", "`predictions.jsonl`: every row, wrong predictions first (most confident first)."]
    return "\n".join(lines) + "\n"


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")  # headless
    import matplotlib.pyplot as plt

    return plt


def _confusion_png(evaluation: Evaluation, path: Path) -> Path:
    from sklearn.metrics import confusion_matrix

    plt = _pyplot()
    gold_labels = [label for label in evaluation.labels if label in set(evaluation.gold)]
    pred_labels = [label for label in evaluation.labels if label in set(evaluation.predicted) | set(gold_labels)]
    full = confusion_matrix(evaluation.gold, evaluation.predicted, labels=pred_labels)
    matrix = full[[pred_labels.index(g) for g in gold_labels]]
    fig, ax = plt.subplots(figsize=(1.4 * len(pred_labels) + 2, 1.2 * len(gold_labels) + 1.5))
    ax.imshow(matrix, cmap="Blues")
    ax.set_xticks(range(len(pred_labels)), pred_labels)
    ax.set_yticks(range(len(gold_labels)), gold_labels)
    ax.set_xlabel("predicted")
    ax.set_ylabel("gold")
    for i in range(matrix.shape[0]):
        for j in range(matrix.shape[1]):
            ax.text(j, i, str(matrix[i, j]), ha="center", va="center", color="white" if matrix[i, j] > matrix.max() / 2 else "black")
    ax.set_title(f"{evaluation.task}: confusion matrix (n={len(evaluation.gold)})")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    fig.savefig(path.with_suffix(".svg"))  # report.html embeds it inline
    plt.close(fig)
    return path


def _reliability_png(bins: list[dict[str, Any]], path: Path, title: str = "reliability") -> Path:
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(4.5, 4.5))
    ax.plot([0, 1], [0, 1], linestyle="--", color="grey", label="perfect calibration")
    centers = [(b["low"] + b["high"]) / 2 for b in bins]
    ax.bar(centers, [b["accuracy"] for b in bins], width=0.09, alpha=0.7, label="accuracy per bin")
    ax.plot([b["confidence"] for b in bins], [b["accuracy"] for b in bins], marker="o", color="C1", label="(confidence, accuracy)")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("confidence of the predicted label")
    ax.set_ylabel("accuracy")
    ax.set_title(title)
    ax.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    fig.savefig(path.with_suffix(".svg"))  # report.html embeds it inline
    plt.close(fig)
    return path
