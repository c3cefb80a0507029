"""Rich renderings of records for the terminal."""

from __future__ import annotations

from typing import Any

from rich.console import Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from newsnlp.records import Record, SentimentResult, sentiment_text, topic_text


def _sentiment(s: SentimentResult | None) -> Text:
    if not s:
        return Text("")
    style = {"positive": "green", "negative": "red"}.get(s["label"], "yellow")
    return Text(sentiment_text(s), style="dim" if "abstained" in s else style)


def record_view(record: Record) -> Panel:
    """A panel: the summary, the article's topic and sentiment, and a table of teasers; an
    abstention shows the best label's score beside the threshold (the topic's `abstained`)."""
    title = Text(f"{record['id']}" + (f" · {record['source']}" if record.get("source") else ""))  # scraped text, never markup
    if record.get("error"):
        return Panel(Text(record["error"], style="red"), title=title)
    parts: list[Any] = []
    if record.get("title") and record["title"] != record.get("source"):
        parts.append(Text(record["title"], style="bold") + Text(f"  {record['published']}" if record.get("published") else ""))
    if record.get("summary", {}).get("text"):
        parts.append(Text("Summary: ", style="bold") + Text(record["summary"]["text"]))
    article = record.get("article", {})
    if article:
        line = Text("Article: ", style="bold")
        if "topic" in article:
            line += Text(f"topic {topic_text(article['topic'])}  ")
        line += _sentiment(article.get("sentiment"))
        parts.append(line)
    if record.get("teasers"):
        table = Table(show_header=True, header_style="bold", expand=True)
        table.add_column("#", justify="right", no_wrap=True)
        table.add_column("teaser", no_wrap=True, overflow="ellipsis", ratio=1)
        table.add_column("topic", no_wrap=True)
        table.add_column("sentiment", no_wrap=True)
        for t in record["teasers"]:
            table.add_row(str(t["index"]), Text(t["text"]), Text(topic_text(t["topic"])) if "topic" in t else "", _sentiment(t.get("sentiment")))
        parts.append(table)
    return Panel(Group(*parts), title=title)


def metrics_table(evaluation) -> Table:
    """Ours beside the in-run baseline; per-class figures for classifiers."""
    m = evaluation.metrics
    table = Table(title=f"{evaluation.task} · n={m['n']}", title_justify="left")
    if evaluation.task == "stories":
        for name in ("measure", "precision", "recall", "F1"):
            table.add_column(name, justify="left" if name == "measure" else "right")
        for name, key in (("pairwise", "pairwise"), ("B-cubed", "bcubed")):
            table.add_row(name, *(f"{m[key][k]:.3f}" for k in ("precision", "recall", "f1")))
        share = lambda v: "n/a" if v is None else f"{100 * v:.1f}%"  # noqa: E731
        table.caption = (
            f"ARI {m['ari']:.3f}; {m['events']} events in {m['stories']} stories; look-alike pairs merged {share(m['lookalike_merged'])}; "
            f"singletons attached {share(m['singletons_attached'])}"
        )
        return table
    b = m["baseline"]
    if evaluation.task == "summarize":
        keys = ["rouge1", "rouge2", "rougeL", "rougeLsum"]
        table.add_column("system")
        for k in keys:
            table.add_column(k, justify="right")
        table.add_row("ours", *(f"{m[k]:.2f}" for k in keys))
        table.add_row(b["name"], *(f"{b[k]:.2f}" for k in keys))
        lo, hi = m["delta_rouge1_ci95"]
        table.caption = f"ROUGE-1 ours − {b['name']}: 95% CI [{lo:+.2f}, {hi:+.2f}]"
        return table
    for name in ("system / label", "accuracy", "macro-F1", "precision", "recall", "F1", "support"):
        table.add_column(name, justify="left" if name.startswith("system") else "right")
    table.add_row("ours", f"{m['accuracy']:.3f}", f"{m['macro_f1']:.3f}", "", "", "", str(m["n"]))
    table.add_row(f"majority ({b['label']})", f"{b['accuracy']:.3f}", f"{b['macro_f1']:.3f}", "", "", "", "")
    for label, c in m["per_class"].items():
        table.add_row(f"  {label}", "", "", f"{c['precision']:.3f}", f"{c['recall']:.3f}", f"{c['f1']:.3f}", str(c["support"]))
    table.caption = Text(f"ECE {m['ece']:.3f}" + multilabel_caption(m) + cascade_caption(m))
    if m.get("warning"):
        table.caption.append("\n" + m["warning"], style="yellow")
    return table


