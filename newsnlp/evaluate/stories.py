"""`nlp evaluate stories`: grouping scored against events labelled by a careful reader.

Each row becomes what a feed gives a run: a document holding one teaser (its title and text, as
a feed item's teaser reads) with its source and published date; the run's own path groups them
(`Pipeline.process_with_views`, `items_of`, `Grouper`). Figures: pairwise precision, recall and
F1, B-cubed precision, recall and F1, the adjusted Rand index, the share of look-alike pairs
(two events a reader could confuse, `data.lookalikes`) merged, and the share of singletons
attached to another item; the worst merges and splits go in the report."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from itertools import combinations
from typing import Any

from newsnlp.config import RunConfig, StoriesConfig
from newsnlp.documents import Document, TeaserInfo
from newsnlp.documents.labelled import load_rows
from newsnlp.engine.pipeline import Pipeline
from newsnlp.errors import ConfigError, InputError
from newsnlp.stories.grouping import Grouper
from newsnlp.stories.items import Item
from newsnlp.stories.run import items_of


def story_items(config: RunConfig, on_batch: Callable[[float], None] | None = None) -> tuple[list[Item], list[str]]:
    """The rows as the run reads them (items with vectors), and each row's gold event."""
    data = config.data
    if data is None or data.label_field is None:
        raise ConfigError("nlp evaluate stories needs a data: section with label_field (the event), e.g. configs/eval-stories.yaml")
    rows = load_rows(data, [*data.text_fields, data.label_field])
    docs, gold = [], []
    for n, row in enumerate(rows):
        body = " ".join(str(row.get(f) or "") for f in data.text_fields).strip()
        title = str(row.get(data.title_field) or "").strip() if data.title_field else ""
        text = f"{title}{'' if not title or title[-1] in '.!?:' else '.'} {body}".strip() if title else body
        published = str(row.get(data.date_field) or "") or None if data.date_field else None
        source = str(row.get(data.source_field) or "") or None if data.source_field else None
        doc_id = str(row.get(data.id_field) if data.id_field else n)
        docs.append(
            Document.from_parts(doc_id, "", [text], source=source, info=[TeaserInfo(published=published, id=doc_id)])
        )  # the row's id as a feed item's guid
        gold.append(str(row[data.label_field]))
    pipeline = Pipeline(config)
    items: list[Item] = []
    for record, view in pipeline.process_with_views(docs, on_progress=on_batch):
        items += items_of(record, view, fallback=0.0)
    if len(items) != len(gold):
        raise InputError(f"data.path: {len(gold) - len(items)} rows have no text to group")
    return items, gold


def group_items(items: Sequence[Item], stories: StoriesConfig) -> list[str]:
    """Each item's story, grouped as a run groups them (time order, no index)."""
    assigned = {item.key: a.story for item, a in Grouper(stories.model_copy(update={"path": None})).group(sorted(items, key=Item.order))}
    return [assigned[item.key] for item in items]


def lookalike_pairs(config: RunConfig) -> list[tuple[str, str]]:
    """The events a reader could confuse, in pairs, from `data.lookalikes` (a JSON list of
    events with `event` and `confusable_with`)."""
    data = config.data
    if data is None or data.lookalikes is None:
        return []
    path = data.resolve(data.lookalikes)
    try:
        events = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"data.lookalikes: {path} is not readable JSON ({str(exc)[:80]})") from None
    pairs = {tuple(sorted((e["event"], e["confusable_with"]))) for e in events if isinstance(e, dict) and e.get("confusable_with")}
    return sorted((a, b) for a, b in pairs)


