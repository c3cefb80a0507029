import types

from newsnlp import Document, Pipeline, parse_page

PAGE = "Shares rose on the market today. The bank said profit was strong.\nSource: Wire\nOil prices fell...\nPeace talks began...\n"


def test_records_stream_in_order_with_all_fields(tiny_config):
    pipeline = Pipeline(tiny_config)
    docs = (parse_page(PAGE, id=f"d{i}") for i in range(5))
    records = pipeline.process(docs)
    assert isinstance(records, types.GeneratorType)  # lazy: 100,000 documents stream
    records = list(records)
    assert [r["id"] for r in records] == [f"d{i}" for i in range(5)]
    r = records[0]
    assert list(r)[:6] == ["id", "source", "lang", "summary", "article", "teasers"]
    assert r["source"] == "Wire" and len(r["teasers"]) == 2
    assert set(r["article"]) == {"topic", "sentiment"}
    assert all({"index", "text", "topic", "sentiment"} <= set(t) for t in r["teasers"])


def test_one_encoder_pass_per_chunk_with_shared_texts(tiny_config, monkeypatch):
    pipeline = Pipeline(tiny_config).load()
    calls = []
    original = pipeline.encoder.encode
    monkeypatch.setattr(pipeline.encoder, "encode", lambda texts, on_batch=None: calls.append(list(texts)) or original(texts))
    list(pipeline.process([parse_page(PAGE, id="a"), parse_page(PAGE, id="b")]))
    assert len(calls) == 1
    assert len(calls[0]) == len(set(calls[0]))  # identical sentences and teasers encoded once


def test_empty_document_is_reported_not_dropped(tiny_config):
    docs = [Document.from_parts("empty", ""), parse_page(PAGE, id="ok")]
    records = list(Pipeline(tiny_config).process(docs))
    assert records[0]["id"] == "empty" and "error" in records[0]
    assert "error" not in records[1]


def test_disabled_tasks_and_quick_calls(tiny_config):
    cfg = tiny_config.model_copy(deep=True)
    cfg.tasks.summarize.enabled = False
    pipeline = Pipeline(cfg)
    record = next(pipeline.process([parse_page(PAGE, id="a")]))
    assert "summary" not in record
    topics = pipeline.classify(["oil prices fell", "the team won"])
    assert len(topics) == 2 and set(topics[0]["scores"]) == {"markets", "diplomacy", "energy", "other"}
    (sentiment,) = pipeline.sentiment(["shares rose"])  # a random tiny model: the shape, not the label
    assert set(sentiment["scores"]) == {"negative", "neutral", "positive"} and abs(sum(sentiment["scores"].values()) - 1) < 1e-3
    assert sentiment["label"] == max(sentiment["scores"], key=sentiment["scores"].get)


def test_a_string_is_one_text_and_a_blank_text_is_other_with_zero_scores(tiny_config):
    """Step 3: classify("Oil prices rose") gave 15 results, one per character; classify([""])
    gave `diplomacy 0.529`."""
    pipeline = Pipeline(tiny_config)
    one = pipeline.classify("Oil prices rose")  # Step 2 (of the news-input round): a string gave a list of one
    assert one == pipeline.classify(["Oil prices rose"])[0] and one["label"] in one["scores"]
    assert pipeline.sentiment("Oil prices rose") == pipeline.sentiment(["Oil prices rose"])[0]
    blank, real, spaces = pipeline.classify(["", "oil prices fell", "  "])
    for topic in (blank, spaces):
        assert topic["label"] == "other" and set(topic["scores"].values()) == {0.0} and topic["labels"] == ["other"]
    assert real == pipeline.classify(["oil prices fell"])[0]
    assert pipeline.sentiment([""])[0] == {"label": "neutral", "score": 0.0, "scores": {"negative": 0.0, "neutral": 1.0, "positive": 0.0}}


def test_progress_moves_per_encoder_batch_and_sums_to_the_documents(tiny_config):
    """Step 3: 100 documents showed 0/100 for the whole run (progress per 128-document chunk).
    Cache off: with a kept NLP_CACHE_DIR a second test run found every text cached (one step)."""
    steps = []
    uncached = tiny_config.model_copy(update={"cache": tiny_config.cache.model_copy(update={"enabled": False})})
    records = list(Pipeline(uncached).process([parse_page(PAGE + f"Item {i} rose...\n", id=f"d{i}") for i in range(100)], on_progress=steps.append))
    assert len(records) == 100
    assert len(steps) > 10 and abs(sum(steps) - 100) < 1e-9  # batch_size 4: many steps inside the one chunk
    assert sum(steps[:-1]) < 100