def cascade_caption(m: dict) -> str:
    """A cascade's share escalated and its quality over the escalation knob."""
    if "cascade" not in m:
        return ""
    c = m["cascade"]
    metric = "macro_f1" if "macro_f1" in c["escalation_curve"][0] else "accuracy"
    points = "; ".join(f"×{p['factor']:g}: {100 * p['escalated']:.1f}% → {p[metric]:.3f}" for p in c["escalation_curve"])
    return f"\ncascade: {100 * c['escalated']:.1f}% escalated to the transformer tier; {metric} over the margins × factor: {points}"


def multilabel_caption(m: dict) -> str:
    """Lenient and multi-label figures, when the data has `also` gold."""
    if "multi_label" not in m:
        return ""
    lenient, multi = m["lenient"], m["multi_label"]
    per = ", ".join(f"{label} {c['f1']:.2f}" for label, c in multi["per_label"].items())
    return (
        f"\nlenient (a label in `also` counts): accuracy {lenient['accuracy']:.3f}, macro-F1 {lenient['macro_f1']:.3f}"
        f"\nmulti-label (`labels` vs label + also): sample-F1 {multi['sample_f1']:.3f}, per-label F1 {per}"
    )


def calibration_table(result) -> Table:
    table = Table(title=f"calibrate topics · n={result.n}", title_justify="left")
    for name in ("", "temperature", "threshold", "macro-F1", "accuracy", "ECE"):
        table.add_column(name, justify="right" if name else "left")
    for name, row in (("before", result.before), ("after (in-sample)", result.after)):
        table.add_row(
            name, f"{row['temperature']:g}", f"{row['threshold']:g}", f"{row['macro_f1']:.3f}", f"{row['accuracy']:.3f}", f"{row['ece']:.3f}"
        )
    for name, row in (
        ("held-out folds, before", (result.held_out or {}).get("before")),
        ("held-out folds, after", (result.held_out or {}).get("after")),
    ):
        if row:
            table.add_row(name, "", "", f"{row['macro_f1']:.3f}", f"{row['accuracy']:.3f}", f"{row['ece']:.3f}")
    caption = [result.warning] if result.warning else []
    if result.worse_held_out:
        caption.append("the calibrated knobs raise ECE on folds they were not chosen on: keep the current ones")
    if caption:
        table.caption = Text("\n".join(caption), style="yellow")
    return table


