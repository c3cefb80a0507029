"""How well `nlp read` takes the article out of real saved web pages: the main-text snippets of
the gold (`with`) should be in each page's lead, the boilerplate snippets (`without`: menus,
footers, bylines, comments, related lists) should not. Scored as trafilatura's own evaluation
scores it (tests/comparison_small.py: precision, recall, F1 and accuracy over snippets), and
each page checked for a non-empty lead, a title and a date. Reading time per page is printed too.

    python scripts/eval_html.py [--data ../shared/data] [--json]

The pages are trafilatura's own evaluation set (../shared/data/html, development only), so the
figures are in-sample for the library; real news pages never shared check it elsewhere.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from trafilatura import extract  # noqa: E402

from newsnlp.documents import Inputs  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    args = parser.parse_args()
    folder = args.data / "html"
    gold = json.loads((folder / "gold.json").read_text(encoding="utf-8"))
    ours = [0, 0, 0, 0]  # true positives, false negatives, false positives, true negatives
    base = [0, 0, 0, 0]  # trafilatura.extract with its defaults, on the same pages: tp, fn, fp, tn
    leads = titles = dated = 0
    empty: list[str] = []
    seconds = 0.0
    for page in gold:
        start = time.perf_counter()
        [doc] = list(Inputs([str(folder / "pages" / page["file"])]).documents())
        seconds += time.perf_counter() - start
        text = doc.lead_text
        ours = [a + b for a, b in zip(ours, _counts(text, page))]
        plain = extract((folder / "pages" / page["file"]).read_bytes()) or ""
        base = [a + b for a, b in zip(base, _counts(plain, page))]
        leads += bool(text.strip())
        titles += bool(doc.title)
        dated += bool(doc.published)
        if not text.strip():
            empty.append(page["file"])
    figures = {
        "pages": len(gold),
        **_figures(*ours),
        "snippets": dict(zip(("true_positive", "false_negative", "false_positive", "true_negative"), ours)),
        "non_empty_lead": leads,
        "with_title": titles,
        "with_date": dated,
        "empty_leads": empty,
        "ms_per_page": round(1000 * seconds / len(gold), 1),
        "trafilatura_defaults": _figures(*base),
    }
    if args.json:
        print(json.dumps(figures))
        return
    print(f"{len(gold)} pages of {folder} (trafilatura's evaluation set: in-sample for the library)")
    print(f"precision {figures['precision']}  recall {figures['recall']}  F1 {figures['f1']}  accuracy {figures['accuracy']}")
    b = figures["trafilatura_defaults"]
    print(f"trafilatura.extract with its defaults: precision {b['precision']}  recall {b['recall']}  F1 {b['f1']}  accuracy {b['accuracy']}")
    print(f"non-empty lead {leads}/{len(gold)}  title {titles}/{len(gold)}  date {dated}/{len(gold)}  reading {figures['ms_per_page']} ms a page")
    if empty:
        print("empty leads: " + ", ".join(empty))


def _counts(text: str, page: dict) -> tuple[int, int, int, int]:
    tp = sum(snippet in text for snippet in page["with"])
    fp = sum(snippet in text for snippet in page["without"])
    return tp, len(page["with"]) - tp, fp, len(page["without"]) - fp


def _figures(tp: int, fn: int, fp: int, tn: int) -> dict:
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    return {
        "precision": round(precision, 3),
        "recall": round(recall, 3),
        "f1": round(2 * precision * recall / (precision + recall), 3),
        "accuracy": round((tp + tn) / (tp + tn + fp + fn), 3),
    }


if __name__ == "__main__":
    main()