def story_metrics(gold: Sequence[str], predicted: Sequence[str], lookalikes: Sequence[tuple[str, str]] = ()) -> dict[str, Any]:
    from sklearn.metrics import adjusted_rand_score

    n = len(gold)
    by_story: dict[str, list[int]] = defaultdict(list)
    by_event: dict[str, list[int]] = defaultdict(list)
    for i, (g, p) in enumerate(zip(gold, predicted)):
        by_story[p].append(i)
        by_event[g].append(i)
    same_story = {pair for members in by_story.values() for pair in combinations(members, 2)}
    same_event = {pair for members in by_event.values() for pair in combinations(members, 2)}
    both = len(same_story & same_event)
    pair_p = both / len(same_story) if same_story else 1.0
    pair_r = both / len(same_event) if same_event else 1.0
    b_p = sum(len(set(by_story[predicted[i]]) & set(by_event[gold[i]])) / len(by_story[predicted[i]]) for i in range(n)) / n
    b_r = sum(len(set(by_story[predicted[i]]) & set(by_event[gold[i]])) / len(by_event[gold[i]]) for i in range(n)) / n
    cross = merged = 0
    for a, b in lookalikes:
        for i in by_event.get(a, []):
            for j in by_event.get(b, []):
                cross += 1
                merged += predicted[i] == predicted[j]
    singles = [members[0] for members in by_event.values() if len(members) == 1]
    attached = sum(len(by_story[predicted[i]]) > 1 for i in singles)
    return {
        "n": n,
        "events": len(by_event),
        "stories": len(by_story),
        "pairwise": {"precision": round(pair_p, 4), "recall": round(pair_r, 4), "f1": round(_f1(pair_p, pair_r), 4)},
        "bcubed": {"precision": round(b_p, 4), "recall": round(b_r, 4), "f1": round(_f1(b_p, b_r), 4)},
        "ari": round(float(adjusted_rand_score(list(gold), list(predicted))), 4),
        "lookalike_merged": round(merged / cross, 4) if cross else None,
        "singletons_attached": round(attached / len(singles), 4) if singles else None,
    }


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def worst(gold: Sequence[str], predicted: Sequence[str], texts: Sequence[str], top: int = 5) -> dict[str, list[dict[str, Any]]]:
    """The stories mixing most events (merges) and the events spread over most stories (splits)."""
    by_story: dict[str, list[int]] = defaultdict(list)
    by_event: dict[str, list[int]] = defaultdict(list)
    for i, (g, p) in enumerate(zip(gold, predicted)):
        by_story[p].append(i)
        by_event[g].append(i)
    merges = sorted((m for m in by_story.values() if len({gold[i] for i in m}) > 1), key=lambda m: -len({gold[i] for i in m}))[:top]
    splits = sorted((m for m in by_event.values() if len({predicted[i] for i in m}) > 1), key=lambda m: -len({predicted[i] for i in m}))[:top]
    return {
        "merges": [{"story": predicted[m[0]], "events": dict(Counter(gold[i] for i in m)), "texts": [texts[i][:160] for i in m]} for m in merges],
        "splits": [{"event": gold[m[0]], "stories": dict(Counter(predicted[i] for i in m)), "texts": [texts[i][:160] for i in m]} for m in splits],
    }


def evaluate_stories(config: RunConfig, on_start: Callable[[int], None] | None = None, on_batch: Callable[[float], None] | None = None) -> Any:
    """The grouping of `config.data`'s rows with `config.stories`' knobs, scored."""
    from newsnlp.evaluate.evaluation import Evaluation

    data = config.data
    assert data is not None
    if on_start:
        on_start(len(load_rows(data, [])))
    items, gold = story_items(config, on_batch)
    predicted = group_items(items, config.stories)
    metrics = story_metrics(gold, predicted, lookalike_pairs(config))
    metrics["data"] = data.describe()
    metrics["knobs"] = {k: v for k, v in config.stories.model_dump().items() if k != "path"}
    metrics["worst"] = worst(gold, predicted, [item.text for item in items])
    predictions = [{"key": item.key, "event": g, "story": p, "text": item.text} for item, g, p in zip(items, gold, predicted)]
    return Evaluation("stories", metrics, predictions)