def bench_table(figures: dict) -> Table:
    """`nlp bench` for a person: each comparison as ours against what it was compared with, the
    ratio (how many times faster ours is) and label agreement; `--json` keeps every figure."""
    f = figures
    if "turbo_speedup_vs_default" in f:
        return cascade_table(f)
    table = Table(
        title=f"nlp bench ({f.get('mode', 'full')}) · {f.get('texts')} · {f.get('source')} · {f.get('threads')} threads",
        title_justify="left",
        show_header=True,
    )
    for name in ("ours", "compared with", "× faster", "same topic", "same sentiment"):
        table.add_column(name, justify="left" if name in ("ours", "compared with") else "right")

    def pct(key: str) -> str:
        return f"{100 * f[key]:.1f}%" if f.get(key) is not None else ""

    def row(ours: str, peer: str, ratio: str, topic: str = "", sentiment: str = "") -> None:
        if f.get(ratio) is not None:
            table.add_row(ours, peer, f"{f[ratio]:.2f}", pct(topic) if topic else "", pct(sentiment) if sentiment else "")

    default = f"the default ({f.get('default_backend')})"
    row(default, "a naive loop (torch, one text at a time)", "speedup_vs_naive", "naive_topic_agreement", "naive_sentiment_agreement")
    row(default, f"torch fp32 on {f.get('device', 'cpu')}", "default_speedup_vs_torch_fp32", "default_topic_agreement", "default_sentiment_agreement")
    row("ONNX int8", "torch fp32", "int8_speedup_vs_torch_fp32", "topic_agreement", "sentiment_agreement")
    if f.get("int8_refused"):
        table.add_row("ONNX int8", "its fp32 source, when built", "refused", "", "")
    if f.get("openvino_precision"):
        row(
            f"OpenVINO ({f['openvino_precision']})",
            "torch fp32",
            "openvino_speedup_vs_torch_fp32",
            "openvino_topic_agreement",
            "openvino_sentiment_agreement",
        )
    row("ONNX fp32", "torch fp32", "onnx_fp32_speedup_vs_ours", "onnx_fp32_topic_agreement", "onnx_fp32_sentiment_agreement")
    row("our encoder pass", "sentence-transformers", "speedup_vs_sentence_transformers")
    if f.get("cache_rerun_speedup") is not None:
        row(f"a re-run, {100 * f['cache_rerun_cached_share']:.0f}% of texts cached", "a cold run", "cache_rerun_speedup")
    row("NLI topics (ONNX int8)", "transformers zero-shot pipeline", "nli_speedup_vs_hf_pipeline", "nli_int8_label_agreement")
    if f.get("startup_ratio"):
        table.add_row(
            "nlp run on the seed page, in a new process", "a bare transformers script (same encoder)", f"{1 / f['startup_ratio']:.2f}", "", ""
        )
    notes = [f"{f.get('ours_default_texts_per_s')} texts/s end to end with the default"]
    if f.get("share_of_peak") is not None:
        share = 100 * f["share_of_peak"]
        where = f"of the {f.get('device', 'cpu')}'s {f.get('matmul_peak_dtype', 'float32')} matmul peak"
        notes.append(f"encoder at {share:.0f}% {where}" if share >= 10 else f"encoder at {share:.1f}% {where}")
    if f.get("cache_rerun_speedup") is not None:
        notes.append(
            "the cached re-run's records " + ("equal the cold run's" if f.get("cache_rerun_records_equal") else "DIFFER from the cold run's")
        )
    if f.get("outside_encoder_and_heads_share") is not None:
        notes.append(f"{100 * f['outside_encoder_and_heads_share']:.1f}% of run time outside the encoder and heads")
    if f.get("pages_stage_shares"):
        notes.append(f"reading {f['pages_documents']} pages took {100 * f['pages_stage_shares']['read']:.1f}% of their run")
    if f.get("peak_rss_mb") is not None:
        notes.append(f"peak RSS {f['peak_rss_mb']:.0f} MB")
    if f.get("mode") == "quick":
        notes.append("quick: --full adds the naive loop, start-up and NLI")
    notes.append(f"took {f.get('bench_s')} s (expected {f.get('expected_s')} s); --json prints every figure")
    table.caption = Text("; ".join(notes))
    return table


def turbo_label(f: dict) -> str:
    """turbo's row name: the share of teasers escalated, and per task where the bench says."""
    tasks = ", ".join(f"{key} {100 * f[f'turbo_{key}_escalated']:.1f}%" for key in ("topic", "sentiment") if f"turbo_{key}_escalated" in f)
    return f"turbo ({100 * f['turbo_escalated']:.1f}% escalated{': ' + tasks if tasks else ''})"


def cascade_table(f: dict) -> Table:
    """`nlp bench` of a cascade config: turbo, the default and the fast preset on the same texts,
    then the escalation curve (the shipped margins are factor 1)."""
    table = Table(title=f"nlp bench (cascade) · {f.get('texts')} · {f.get('source')} · {f.get('threads')} threads", title_justify="left")
    for name in ("config", "texts/s", "× the default", "same topic as the default", "same sentiment"):
        table.add_column(name, justify="left" if name == "config" else "right")
    default_rate = f["default_texts_per_s"]
    for name in ("turbo", "fast", "default"):
        if f.get(f"{name}_texts_per_s") is None:
            continue
        same = (f"{100 * f[f'{name}_topic_agreement']:.1f}%", f"{100 * f[f'{name}_sentiment_agreement']:.1f}%") if name != "default" else ("", "")
        label = turbo_label(f) if name == "turbo" else name
        table.add_row(label, f"{f[f'{name}_texts_per_s']:.1f}", f"{f[f'{name}_texts_per_s'] / default_rate:.2f}", *same)
    for point in f.get("escalation_curve", []):
        table.add_row(
            f"  margins × {point['factor']:g}: {100 * point['escalated']:.1f}% escalated",
            f"~{point['predicted_texts_per_s']:.0f}",
            f"~{point['predicted_texts_per_s'] / default_rate:.1f}",
            f"{100 * point['topic_agreement']:.1f}%",
            f"{100 * point['sentiment_agreement']:.1f}%",
        )
    table.caption = Text(
        f"end to end through nlp's pipeline, cache off; curve rows (~) predicted from the static tier's and the transformer tier's measured rates; "
        f"took {f.get('bench_s')} s (expected {f.get('expected_s')} s); --json prints every figure"
    )
    return table
